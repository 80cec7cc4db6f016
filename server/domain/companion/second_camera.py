"""The phone as a second camera (双机位): snapshots and the silent-camera flag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import events, jobs, proctoring
from server.domain.actors import Actor
from server.domain.clock import utcnow
from server.domain.companion.models import (
    PURPOSE_SECOND_CAMERA,
    Pairing,
)
from server.domain.companion.pairing import _phone_pairing
from server.domain.companion.scenes import PairingPolicy
from server.domain.exams import (
    ATTEMPT_IN_PROGRESS,
    Attempt,
)
from server.domain.proctoring import SNAPSHOT_PHONE

# --- the second camera (双机位) ---


def second_camera_snapshot(session: Session, actor: Actor, pairing_id: int, data: bytes, storage: Storage,
                           max_bytes: int, scheduler: jobs.JobScheduler, now: datetime | None = None):
    pairing, attempt = _phone_pairing(session, actor, pairing_id, PURPOSE_SECOND_CAMERA)
    snapshot = proctoring.accept_snapshot(session, attempt, data, storage, max_bytes, scheduler, SNAPSHOT_PHONE)
    pairing = session.get(Pairing, pairing_id)
    pairing.last_snapshot_at, pairing.lost_at = now or utcnow(), None
    session.commit()
    return snapshot


def flag_lost_second_cameras(session: Session, policy: PairingPolicy, publisher: events.EventPublisher | None,
                             now: datetime | None = None) -> list[int]:
    """Second cameras silent for longer than the grace period during an open attempt: one flag
    per silence (a camera that comes back and goes quiet again is flagged again)."""
    now = now or utcnow()
    silent = session.scalars(
        select(Pairing).join(Attempt, Attempt.id == Pairing.attempt_id).where(
            Pairing.purpose == PURPOSE_SECOND_CAMERA, Pairing.redeemed_at.is_not(None), Pairing.lost_at.is_(None),
            Pairing.last_snapshot_at < now - policy.second_camera_grace, Attempt.status == ATTEMPT_IN_PROGRESS,
        ).with_for_update(of=Pairing, skip_locked=True)
    ).all()
    flagged = []
    for pairing in silent:
        pairing.lost_at = now
        attempt = session.get(Attempt, pairing.attempt_id)
        flag = proctoring.raise_flag(session, attempt, proctoring.SECOND_CAMERA_LOST,
                                     {"last_snapshot_at": pairing.last_snapshot_at.isoformat()}, now)
        flagged.append((pairing, flag))
    session.commit()
    if publisher is not None:
        for pairing, flag in flagged:
            publisher.publish(pairing.attempt_id, events.SECOND_CAMERA_LOST,
                              {"pairing_id": pairing.id, "last_snapshot_at": pairing.last_snapshot_at.isoformat()})
            publisher.publish(pairing.attempt_id, events.FLAG_RAISED, proctoring.flag_event(flag))
    return [pairing.id for pairing, _ in flagged]
