"""Batches (考试批), courses, exams and enrolments; what a candidate may enter, and why."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from server.domain.actors import Actor
from server.domain.database import commit_or_conflict
from server.domain.clock import ensure_aware, format_beijing, utcnow
from server.domain.errors import Forbidden, InvalidInput, NotFound
from server.domain.models import (
    ATTEMPT_SUBMITTED,
    ROLE_CANDIDATE,
    Attempt,
    Batch,
    Course,
    Enrolment,
    Exam,
    User,
)

STATE_UPCOMING = "upcoming"
STATE_OPEN = "open"
STATE_CLOSED = "closed"
STATE_FINISHED = "finished"


# --- batches and courses ---


def create_batch(session: Session, actor: Actor, name: str, school_id: int | None = None) -> Batch:
    actor.require_staff()
    batch = Batch(school_id=actor.school_for_new_row(school_id), name=name.strip())
    session.add(batch)
    commit_or_conflict(session, "BATCH_EXISTS")
    return batch


def create_course(
    session: Session, actor: Actor, code: str, name: str, school_id: int | None = None
) -> Course:
    actor.require_staff()
    course = Course(school_id=actor.school_for_new_row(school_id), code=code.strip(), name=name.strip())
    session.add(course)
    commit_or_conflict(session, "COURSE_EXISTS")
    return course


def batch_query(actor: Actor):
    actor.require_staff()
    return _school_scoped(select(Batch).order_by(Batch.id), Batch, actor)


def course_query(actor: Actor):
    actor.require_staff()
    return _school_scoped(select(Course).order_by(Course.id), Course, actor)


def get_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    return _get_scoped(session, actor, Batch, batch_id)


def get_course(session: Session, actor: Actor, course_id: int) -> Course:
    return _get_scoped(session, actor, Course, course_id)


# --- exams ---


@dataclass(frozen=True)
class ExamDraft:
    batch_id: int
    course_id: int
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    face_check_required: bool = True


def create_exam(session: Session, actor: Actor, draft: ExamDraft) -> Exam:
    actor.require_staff()
    batch = get_batch(session, actor, draft.batch_id)
    course = get_course(session, actor, draft.course_id)
    if batch.school_id != course.school_id:
        raise NotFound("NOT_FOUND")
    starts_at, ends_at = ensure_aware(draft.starts_at), ensure_aware(draft.ends_at)
    if ends_at <= starts_at:
        raise InvalidInput("INVALID_EXAM_WINDOW", errors={"ends_at": ["结束时间必须晚于开始时间"]})
    exam = Exam(
        school_id=batch.school_id,
        batch_id=batch.id,
        course_id=course.id,
        starts_at=starts_at,
        ends_at=ends_at,
        duration_minutes=draft.duration_minutes,
        face_check_required=draft.face_check_required,
    )
    session.add(exam)
    commit_or_conflict(session, "EXAM_EXISTS")
    return exam


def exam_query(actor: Actor, batch_id: int | None = None):
    actor.require_staff()
    query = (select(Exam).options(joinedload(Exam.course), joinedload(Exam.batch), joinedload(Exam.paper_rule))
             .order_by(Exam.id))
    if batch_id is not None:
        query = query.where(Exam.batch_id == batch_id)
    return _school_scoped(query, Exam, actor)


def get_exam(session: Session, actor: Actor, exam_id: int) -> Exam:
    return _get_scoped(session, actor, Exam, exam_id)


def enrol(session: Session, actor: Actor, exam_id: int, student_ids: list[int]) -> dict:
    """Idempotent: students already enrolled are reported, not duplicated."""
    exam = get_exam(session, actor, exam_id)
    wanted = sorted(set(student_ids))
    students = {
        student.id: student
        for student in session.scalars(
            select(User).where(
                User.id.in_(wanted), User.role == ROLE_CANDIDATE, User.school_id == exam.school_id
            )
        )
    }
    unknown = [sid for sid in wanted if sid not in students]
    if unknown:
        # Other schools' ids look exactly like ids that do not exist.
        raise NotFound("NOT_FOUND", student_ids=unknown)
    already = set(
        session.scalars(
            select(Enrolment.student_id).where(
                Enrolment.exam_id == exam.id, Enrolment.student_id.in_(wanted)
            )
        )
    )
    added = [sid for sid in wanted if sid not in already]
    session.add_all(Enrolment(exam_id=exam.id, student_id=sid) for sid in added)
    session.commit()
    return {"exam_id": exam.id, "enrolled": added, "already_enrolled": sorted(already)}


def enrolment_query(session: Session, actor: Actor, exam_id: int):
    exam = get_exam(session, actor, exam_id)
    return (
        select(User)
        .join(Enrolment, Enrolment.student_id == User.id)
        .where(Enrolment.exam_id == exam.id)
        .order_by(User.id)
    )


# --- the candidate's view (FAQ 4, 11) ---


@dataclass(frozen=True)
class ExamAvailability:
    exam: Exam
    state: str
    can_enter: bool
    reason: str
    # The candidate's attempt, once started: the result is found from any computer (FAQ 17).
    attempt_id: int | None = None
    result_status: str | None = None


def availability(exam: Exam, now: datetime, finished: bool = False) -> ExamAvailability:
    """Decided by the server clock, never the PC's (FAQ 4)."""
    if finished:
        return ExamAvailability(exam, STATE_FINISHED, False, "您已交卷，可在成绩页查看客观分")
    if now < exam.starts_at:
        reason = (
            f"考试尚未开始，开始时间为北京时间 {format_beijing(exam.starts_at)}。"
            "能否进入以服务器时间为准，请核对电脑的时间是否与北京时间一致"
        )
        return ExamAvailability(exam, STATE_UPCOMING, False, reason)
    if now >= exam.ends_at:
        reason = (
            f"已错过考试时间（考试已于北京时间 {format_beijing(exam.ends_at)} 结束），"
            "如有疑问请与学校老师联系"
        )
        return ExamAvailability(exam, STATE_CLOSED, False, reason)
    return ExamAvailability(
        exam, STATE_OPEN, True, f"考试进行中，可以进入考试（北京时间 {format_beijing(exam.ends_at)} 结束）"
    )


