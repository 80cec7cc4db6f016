"""The teacher's review of flagged attempts, and what a graded result may show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, joinedload, selectinload

from server.domain.actors import Actor, get_visible
from server.domain.clock import utcnow
from server.domain.errors import Conflict
from server.domain.exams import (
    Attempt,
    AttemptStatus,
    ResultStatus,
    ReviewDecision,
    lock_attempt,
    relock_attempt,
)
from server.domain.proctoring.models import (
    ProctorFlag,
    Snapshot,
    SnapshotStatus,
)

# --- results and review ---


def settle_result(session: Session, attempt_id: int) -> ResultStatus | None:
    """Move a graded attempt's result to what the proctoring evidence allows; the caller commits.

    grading while snapshots are still being analysed; then the teacher's decision if there is
    one; pending_review if anything was flagged; published otherwise.

    The attempt is locked and re-read: grading and a snapshot's analysis run at once on two
    workers, and whichever settles second must see what the first committed (an attempt read
    before grading committed would leave the result in grading for good).
    """
    attempt = lock_attempt(session, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.SUBMITTED or attempt.graded_at is None:
        return None
    if attempt.review_decision == ReviewDecision.APPROVE:
        status = ResultStatus.PUBLISHED
    elif attempt.review_decision == ReviewDecision.REJECT:
        status = ResultStatus.REJECTED
    elif session.scalar(
        select(
            exists().where(
                Snapshot.attempt_id == attempt.id, Snapshot.status == SnapshotStatus.QUEUED
            )
        )
    ):
        status = ResultStatus.GRADING
    elif session.scalar(select(exists().where(ProctorFlag.attempt_id == attempt.id))):
        status = ResultStatus.PENDING_REVIEW
    else:
        status = ResultStatus.PUBLISHED
    attempt.result_status = status
    return status


def review_query(actor: Actor, status: str | None) -> Select[Attempt]:
    """Flagged attempts of the teacher's school: `pending` ones wait for a decision."""
    actor.require_staff()
    # Attempt.flags is mapped by proctoring.models after the class, so exams need not import
    # proctoring; mypy sees only the class body.
    flags = Attempt.flags  # type: ignore[attr-defined]
    query = (
        select(Attempt)
        .options(selectinload(flags), joinedload(Attempt.student))
        .where(exists().where(ProctorFlag.attempt_id == Attempt.id))
        .order_by(Attempt.id)
    )
    if status == "pending":
        query = query.where(Attempt.result_status == ResultStatus.PENDING_REVIEW)
    elif status == "decided":
        query = query.where(Attempt.review_decision.is_not(None))
    if not actor.is_admin:
        query = query.where(Attempt.school_id == actor.school_id)
    return query


def review_attempt(
    session: Session,
    actor: Actor,
    attempt_id: int,
    decision: ReviewDecision,
    note: str | None,
    now: datetime | None = None,
) -> Attempt:
    """Approve (the score is published) or reject (the result is void) a flagged attempt."""
    actor.require_staff()
    attempt = get_visible(session, actor, Attempt, attempt_id)
    attempt = relock_attempt(session, attempt)
    if attempt.result_status != ResultStatus.PENDING_REVIEW:
        session.rollback()
        raise Conflict("REVIEW_NOT_PENDING", result_status=attempt.result_status)
    attempt.review_decision = decision
    attempt.review_note = note
    attempt.reviewed_by, attempt.reviewed_at = actor.user_id, now or utcnow()
    settle_result(session, attempt.id)
    session.commit()
    return attempt
