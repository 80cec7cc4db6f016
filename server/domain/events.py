"""What the desktop exam session is told as it happens (its event stream, issue 5's SSE).

The domain names the event types; the adapter (server.adapters.events) stores and delivers them,
and refuses any other type (whoever builds it passes EventType: the adapter cannot import this).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class EventType(StrEnum):
    PAIRED = "paired"
    UNPAIRED = "unpaired"
    UPLOAD_RECEIVED = "upload_received"
    PHOTO_READY = "photo_ready"
    UPLOAD_REJECTED = "upload_rejected"
    FACE_CHECK = "face_check"
    FLAG_RAISED = "flag_raised"
    SECOND_CAMERA_LOST = "second_camera_lost"


class EventPublisher(Protocol):
    def publish(self, attempt_id: int, type: EventType, data: dict) -> str:
        """Append the event to the attempt's log and wake its listeners; returns the event id."""
