"""Proctoring: snapshots and their analysis, flags raised on an attempt, the teacher's review."""

from server.domain.proctoring.flags import (
    CLIENT_EVENT_FLAGS,
    FLAG_LABELS,
    flag_event,
    raise_flag,
    report_client_event,
)
from server.domain.proctoring.models import (
    FlagKind,
    ProctorFlag,
    Snapshot,
    SnapshotSource,
    SnapshotStatus,
)
from server.domain.proctoring.reviews import review_attempt, review_query, settle_result
from server.domain.proctoring.snapshots import (
    WAITING_SNAPSHOTS,
    accept_snapshot,
    analyse_snapshot,
    desktop_snapshot,
    flag_silent_webcams,
)

__all__ = [
    "CLIENT_EVENT_FLAGS",
    "FLAG_LABELS",
    "FlagKind",
    "ProctorFlag",
    "Snapshot",
    "SnapshotSource",
    "SnapshotStatus",
    "WAITING_SNAPSHOTS",
    "accept_snapshot",
    "analyse_snapshot",
    "desktop_snapshot",
    "flag_event",
    "flag_silent_webcams",
    "raise_flag",
    "report_client_event",
    "review_attempt",
    "review_query",
    "settle_result",
]
