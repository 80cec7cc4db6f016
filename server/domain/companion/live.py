"""The teacher's live view of an exam in progress: who is online, who is paired, what is flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain.actors import Actor
from server.domain.catalogue import Enrolment, get_exam
from server.domain.clock import utcnow
from server.domain.companion.models import Pairing, PairingPurpose
from server.domain.exams import Attempt, AttemptStatus, ResultStatus
from server.domain.identity import User
from server.domain.proctoring import ProctorFlag

# A desktop that saved, fetched or sent a heartbeat this recently counts as online.
ONLINE_WITHIN = timedelta(seconds=90)


class LiveStatus(StrEnum):
    """Where an enrolled candidate is: not started yet, or their attempt's status."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = AttemptStatus.IN_PROGRESS
    SUBMITTED = AttemptStatus.SUBMITTED


class SecondCameraState(StrEnum):
    ACTIVE = "active"
    LOST = "lost"  # silent beyond the grace period (flagged second_camera_lost)


@dataclass
class LiveRow:
    student: User
    attempt: Attempt | None  # None: enrolled, not started (absent, or still at the face check)
    online: bool
    phones_paired: int = 0
    second_camera: SecondCameraState | None = None  # None: no phone paired as a second camera
    flags: list = field(default_factory=list)

    @property
    def status(self) -> LiveStatus:
        return (
            LiveStatus(self.attempt.status) if self.attempt is not None else LiveStatus.NOT_STARTED
        )

    @property
    def attempt_id(self) -> int | None:
        return self.attempt.id if self.attempt is not None else None

    @property
    def result_status(self) -> ResultStatus | None:
        return self.attempt.result_status if self.attempt is not None else None

    @property
    def last_seen_at(self) -> datetime | None:
        return self.attempt.last_seen_at if self.attempt is not None else None


def live_view(
    session: Session, actor: Actor, exam_id: int, now: datetime | None = None
) -> list[LiveRow]:
    actor.require_staff()
    exam = get_exam(session, actor, exam_id)  # NOT_FOUND for other schools
    now = now or utcnow()
    enrolled = session.execute(
        select(User, Attempt)
        .join(Enrolment, Enrolment.student_id == User.id)
        .outerjoin(Attempt, (Attempt.student_id == User.id) & (Attempt.exam_id == exam.id))
        .where(Enrolment.exam_id == exam.id)
        .order_by(User.student_no, User.id)
    ).all()
    everyone = [
        LiveRow(
            student,
            attempt,
            attempt is not None
            and attempt.status == AttemptStatus.IN_PROGRESS
            and attempt.last_seen_at >= now - ONLINE_WITHIN,
        )
        for student, attempt in enrolled
    ]
    rows = {row.attempt.id: row for row in everyone if row.attempt is not None}
    if not rows:
        return everyone
    paired = session.execute(
        select(Pairing.attempt_id, Pairing.purpose, Pairing.lost_at, func.count())
        .where(
            Pairing.exam_id == exam.id,
            Pairing.redeemed_at.is_not(None),
            Pairing.ended_at.is_(None),  # unpaired phones are not shown as paired
        )
        .group_by(Pairing.attempt_id, Pairing.purpose, Pairing.lost_at)
    ).all()
    for attempt_id, purpose, lost_at, count in paired:
        row = rows[attempt_id]
        row.phones_paired += count
        if purpose == PairingPurpose.SECOND_CAMERA:
            lost = lost_at is not None and row.second_camera != SecondCameraState.ACTIVE
            row.second_camera = SecondCameraState.LOST if lost else SecondCameraState.ACTIVE
    for flag in session.scalars(
        select(ProctorFlag).where(ProctorFlag.attempt_id.in_(rows)).order_by(ProctorFlag.id)
    ):
        rows[flag.attempt_id].flags.append(flag)
    return everyone
