"""Exam attempts: start or resume, submit, auto-submit (FAQ 10, 14, 16). Fetching questions,
autosave and heartbeats, the hot path, are in answering.py.

The database is the source of truth. Every acknowledged save is committed before the answer
leaves the server; jobs in Redis only speed things up, the sweep catches what Redis forgot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.domain import jobs
from server.domain.actors import Actor, Role, get_visible
from server.domain.catalogue import Exam, deadline_of
from server.domain.clock import utcnow
from server.domain.errors import Conflict, Forbidden, NotFound
from server.domain.exams.answering import remember_paper
from server.domain.exams.entry import my_exam
from server.domain.exams.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    ResultStatus,
    SubmitReason,
)
from server.domain.exams.papers import draw_paper


class EntryGate(Protocol):
    """Whether this candidate, in this login session (on this computer), may start the exam or
    move it here, now (FAQ 6-10)."""

    def require(
        self, session: Session, exam: Exam, student_id: int, session_id: str, now: datetime
    ) -> None:
        """Raise a domain error (FACE_CHECK_REQUIRED) when they may not."""


@dataclass(frozen=True)
class AttemptPolicy:
    silence: timedelta
    # Asked before a start and before another computer takes the attempt over; the face check
    # (faces.FaceCheckGate) in every process, built by server.policies.
    entry_gate: EntryGate


@dataclass(frozen=True)
class StartedAttempt:
    attempt: Attempt
    resumed: bool


# --- start or resume ---


def start_or_resume(
    session: Session,
    actor: Actor,
    exam_id: int,
    policy: AttemptPolicy,
    scheduler: jobs.JobScheduler,
    now: datetime | None = None,
) -> StartedAttempt:
    """One attempt per candidate per exam; a second computer resumes it and takes it over."""
    actor.require_role(Role.CANDIDATE)
    now = now or utcnow()
    entry = my_exam(session, actor, exam_id, now)  # NOT_FOUND / NOT_ENROLLED
    existing = _find_attempt(session, entry.exam.id, actor.user_id)
    if existing is not None:
        if (
            existing.status == AttemptStatus.IN_PROGRESS
            and existing.active_session != actor.session_id
        ):
            # Another computer takes the attempt over: the person must be checked there too.
            policy.entry_gate.require(session, entry.exam, actor.user_id, actor.session_id, now)
        return StartedAttempt(
            _resume(session, actor, existing, policy, scheduler, now), resumed=True
        )
    if not entry.can_enter:
        raise Forbidden("EXAM_NOT_OPEN", reason=entry.reason, state=entry.state)
    policy.entry_gate.require(session, entry.exam, actor.user_id, actor.session_id, now)
    paper = draw_paper(session, entry.exam)  # PAPER_RULE_MISSING (FAQ 14)
    attempt = Attempt(
        exam_id=entry.exam.id,
        student_id=actor.user_id,
        school_id=entry.exam.school_id,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        last_seen_at=now,
        deadline=deadline_of(entry.exam, now),
        active_session=actor.session_id,
        question_count=len(paper),
    )
    session.add(attempt)
    try:
        session.flush()
        session.add_all(
            AttemptQuestion(
                attempt_id=attempt.id, position=position, question_id=question_id, points=points
            )
            for position, (question_id, points) in enumerate(paper, start=1)
        )
        session.commit()
    except IntegrityError:
        # A double click or two computers at once: the other request created it first.
        session.rollback()
        existing = _find_attempt(session, entry.exam.id, actor.user_id)
        if existing is None:  # another constraint failed: not a race
            raise
        return StartedAttempt(
            _resume(session, actor, existing, policy, scheduler, now), resumed=True
        )
    _schedule_auto_submit(scheduler, attempt, policy)
    remember_paper(session.connection(), attempt.id)
    session.commit()
    return StartedAttempt(attempt, resumed=False)


def _resume(
    session: Session,
    actor: Actor,
    attempt: Attempt,
    policy: AttemptPolicy,
    scheduler: jobs.JobScheduler,
    now: datetime,
) -> Attempt:
    attempt = relock_attempt(session, attempt)
    expired = _expiry_reason(attempt, policy, now)
    if expired:
        # Came back too late (FAQ 10): what was saved is submitted and graded.
        _submit_locked(session, attempt, expired, now)
        session.commit()
        jobs.request_job(scheduler, jobs.GRADE_ATTEMPT, attempt.id, job_id=grade_job_id(attempt.id))
    if attempt.status != AttemptStatus.IN_PROGRESS:
        session.commit()
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    if attempt.active_session != actor.session_id:
        attempt.active_session = actor.session_id
        attempt.resume_count += 1
    attempt.last_seen_at = now
    session.commit()
    remember_paper(session.connection(), attempt.id)
    session.commit()
    return attempt


def _find_attempt(session: Session, exam_id: int, student_id: int) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(Attempt.exam_id == exam_id, Attempt.student_id == student_id)
    )


def _schedule_auto_submit(
    scheduler: jobs.JobScheduler, attempt: Attempt, policy: AttemptPolicy
) -> None:
    at = check_time(attempt, policy)
    jobs.request_job(
        scheduler, jobs.CHECK_ATTEMPT, attempt.id, job_id=check_job_id(attempt.id, at), at=at
    )


def check_time(attempt: Attempt, policy: AttemptPolicy) -> datetime:
    """When the attempt could next be due: its deadline or the end of the silence window.

    One second late on purpose: RQ's scheduler works in whole seconds and may run a job up
    to a second early.
    """
    return min(attempt.last_seen_at + policy.silence, attempt.deadline) + timedelta(seconds=1)


def check_job_id(attempt_id: int, at: datetime) -> str:
    return f"check-attempt-{attempt_id}-{int(at.timestamp())}"


def grade_job_id(attempt_id: int) -> str:
    """One grading job id per attempt: enqueuing it again replaces rather than duplicates."""
    return f"grade-{attempt_id}"


def _own_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """A candidate's own attempt; anybody else's is reported missing."""
    actor.require_role(Role.CANDIDATE)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")
    return attempt


def lock_attempt(session: Session, attempt_id: int) -> Attempt | None:
    """The attempt, locked FOR UPDATE and re-read: submits and grading serialise on it."""
    return session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def relock_attempt(session: Session, attempt: Attempt) -> Attempt:
    """lock_attempt for an attempt already read (attempts are never deleted)."""
    locked = lock_attempt(session, attempt.id)
    if locked is None:
        raise LookupError(f"attempt {attempt.id} does not exist")
    return locked


# --- submitting ---


def submit(
    session: Session,
    actor: Actor,
    attempt_id: int,
    scheduler: jobs.JobScheduler,
    now: datetime | None = None,
) -> Attempt:
    """Answers at once; grading runs as a job. Submitting again is harmless (FAQ 16 retries)."""
    now = now or utcnow()
    attempt = _own_attempt(session, actor, attempt_id)
    attempt = relock_attempt(session, attempt)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        if attempt.active_session != actor.session_id:
            raise Conflict("ATTEMPT_MOVED")
        reason = SubmitReason.AT_DEADLINE if now >= attempt.deadline else SubmitReason.BY_CANDIDATE
        _submit_locked(session, attempt, reason, now)
    session.commit()
    if attempt.result_status == ResultStatus.GRADING:
        jobs.request_job(scheduler, jobs.GRADE_ATTEMPT, attempt.id, job_id=grade_job_id(attempt.id))
    return attempt


def _submit_locked(session: Session, attempt: Attempt, reason: SubmitReason, now: datetime) -> None:
    attempt.status = AttemptStatus.SUBMITTED
    attempt.result_status = ResultStatus.GRADING
    attempt.submitted_at = now
    attempt.submit_reason = reason


def _expiry_reason(attempt: Attempt, policy: AttemptPolicy, now: datetime) -> SubmitReason | None:
    """Why an attempt still in progress must be submitted now; None when it need not (or is not
    in progress)."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return None
    if now >= attempt.deadline:
        return SubmitReason.AT_DEADLINE
    if now - attempt.last_seen_at >= policy.silence:
        return SubmitReason.AFTER_SILENCE
    return None


