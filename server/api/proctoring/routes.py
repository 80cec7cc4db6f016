"""Proctoring (FAQ 3, 18): webcam snapshots, client integrity reports, and the review queue."""

from __future__ import annotations

from server.api.auth import current_actor, db
from server.api.blueprint import Blueprint
from server.api.json_body import json_body
from server.api.pagination import paginate
from server.api.proctoring.schemas import (
    ClientEventResultSchema,
    ClientEventSchema,
    LiveRowSchema,
    ReviewDecisionSchema,
    ReviewQuerySchema,
    ReviewSchema,
    SnapshotFileSchema,
    SnapshotSchema,
)
from server.api.uploads import photo_upload_errors, uploaded_file
from server.app_services import client_address, services
from server.domain import companion, exams, proctoring
from server.domain.actors import STAFF_ROLES, Role

blp = Blueprint("proctoring", __name__, description="监考", roles=STAFF_ROLES)


@blp.route("/attempts/<int:attempt_id>/snapshots", methods=["POST"], roles=(Role.CANDIDATE,))
@blp.arguments(SnapshotFileSchema, location="files")
@blp.response(202, SnapshotSchema)
@photo_upload_errors(blp)
def create_snapshot(_files, attempt_id):
    """Send a desktop webcam frame (every minute or so); it is analysed for proctoring flags."""
    data, _name = uploaded_file()
    app = services()
    return proctoring.desktop_snapshot(
        db(),
        current_actor(),
        attempt_id,
        data,
        app.storage,
        app.settings.MAX_UPLOAD_BYTES,
        app.jobs,
        app.upload_quotas,
    )


def _own_attempt(attempt_id: int) -> None:
    """404 for another candidate's attempt, before its request body is looked at."""
    exams.require_own_attempt(lambda: db().connection(), current_actor(), attempt_id)


@blp.route("/attempts/<int:attempt_id>/integrity-events", methods=["POST"], roles=(Role.CANDIDATE,))
@json_body(blp, ClientEventSchema(), before=_own_attempt)  # @blp.arguments, ownership first
@blp.response(201, ClientEventResultSchema)
def report_event(payload, attempt_id):
    """Report what the desktop client detected during the exam (e-01, e-02, camera_black, ...)."""
    event, flag = proctoring.report_client_event(
        db(), current_actor(), attempt_id, payload["code"], payload["detail"], client_address()
    )
    return {"event": event, "flag": flag}


@blp.route("/reviews")
@blp.arguments(ReviewQuerySchema, location="query")
@blp.response(200, ReviewSchema(many=True))
@blp.paginate()
def list_reviews(query, pagination_parameters):
    """Flagged attempts (监考待审) with their flags and evidence photos."""
    return paginate(
        proctoring.review_query(current_actor(), query.get("status")), pagination_parameters
    )


@blp.route("/attempts/<int:attempt_id>/review", methods=["POST"])
@blp.arguments(ReviewDecisionSchema)
@blp.response(200, ReviewSchema)
def review(payload, attempt_id):
    """Approve (publish the score) or reject a flagged attempt."""
    return proctoring.review_attempt(
        db(), current_actor(), attempt_id, payload["decision"], payload.get("note")
    )


@blp.route("/exams/<int:exam_id>/live")
@blp.response(200, LiveRowSchema(many=True))
def live_view(exam_id):
    """An exam in progress: who is online, whose phone is paired, flags as they arrive."""
    return companion.live_view(db(), current_actor(), exam_id)
