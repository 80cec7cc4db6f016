"""Taking an exam: start or resume, questions, autosave, heartbeat, submit, result, marking."""

from __future__ import annotations

from server import policies
from server.api.attempts.schemas import (
    AnswerSchema,
    AttemptSummarySchema,
    HeartbeatSchema,
    MarkSchema,
    QuestionViewSchema,
    ResultSchema,
    SavedSchema,
    StartedAttemptSchema,
    SubmittedSchema,
)
from server.api.auth import autocommit_db, current_actor, db
from server.api.blueprint import ANY_ROLE, Blueprint
from server.api.json_body import json_body
from server.api.pagination import paginate
from server.app_services import services
from server.domain import catalogue, exams
from server.domain.actors import STAFF_ROLES, Role

blp = Blueprint("attempts", __name__, description="考试作答", roles=(Role.CANDIDATE,))


def _policy() -> exams.AttemptPolicy:
    return policies.attempt_policy(services().settings)


@blp.route("/exams/<int:exam_id>/attempts", methods=["POST"])
@blp.response(200, StartedAttemptSchema)
def start_attempt(exam_id):
    """Start the exam, or resume it (also from another computer, FAQ 10)."""
    return exams.start_or_resume(db(), current_actor(), exam_id, _policy(), services().jobs)


@blp.route("/exams/<int:exam_id>/attempts", methods=["GET"], roles=STAFF_ROLES)
@blp.response(200, AttemptSummarySchema(many=True))
@blp.paginate()
def list_attempts(exam_id, pagination_parameters):
    """The attempts of an exam, for teachers."""
    catalogue.get_exam(db(), current_actor(), exam_id)
    return paginate(exams.attempts_of_exam(current_actor(), exam_id), pagination_parameters)


@blp.route("/attempts/<int:attempt_id>/questions/<int:n>", methods=["GET"])
@blp.response(200, QuestionViewSchema)
def get_question(attempt_id, n):
    """Question n (from 1) with the saved answer; the same every time (FAQ 15)."""
    return exams.get_question(autocommit_db(), current_actor(), attempt_id, n)


def _own_attempt(attempt_id: int, **_path) -> None:
    """404 for another candidate's attempt, before its request body is looked at."""
    exams.require_own_attempt(lambda: db().connection(), current_actor(), attempt_id)


@blp.route("/attempts/<int:attempt_id>/answers/<int:n>", methods=["PUT"])
@json_body(blp, AnswerSchema(), before=_own_attempt)  # @blp.arguments, ownership first
@blp.response(200, SavedSchema)
def save_answer(payload, attempt_id, n):
    """Autosave an answer; a later client_seq wins, older ones are acknowledged and ignored."""
    saved_seq = exams.save_answer(
        autocommit_db(), current_actor(), attempt_id, n, payload["answer"], payload["client_seq"]
    )
    return {"n": n, "saved_seq": saved_seq}


@blp.route("/attempts/<int:attempt_id>/heartbeat", methods=["POST"])
@blp.response(200, HeartbeatSchema)
def heartbeat(attempt_id):
    """Keep the attempt alive."""
    return exams.heartbeat(db(), current_actor(), attempt_id)


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@blp.response(200, SubmittedSchema)
def submit(attempt_id):
    """Submit; grading follows as a job. Safe to repeat."""
    return exams.submit(db(), current_actor(), attempt_id, services().jobs)


@blp.route("/attempts/<int:attempt_id>/result", methods=["GET"], roles=ANY_ROLE)
@blp.response(200, ResultSchema)
def result(attempt_id):
    """The result: grading, pending_review, published or rejected (FAQ 17, 18)."""
    return exams.get_result(db(), current_actor(), attempt_id)


@blp.route("/attempts/<int:attempt_id>/questions/<int:n>/mark", methods=["POST"], roles=STAFF_ROLES)
@blp.arguments(MarkSchema)
@blp.response(200, ResultSchema)
def mark(payload, attempt_id, n):
    """Mark an essay or photo answer; the total follows."""
    exams.mark_answer(db(), current_actor(), attempt_id, n, payload["score"])
    return exams.get_result(db(), current_actor(), attempt_id)
