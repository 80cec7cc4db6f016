"""The teacher's review of flagged attempts, and what a graded result may show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload, selectinload

from server.domain.actors import Actor, get_visible
from server.domain.clock import utcnow
from server.domain.errors import Conflict
from server.domain.exams import (
    ATTEMPT_SUBMITTED,
    RESULT_GRADING,
    RESULT_PENDING_REVIEW,
    RESULT_PUBLISHED,
    RESULT_REJECTED,
    Attempt,
    lock_attempt,
)
from server.domain.proctoring.models import (
    SNAPSHOT_QUEUED,
    ProctorFlag,
    Snapshot,
)

DECISION_APPROVE = "approve"
DECISION_REJECT = "reject"


# --- results and review ---


def settle_result(session: Session, attempt_id: int) -> str | None:
    """Move a graded attempt's result to what the proctoring evidence allows; the caller commits.

    grading while snapshots are still being analysed; then the teacher's decision if there is
    one; pending_review if anything was flagged; published otherwise.

    The attempt is locked and re-read: grading and a snapshot's analysis run at once on two
    workers, and whichever settles second must see what the first committed (an attempt read
    before grading committed would leave the result in grading for good).
    """
    attempt = lock_attempt(session, attempt_id)
    if attempt is None or attempt.status != ATTEMPT_SUBMITTED or attempt.graded_at is None:
        return None
    if attempt.review_decision == DECISION_APPROVE:
        status = RESULT_PUBLISHED
    elif attempt.review_decision == DECISION_REJECT:
        status = RESULT_REJECTED
    elif session.scalar(select(exists().where(Snapshot.attempt_id == attempt.id,
                                              Snapshot.status == SNAPSHOT_QUEUED))):
        status = RESULT_GRADING
    elif session.scalar(select(exists().where(ProctorFlag.attempt_id == attempt.id))):
        status = RESULT_PENDING_REVIEW
    else:
        status = RESULT_PUBLISHED
    attempt.result_status = status
    return status


def review_query(actor: Actor, status: str | None):
    """Flagged attempts of the teacher's school: `pending` ones wait for a decision."""
    actor.require_staff()
    query = (select(Attempt).options(selectinload(Attempt.flags), joinedload(Attempt.student))
             .where(exists().where(ProctorFlag.attempt_id == Attempt.id)).order_by(Attempt.id))
    if status == "pending":
        query = query.where(Attempt.result_status == RESULT_PENDING_REVIEW)
    elif status == "decided":
        query = query.where(Attempt.review_decision.is_not(None))
    if not actor.is_admin:
        query = query.where(Attempt.school_id == actor.school_id)
    return query


def review_attempt(session: Session, actor: Actor, attempt_id: int, decision: str, note: str | None,
                   now: datetime | None = None) -> Attempt:
    """Approve (the score is published) or reject (the result is void) a flagged attempt."""
    actor.require_staff()
    attempt = get_visible(session, actor, Attempt, attempt_id)
    attempt = lock_attempt(session, attempt.id)
    if attempt.result_status != RESULT_PENDING_REVIEW:
        session.rollback()
        raise Conflict("REVIEW_NOT_PENDING", result_status=attempt.result_status)
    attempt.review_decision = decision
    attempt.review_note = note
    attempt.reviewed_by, attempt.reviewed_at = actor.user_id, now or utcnow()
    settle_result(session, attempt.id)
    session.commit()
    return attempt
