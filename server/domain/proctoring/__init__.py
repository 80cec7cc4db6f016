"""Proctoring: snapshots and their analysis, flags raised on an attempt, and the teacher's review.
"""

from server.domain.proctoring.flags import (
    CLIENT_EVENT_FLAGS,
    FLAG_LABELS,
    SECOND_CAMERA_LOST,
    flag_event,
    raise_flag,
    report_client_event,
)
from server.domain.proctoring.models import SNAPSHOT_PHONE, ProctorFlag, Snapshot
from server.domain.proctoring.reviews import (
    DECISION_APPROVE,
    DECISION_REJECT,
    review_attempt,
    review_query,
    settle_result,
)
from server.domain.proctoring.snapshots import (
    WAITING_SNAPSHOTS,
    accept_snapshot,
    analyse_snapshot,
    desktop_snapshot,
)

__all__ = [
    "CLIENT_EVENT_FLAGS",
    "DECISION_APPROVE",
    "DECISION_REJECT",
    "FLAG_LABELS",
    "ProctorFlag",
    "SECOND_CAMERA_LOST",
    "SNAPSHOT_PHONE",
    "Snapshot",
    "WAITING_SNAPSHOTS",
    "accept_snapshot",
    "analyse_snapshot",
    "desktop_snapshot",
    "flag_event",
    "raise_flag",
    "report_client_event",
    "review_attempt",
    "review_query",
    "settle_result",
]
