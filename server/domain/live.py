"""The teacher's live view of an exam in progress: who is online, who is paired, what was flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from server.domain.actors import Actor
from server.domain.catalogue import get_exam
from server.domain.clock import utcnow
from server.domain.models import (
    ATTEMPT_IN_PROGRESS,
    PURPOSE_SECOND_CAMERA,
    Attempt,
    Pairing,
    ProctorFlag,
)

# A desktop that saved, fetched or sent a heartbeat this recently counts as online.
ONLINE_WITHIN = timedelta(seconds=90)


@dataclass
class LiveRow:
    attempt: Attempt
    online: bool
    phones_paired: int = 0
    second_camera: str | None = None  # None, "active" or "lost"
    flags: list = field(default_factory=list)


def live_view(session: Session, actor: Actor, exam_id: int, now: datetime | None = None) -> list[LiveRow]:
    actor.require_staff()
    exam = get_exam(session, actor, exam_id)  # NOT_FOUND for other schools
    now = now or utcnow()
    attempts = session.scalars(select(Attempt).options(joinedload(Attempt.student))
                               .where(Attempt.exam_id == exam.id).order_by(Attempt.id)).all()
    rows = {attempt.id: LiveRow(attempt, attempt.status == ATTEMPT_IN_PROGRESS
                                and attempt.last_seen_at >= now - ONLINE_WITHIN) for attempt in attempts}
    if not rows:
        return []
    paired = session.execute(
        select(Pairing.attempt_id, Pairing.purpose, Pairing.lost_at, func.count())
        .where(Pairing.exam_id == exam.id, Pairing.redeemed_at.is_not(None))
        .group_by(Pairing.attempt_id, Pairing.purpose, Pairing.lost_at)
    ).all()
    for attempt_id, purpose, lost_at, count in paired:
        row = rows[attempt_id]
        row.phones_paired += count
        if purpose == PURPOSE_SECOND_CAMERA:
            row.second_camera = "lost" if lost_at is not None and row.second_camera != "active" else "active"
    for flag in session.scalars(select(ProctorFlag).where(ProctorFlag.attempt_id.in_(rows)).order_by(ProctorFlag.id)):
        rows[flag.attempt_id].flags.append(flag)
    return list(rows.values())
