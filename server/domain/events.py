"""What the desktop exam session is told as it happens (its event stream, issue 5's SSE).

The domain names the event types; the adapter (server.adapters.events) stores and delivers them.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from server.domain.actors import Actor, get_visible
from server.domain.models import Attempt

PAIRED = "paired"
UPLOAD_RECEIVED = "upload_received"
PHOTO_READY = "photo_ready"
UPLOAD_REJECTED = "upload_rejected"
FACE_CHECK = "face_check"
FLAG_RAISED = "flag_raised"
SECOND_CAMERA_LOST = "second_camera_lost"
EVENT_TYPES = (PAIRED, UPLOAD_RECEIVED, PHOTO_READY, UPLOAD_REJECTED, FACE_CHECK, FLAG_RAISED,
               SECOND_CAMERA_LOST)


class EventPublisher(Protocol):
    def publish(self, attempt_id: int, type: str, data: dict) -> str:
        """Append the event to the attempt's log and wake its listeners; returns the event id."""


def require_event_access(session: Session, actor: Actor, attempt_id: int) -> None:
    """A candidate follows their own attempt's events; staff those of their school."""
    get_visible(session, actor, Attempt, attempt_id)