def auto_submit_if_due(
    session: Session, attempt_id: int, policy: AttemptPolicy, now: datetime | None = None
) -> SubmitReason | None:
    """Submit with what was saved when the deadline passed or the candidate fell silent.

    Returns the reason when this call submitted it; None when it was not due or already done.
    """
    now = now or utcnow()
    attempt = lock_attempt(session, attempt_id)
    if attempt is None:
        raise LookupError(f"attempt {attempt_id} does not exist")
    reason = _expiry_reason(attempt, policy, now)
    if reason:
        _submit_locked(session, attempt, reason, now)
    session.commit()
    return reason


def next_check(session: Session, attempt_id: int, policy: AttemptPolicy) -> datetime | None:
    """When to look at the attempt again; None once it is no longer open."""
    attempt = session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.status != AttemptStatus.IN_PROGRESS:
        return None
    return check_time(attempt, policy)


def due_for_auto_submit(
    session: Session, policy: AttemptPolicy, now: datetime | None = None
) -> list[int]:
    now = now or utcnow()
    return list(
        session.scalars(
            select(Attempt.id)
            .where(
                Attempt.status == AttemptStatus.IN_PROGRESS,
                (Attempt.deadline <= now) | (Attempt.last_seen_at <= now - policy.silence),
            )
            .order_by(Attempt.id)
        )
    )


def stuck_in_grading(
    session: Session, older_than: timedelta, now: datetime | None = None
) -> list[int]:
    now = now or utcnow()
    return list(
        session.scalars(
            select(Attempt.id)
            .where(
                Attempt.result_status == ResultStatus.GRADING,
                Attempt.submitted_at <= now - older_than,
            )
            .order_by(Attempt.id)
        )
    )


def require_event_access(session: Session, actor: Actor, attempt_id: int) -> None:
    """A candidate follows their own attempt's events; staff those of their school."""
    get_visible(session, actor, Attempt, attempt_id)
