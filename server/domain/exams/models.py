"""The question bank, attempts and the questions drawn for each attempt."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.catalogue import Exam
from server.domain.clock import utcnow
from server.domain.database import Base, StringEnum, UTCDateTime
from server.domain.identity import User

# --- question bank, paper rules and attempts (FAQ 10, 14, 15, 16, 17) ---


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    JUDGE = "judge"
    FILL = "fill"
    ESSAY = "essay"
    PHOTO = "photo"


# Scored by the grading job; the others (essay, photo) are marked by a teacher.
OBJECTIVE_TYPES = frozenset(
    {
        QuestionType.SINGLE,
        QuestionType.MULTIPLE,
        QuestionType.JUDGE,
        QuestionType.FILL,
    }
)


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class ResultStatus(StrEnum):
    """What a candidate's result shows (FAQ 17, 18); grading.RESULT_MESSAGES says it in words."""

    IN_PROGRESS = "in_progress"
    GRADING = "grading"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    REJECTED = "rejected"


class SubmitReason(StrEnum):
    """Who or what submitted an attempt."""

    BY_CANDIDATE = "candidate"
    AT_DEADLINE = "deadline"
    AFTER_SILENCE = "silence"  # FAQ 10: no sign of life for ATTEMPT_SILENCE_SECONDS


class ReviewDecision(StrEnum):
    """FAQ 18: a teacher's decision on a flagged attempt (proctoring's review)."""

    APPROVE = "approve"
    REJECT = "reject"


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_course_type", "course_id", "type"),
        UniqueConstraint("course_id", "external_id", name="uq_questions_course_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    # The teacher's own id for the question (import files); re-imports match on it.
    external_id: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[QuestionType] = mapped_column(StringEnum(QuestionType, 16))
    stem: Mapped[str] = mapped_column(String(20000))
    options: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[object] = mapped_column(JSON, nullable=True)
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attempt(Base):
    """One candidate's one sitting of one exam; the database is the source of truth."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("exam_id", "student_id", name="uq_attempts_exam_student"),
        Index("ix_attempts_open", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    status: Mapped[AttemptStatus] = mapped_column(
        StringEnum(AttemptStatus, 16), default=AttemptStatus.IN_PROGRESS
    )
    result_status: Mapped[ResultStatus] = mapped_column(
        StringEnum(ResultStatus, 16), default=ResultStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The login session (token id) now answering; another computer resuming moves it.
    active_session: Mapped[str] = mapped_column(String(64))
    resume_count: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submit_reason: Mapped[SubmitReason | None] = mapped_column(StringEnum(SubmitReason, 16))
    objective_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    subjective_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Incremented only by the grading transition itself: proves a score was computed once.
    grading_runs: Mapped[int] = mapped_column(Integer, default=0)
    review_decision: Mapped[ReviewDecision | None] = mapped_column(StringEnum(ReviewDecision, 16))
    review_note: Mapped[str | None] = mapped_column(String(500))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exam: Mapped[Exam] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])


class AttemptQuestion(Base):
    """Question n of an attempt's paper, drawn once and stored, with the saved answer."""

    __tablename__ = "attempt_questions"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position", name="uq_attempt_questions_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    answer: Mapped[object] = mapped_column(JSON, nullable=True)
    saved_seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship()


class AnswerPhotoStatus(StrEnum):
    PROCESSING = "processing"  # until its job made the stored copy
    READY = "ready"
    REJECTED = "rejected"
    REMOVED = "removed"


class AnswerPhoto(Base):
    """A photo attached to question n's answer, uploaded from the paired phone."""

    __tablename__ = "answer_photos"
    __table_args__ = (
        UniqueConstraint("pairing_id", "upload_id", name="uq_answer_photos_pairing_upload"),
        Index("ix_answer_photos_attempt_position", "attempt_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    # The client's id for this upload: a retry of the same upload finds this row.
    upload_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[AnswerPhotoStatus] = mapped_column(
        StringEnum(AnswerPhotoStatus, 16), default=AnswerPhotoStatus.PROCESSING
    )
    reason: Mapped[str | None] = mapped_column(String(32))
    original_key: Mapped[str | None] = mapped_column(String(512))
    photo_key: Mapped[str | None] = mapped_column(String(512))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
