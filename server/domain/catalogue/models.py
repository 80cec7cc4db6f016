"""Batches, courses, exams, their paper rules and enrolments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.clock import utcnow
from server.domain.database import Base, UTCDateTime
from server.domain.identity import User


class Batch(Base):
    """考试批: an exam session grouping several courses' exams."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_batches_school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("school_id", "code", name="uq_courses_school_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Exam(Base):
    """One course's exam within a batch, with its window and duration."""

    __tablename__ = "exams"
    __table_args__ = (UniqueConstraint("batch_id", "course_id", name="uq_exams_batch_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    face_check_required: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[Batch] = relationship()
    course: Mapped[Course] = relationship()
    paper_rule: Mapped[PaperRule | None] = relationship(uselist=False, viewonly=True)

    @property
    def paper_rule_missing(self) -> bool:
        """FAQ 14: the teacher console marks exams that cannot hand out a paper."""
        return self.paper_rule is None


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("exam_id", "student_id", name="uq_enrolments_exam_student"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exam: Mapped[Exam] = relationship()
    student: Mapped[User] = relationship()


class PaperRule(Base):
    """How an exam's paper is drawn from its course's bank: sections of (type, count, score)."""

    __tablename__ = "paper_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), unique=True)
    sections: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
