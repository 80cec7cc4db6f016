"""Batches (考试批), courses, exams and enrolments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Protocol, TypedDict, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload

from server.domain.actors import Actor, Role
from server.domain.catalogue.models import Batch, Course, Enrolment, Exam
from server.domain.clock import ensure_aware
from server.domain.database import commit_or_conflict
from server.domain.errors import InvalidInput, NotFound
from server.domain.identity import User

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
    course = Course(
        school_id=actor.school_for_new_row(school_id), code=code.strip(), name=name.strip()
    )
    session.add(course)
    commit_or_conflict(session, "COURSE_EXISTS")
    return course


def batch_query(actor: Actor) -> Select[Batch]:
    actor.require_staff()
    return _school_scoped(select(Batch).order_by(Batch.id), Batch, actor)


def course_query(actor: Actor) -> Select[Course]:
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


def exam_query(actor: Actor, batch_id: int | None = None) -> Select[Exam]:
    actor.require_staff()
    query = (
        select(Exam)
        .options(joinedload(Exam.course), joinedload(Exam.batch), joinedload(Exam.paper_rule))
        .order_by(Exam.id)
    )
    if batch_id is not None:
        query = query.where(Exam.batch_id == batch_id)
    return _school_scoped(query, Exam, actor)


def get_exam(session: Session, actor: Actor, exam_id: int) -> Exam:
    return _get_scoped(session, actor, Exam, exam_id)


class Enrolled(TypedDict):
    exam_id: int
    enrolled: list[int]
    already_enrolled: list[int]


def enrol(session: Session, actor: Actor, exam_id: int, student_ids: list[int]) -> Enrolled:
    """Idempotent: students already enrolled are reported, not duplicated."""
    exam = get_exam(session, actor, exam_id)
    wanted = sorted(set(student_ids))
    students = {
        student.id: student
        for student in session.scalars(
            select(User).where(
                User.id.in_(wanted), User.role == Role.CANDIDATE, User.school_id == exam.school_id
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


def enrolment_query(session: Session, actor: Actor, exam_id: int) -> Select[User]:
    exam = get_exam(session, actor, exam_id)
    return (
        select(User)
        .join(Enrolment, Enrolment.student_id == User.id)
        .where(Enrolment.exam_id == exam.id)
        .order_by(User.id)
    )


def deadline_of(exam: Exam, started_at: datetime) -> datetime:
    """The earlier of start + duration and the exam's end."""
    return min(started_at + timedelta(minutes=exam.duration_minutes), exam.ends_at)


# --- helpers ---


class _SchoolRow(Protocol):
    school_id: ClassVar[InstrumentedAttribute[int]]


Row = TypeVar("Row", bound=_SchoolRow)


def _school_scoped(query: Select[Row], model: type[Row], actor: Actor) -> Select[Row]:
    if actor.is_admin:
        return query
    return query.where(model.school_id == actor.school_id)


def _get_scoped(session: Session, actor: Actor, model: type[Row], row_id: int) -> Row:
    actor.require_staff()
    row = session.get(model, row_id)
    if row is None:
        raise NotFound("NOT_FOUND")
    actor.ensure_school(row.school_id)
    return row
