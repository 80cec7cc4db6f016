"""Grading (FAQ 17, 18): the objective score by job, teacher marking of essay and photo answers.

Scores are always recomputed from the stored answers and written, never added to: grading
twice gives the same score, and only the grading → published transition counts a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, joinedload

from server.domain.actors import Actor, get_visible
from server.domain.clock import utcnow
from server.domain.errors import Conflict, InvalidInput, NotFound
from server.domain.exams.attempts import lock_attempt
from server.domain.exams.models import (
    OBJECTIVE_TYPES,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Question,
    ResultStatus,
)
from server.domain.exams.scoring import objective_points

ZERO = Decimal("0.00")
# Decides what a graded result shows from the proctoring evidence, in the grading transaction.
SettleResult = Callable[[Session, int], object]


def grade_attempt(
    session: Session, attempt_id: int, settle: SettleResult, now: datetime | None = None
) -> bool:
    """Store the objective score, then let `settle` publish it or hold it for review (FAQ 18,
    proctoring.settle_result); False when it was already graded (the result is only settled
    again)."""
    now = now or utcnow()
    attempt = lock_attempt(session, attempt_id)
    if attempt is None:
        raise LookupError(f"attempt {attempt_id} does not exist")
    if attempt.status != AttemptStatus.SUBMITTED:
        raise RuntimeError(f"attempt {attempt_id} is not submitted; nothing to grade")
    if attempt.result_status != ResultStatus.GRADING or attempt.graded_at is not None:
        settle(session, attempt.id)
        session.commit()
        return False
    objective = ZERO
    for slot, question in _paper(session, attempt.id):
        if question.type in OBJECTIVE_TYPES:
            slot.awarded = objective_points(
                question.type, question.answer, slot.answer, slot.points
            )
            objective += slot.awarded
    attempt.objective_score = objective
    attempt.subjective_score = _subjective_total(session, attempt.id)
    attempt.graded_at = now
    attempt.grading_runs += 1
    settle(session, attempt.id)
    session.commit()
    return True


def _paper(session: Session, attempt_id: int) -> list[tuple[AttemptQuestion, Question]]:
    return list(
        session.execute(
            select(AttemptQuestion, Question)
            .join(Question, Question.id == AttemptQuestion.question_id)
            .where(AttemptQuestion.attempt_id == attempt_id)
            .order_by(AttemptQuestion.position)
        )
    )


def _subjective_total(session: Session, attempt_id: int) -> Decimal | None:
    """Sum of marked essay/photo answers; None while any is unmarked."""
    marks = list(
        session.scalars(
            select(AttemptQuestion.awarded)
            .join(Question, Question.id == AttemptQuestion.question_id)
            .where(AttemptQuestion.attempt_id == attempt_id, Question.type.not_in(OBJECTIVE_TYPES))
        )
    )
    if any(mark is None for mark in marks):
        return None
    return sum((Decimal(mark) for mark in marks if mark is not None), ZERO)


def mark_answer(
    session: Session,
    actor: Actor,
    attempt_id: int,
    position: int,
    score: Decimal,
    now: datetime | None = None,
) -> Attempt:
    """A teacher marks an essay or photo answer; the subjective total follows."""
    actor.require_staff()
    attempt = get_visible(session, actor, Attempt, attempt_id)
    if attempt.status != AttemptStatus.SUBMITTED:
        raise Conflict("NOT_SUBMITTED")
    row = session.execute(
        select(AttemptQuestion, Question.type)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == position)
    ).first()
    if row is None:
        raise NotFound("QUESTION_NOT_FOUND")
    slot, qtype = row
    if qtype in OBJECTIVE_TYPES:
        raise Conflict("NOT_MARKABLE")
    if not ZERO <= score <= Decimal(slot.points):
        raise InvalidInput("MARK_OUT_OF_RANGE", errors={"score": [f"0 到 {slot.points} 分"]})
    session.execute(
        update(AttemptQuestion)
        .where(AttemptQuestion.id == slot.id)
        .values(awarded=score, marked_by=actor.user_id, marked_at=now or utcnow())
    )
    attempt.subjective_score = _subjective_total(session, attempt.id)
    session.commit()
    return attempt


# --- results ---


@dataclass(frozen=True)
class Result:
    attempt: Attempt
    status: ResultStatus
    objective_score: Decimal | None
    subjective_score: Decimal | None
    total_score: Decimal | None
    marking_complete: bool
    message: str


RESULT_MESSAGES = {
    ResultStatus.IN_PROGRESS: "考试进行中",
    ResultStatus.GRADING: "成绩计算中，请稍后查询："
    "可以返回待考列表，稍后再通过“客观分”按键查看成绩",
    ResultStatus.PENDING_REVIEW: "待审核：考试过程中系统监测到疑似光线不足、"
    "摄像头被遮挡、其他人员入镜或非本人考试等情况，"
    "需要学校在监考待审中审核后，成绩才会公布",
    ResultStatus.PUBLISHED: "成绩已公布",
    ResultStatus.REJECTED: "经学校审核，本次考试成绩无效，如有疑问请与学校老师联系",
}


def get_result(session: Session, actor: Actor, attempt_id: int) -> Result:
    attempt = get_visible(session, actor, Attempt, attempt_id)
    published = attempt.result_status == ResultStatus.PUBLISHED
    # Staff see the score under review; a candidate sees it only once it is published.
    show = published or not actor.is_candidate
    objective = attempt.objective_score if show else None
    subjective = attempt.subjective_score if show else None
    complete = attempt.subjective_score is not None
    total = (Decimal(objective) + Decimal(subjective or ZERO)) if objective is not None else None
    return Result(
        attempt,
        attempt.result_status,
        objective,
        subjective,
        total,
        complete,
        RESULT_MESSAGES[attempt.result_status],
    )


def attempts_of_exam(actor: Actor, exam_id: int) -> Select[Attempt]:
    actor.require_staff()
    query = (
        select(Attempt)
        .options(joinedload(Attempt.student))
        .where(Attempt.exam_id == exam_id)
        .order_by(Attempt.id)
    )
    if not actor.is_admin:
        query = query.where(Attempt.school_id == actor.school_id)
    return query