def my_exams(session: Session, actor: Actor, now: datetime | None = None) -> list[ExamAvailability]:
    actor.require_role(ROLE_CANDIDATE)
    now = now or utcnow()
    exams = session.scalars(
        select(Exam)
        .join(Enrolment, Enrolment.exam_id == Exam.id)
        .where(Enrolment.student_id == actor.user_id)
        .options(joinedload(Exam.course))
        .order_by(Exam.starts_at, Exam.id)
    )
    attempts = _attempts_by_exam(session, actor.user_id)
    return [_with_attempt(availability(exam, now, finished=_finished(attempts.get(exam.id))), attempts.get(exam.id))
            for exam in exams]


def my_exam(session: Session, actor: Actor, exam_id: int, now: datetime | None = None) -> ExamAvailability:
    """One exam as the candidate sees it; an own-school exam without enrolment says so (FAQ 11)."""
    actor.require_role(ROLE_CANDIDATE)
    exam = session.get(Exam, exam_id)
    if exam is None or exam.school_id != actor.school_id:
        raise NotFound("NOT_FOUND")
    enrolled = session.scalar(
        select(Enrolment.id).where(Enrolment.exam_id == exam.id, Enrolment.student_id == actor.user_id)
    )
    if enrolled is None:
        raise Forbidden("NOT_ENROLLED")
    attempt = _attempts_by_exam(session, actor.user_id, exam.id).get(exam.id)
    return _with_attempt(availability(exam, now or utcnow(), finished=_finished(attempt)), attempt)


def _attempts_by_exam(session: Session, student_id: int, exam_id: int | None = None) -> dict:
    """exam id -> (attempt id, status, result status) of the candidate's attempts."""
    query = select(Attempt.exam_id, Attempt.id, Attempt.status, Attempt.result_status).where(
        Attempt.student_id == student_id)
    if exam_id is not None:
        query = query.where(Attempt.exam_id == exam_id)
    return {row.exam_id: row for row in session.execute(query)}


def _finished(attempt) -> bool:
    """Submitted (state `finished`)."""
    return attempt is not None and attempt.status == ATTEMPT_SUBMITTED


def _with_attempt(entry: ExamAvailability, attempt) -> ExamAvailability:
    if attempt is None:
        return entry
    return replace(entry, attempt_id=attempt.id, result_status=attempt.result_status)


def deadline_of(exam: Exam, started_at: datetime) -> datetime:
    """The earlier of start + duration and the exam's end."""
    return min(started_at + timedelta(minutes=exam.duration_minutes), exam.ends_at)


# --- helpers ---


def _school_scoped(query, model, actor: Actor):
    if actor.is_admin:
        return query
    return query.where(model.school_id == actor.school_id)


def _get_scoped(session: Session, actor: Actor, model, row_id: int):
    actor.require_staff()
    row = session.get(model, row_id)
    if row is None:
        raise NotFound("NOT_FOUND")
    actor.ensure_school(row.school_id)
    return row

