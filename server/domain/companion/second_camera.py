"""The phone as a second camera (双机位): snapshots and the silent-camera flag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import events, jobs, photos, proctoring
from server.domain.actors import Actor
from server.domain.clock import utcnow
from server.domain.companion.models import (
    Pairing,
    PairingPurpose,
)
from server.domain.companion.pairing import _phone_pairing
from server.domain.companion.scenes import PairingPolicy
from server.domain.events import EventType
from server.domain.exams import (
    Attempt,
    AttemptStatus,
)
from server.domain.proctoring import SnapshotSource

# --- the second camera (双机位) ---


def second_camera_snapshot(
    session: Session,
    actor: Actor,
    pairing_id: int,
    data: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
    quotas: photos.UploadQuotas,
    now: datetime | None = None,
) -> proctoring.Snapshot:
    pairing, attempt = _phone_pairing(session, actor, pairing_id, PairingPurpose.SECOND_CAMERA)
    # Counted per candidate (the attempt's), whichever phone sends: UPLOAD_RATE_LIMITED.
    quotas.spend(photos.UploadKind.PHONE_SNAPSHOT, attempt.student_id)
    snapshot = proctoring.accept_snapshot(
        session, attempt, data, storage, max_bytes, scheduler, SnapshotSource.PHONE
    )
    pairing = session.get_one(Pairing, pairing_id)
    pairing.last_snapshot_at, pairing.lost_at = now or utcnow(), None
    session.commit()
    return snapshot


def flag_lost_second_cameras(
    session: Session,
    policy: PairingPolicy,
    publisher: events.EventPublisher | None,
    now: datetime | None = None,
) -> list[int]:
    """Second cameras silent for longer than the grace period during an open attempt: one flag
    per silence (a camera that comes back and goes quiet again is flagged again). One unpaired
    during the exam counts too: ending the pairing does not end the watch."""
    now = now or utcnow()
    silent = session.scalars(
        select(Pairing)
        .join(Attempt, Attempt.id == Pairing.attempt_id)
        .where(
            Pairing.purpose == PairingPurpose.SECOND_CAMERA,
            Pairing.redeemed_at.is_not(None),
            Pairing.lost_at.is_(None),
            Pairing.last_snapshot_at < now - policy.second_camera_grace,
            Attempt.status == AttemptStatus.IN_PROGRESS,
        )
        .with_for_update(of=Pairing, skip_locked=True)
    ).all()
    flagged = []
    for pairing in silent:
        assert pairing.last_snapshot_at is not None  # the query compared it
        last_snapshot_at = pairing.last_snapshot_at.isoformat()
        pairing.lost_at = now
        attempt = session.get_one(Attempt, pairing.attempt_id)
        detail = {"last_snapshot_at": last_snapshot_at}
        if pairing.ended_at is not None:  # unpaired during the exam: still a silent camera
            detail["ended_at"] = pairing.ended_at.isoformat()
        flag = proctoring.raise_flag(
            session, attempt, proctoring.FlagKind.SECOND_CAMERA_LOST, detail, now
        )
        flagged.append((pairing, flag, last_snapshot_at))
    session.commit()
    if publisher is not None:
        for pairing, flag, last_snapshot_at in flagged:
            publisher.publish(
                pairing.attempt_id,
                EventType.SECOND_CAMERA_LOST,
                {"pairing_id": pairing.id, "last_snapshot_at": last_snapshot_at},
            )
            publisher.publish(
                pairing.attempt_id, EventType.FLAG_RAISED, proctoring.flag_event(flag)
            )
    return [pairing.id for pairing, _, _ in flagged]
