"""What a candidate may enter, and why (FAQ 4, 11): the exam list with each exam's state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, joinedload

from server.domain.actors import Actor, Role
from server.domain.catalogue import Enrolment, Exam
from server.domain.clock import format_beijing, utcnow
from server.domain.errors import Forbidden, NotFound
from server.domain.exams.models import Attempt, AttemptStatus, ResultStatus


class ExamState(StrEnum):
    """An exam as a candidate sees it, by the server clock (FAQ 4)."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    FINISHED = "finished"  # this candidate submitted


# --- the candidate's view (FAQ 4, 11) ---


@dataclass(frozen=True)
class ExamAvailability:
    exam: Exam
    state: ExamState
    can_enter: bool
    reason: str
    # The candidate's attempt, once started: the result is found from any computer (FAQ 17).
    attempt_id: int | None = None
    result_status: ResultStatus | None = None


def availability(exam: Exam, now: datetime, finished: bool = False) -> ExamAvailability:
    """Decided by the server clock, never the PC's (FAQ 4)."""
    if finished:
        return ExamAvailability(exam, ExamState.FINISHED, False, "您已交卷，可在成绩页查看客观分")
    if now < exam.starts_at:
        reason = (
            f"考试尚未开始，开始时间为北京时间 {format_beijing(exam.starts_at)}。"
            "能否进入以服务器时间为准，请核对电脑的时间是否与北京时间一致"
        )
        return ExamAvailability(exam, ExamState.UPCOMING, False, reason)
    if now >= exam.ends_at:
        reason = (
            f"已错过考试时间（考试已于北京时间 {format_beijing(exam.ends_at)} 结束），"
            "如有疑问请与学校老师联系"
        )
        return ExamAvailability(exam, ExamState.CLOSED, False, reason)
    return ExamAvailability(
        exam,
        ExamState.OPEN,
        True,
        f"考试进行中，可以进入考试（北京时间 {format_beijing(exam.ends_at)} 结束）",
    )


def my_exams(session: Session, actor: Actor, now: datetime | None = None) -> list[ExamAvailability]:
    actor.require_role(Role.CANDIDATE)
    now = now or utcnow()
    exams = session.scalars(
        select(Exam)
        .join(Enrolment, Enrolment.exam_id == Exam.id)
        .where(Enrolment.student_id == actor.user_id)
        .options(joinedload(Exam.course))
        .order_by(Exam.starts_at, Exam.id)
    )
    attempts = _attempts_by_exam(session, actor.user_id)
    return [
        _with_attempt(
            availability(exam, now, finished=_finished(attempts.get(exam.id))),
            attempts.get(exam.id),
        )
        for exam in exams
    ]


def my_exam(
    session: Session, actor: Actor, exam_id: int, now: datetime | None = None
) -> ExamAvailability:
    """One exam as the candidate sees it; an own-school exam without enrolment says so (FAQ 11)."""
    actor.require_role(Role.CANDIDATE)
    exam = session.get(Exam, exam_id)
    if exam is None or exam.school_id != actor.school_id:
        raise NotFound("NOT_FOUND")
    enrolled = session.scalar(
        select(Enrolment.id).where(
            Enrolment.exam_id == exam.id, Enrolment.student_id == actor.user_id
        )
    )
    if enrolled is None:
        raise Forbidden("NOT_ENROLLED")
    attempt = _attempts_by_exam(session, actor.user_id, exam.id).get(exam.id)
    return _with_attempt(availability(exam, now or utcnow(), finished=_finished(attempt)), attempt)


_AttemptState = Row[int, int, AttemptStatus, ResultStatus]  # exam_id, id, status, result_status


def _attempts_by_exam(
    session: Session, student_id: int, exam_id: int | None = None
) -> dict[int, _AttemptState]:
    """exam id -> (attempt id, status, result status) of the candidate's attempts."""
    query = select(Attempt.exam_id, Attempt.id, Attempt.status, Attempt.result_status).where(
        Attempt.student_id == student_id
    )
    if exam_id is not None:
        query = query.where(Attempt.exam_id == exam_id)
    return {row.exam_id: row for row in session.execute(query)}


def _finished(attempt: _AttemptState | None) -> bool:
    """Submitted (state `finished`)."""
    return attempt is not None and attempt.status == AttemptStatus.SUBMITTED


def _with_attempt(entry: ExamAvailability, attempt: _AttemptState | None) -> ExamAvailability:
    if attempt is None:
        return entry
    return replace(entry, attempt_id=attempt.id, result_status=attempt.result_status)
