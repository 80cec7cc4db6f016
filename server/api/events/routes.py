"""Live events of an exam attempt for the desktop: Server-Sent Events, or JSON polling."""

from __future__ import annotations

import time

import marshmallow as ma
from flask import Response, request

from server.adapters.event_hub import sse_stream
from server.adapters.events import InvalidEventId
from server.api.auth import current_actor, db, session_alive
from server.api.blueprint import Blueprint
from server.api.schemas import StrEnumField
from server.app_services import services
from server.domain import events, exams
from server.domain.actors import Role
from server.domain.errors import InvalidInput

blp = Blueprint(
    "events", __name__, description="实时事件", roles=(Role.CANDIDATE, Role.ADMIN, Role.TEACHER)
)


class EventQuerySchema(ma.Schema):
    after = ma.fields.String(
        validate=ma.validate.Length(max=45),
        metadata={
            "description": "JSON polling: events after this id (`0`: from the start of the kept "
            "log). Without it the answer is a text/event-stream"
        },
    )


class EventSchema(ma.Schema):
    id = ma.fields.String(required=True)
    type = StrEnumField(events.EventType, required=True)
    data = ma.fields.Dict(
        required=True,
        metadata={
            "description": (
                "by type: paired {pairing_id, n, purpose}; unpaired {pairing_id, n, purpose, "
                "by (phone or candidate)}; upload_received {n, photo_id}; "
                "photo_ready {photo_id, n, url, width, height}; upload_rejected {n, reason, "
                "message, photo_id (only for a photo refused after its 202, damaged inside)}; "
                "face_check {id, "
                "status, reason, score, message, faq}; flag_raised {id, kind, label, created_at}; "
                "second_camera_lost {pairing_id, last_snapshot_at}"
            )
        },
    )


class EventPageSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(EventSchema), required=True)


@blp.route("/attempts/<int:attempt_id>/events")
@blp.arguments(EventQuerySchema, location="query")
@blp.response(
    200,
    EventPageSchema,
    description="with `after`: a JSON page; without: text/event-stream (an `id:`, `event:` and "
    "`data:` per event, a comment at least every EVENT_KEEPALIVE_SECONDS (15 s), `Last-Event-ID` "
    "replays what was missed)",
)
def attempt_events(query, attempt_id):
    """The attempt's events: paired, upload_received, photo_ready, upload_rejected, ..."""
    exams.require_event_access(db(), current_actor(), attempt_id)
    db().close()  # a stream may stay open for hours: it must not hold a database connection
    app = services()
    if "after" in query:
        try:
            page = app.events.read_after(attempt_id, query["after"], limit=200)
        except InvalidEventId:
            raise InvalidInput("VALIDATION_ERROR", errors={"after": ["无效的事件编号"]}) from None
        return {"events": [event.as_dict() for event in page]}
    ends_at = time.monotonic() + app.settings.EVENT_STREAM_MAX_SECONDS
    signed_in = session_alive()  # a logout ends the stream at its next wake or keepalive
    stream = sse_stream(
        app.stream_log,
        app.event_hub,
        attempt_id,
        request.headers.get("Last-Event-ID"),
        keepalive=app.settings.EVENT_KEEPALIVE_SECONDS,
        stop=lambda: time.monotonic() >= ends_at or not signed_in(),
    )
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
