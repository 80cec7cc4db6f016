"""Database models. Every school-owned row carries school_id, the isolation key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.clock import utcnow
from server.domain.database import Base, UTCDateTime

ROLE_ADMIN = "admin"
ROLE_TEACHER = "teacher"
ROLE_CANDIDATE = "candidate"
# A WeChat mini-program session (the phone companion): not a person's account, a device that
# a candidate pairs by scanning a QR code.
ROLE_PHONE = "phone"
ROLES = (ROLE_ADMIN, ROLE_TEACHER, ROLE_CANDIDATE, ROLE_PHONE)


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """Admins and teachers log in by username; candidates by student number or ID number."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("school_id", "student_no", name="uq_users_school_student_no"),
        UniqueConstraint("school_id", "id_number", name="uq_users_school_id_number"),
        Index("ix_users_student_no", "student_no"),
        Index("ix_users_id_number", "id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    student_no: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64), default="")
    # NULL means the candidate still has the default password (FAQ 12, 13, 19), which is
    # derived from the stored ID number; a changed password is always an argon2 hash.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School | None] = relationship()

    @property
    def uses_default_password(self) -> bool:
        return self.role == ROLE_CANDIDATE and self.password_hash is None


class IntegrityEvent(Base):
    """Environment-check refusals and other integrity signals a teacher can list."""

    __tablename__ = "integrity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship()


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
    paper_rule: Mapped["PaperRule | None"] = relationship(uselist=False, viewonly=True)

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


# --- question bank, paper rules and attempts (FAQ 10, 14, 15, 16, 17) ---

QUESTION_TYPES = ("single", "multiple", "judge", "fill", "essay", "photo")
OBJECTIVE_TYPES = ("single", "multiple", "judge", "fill")

ATTEMPT_IN_PROGRESS = "in_progress"
ATTEMPT_SUBMITTED = "submitted"

RESULT_IN_PROGRESS = "in_progress"
RESULT_GRADING = "grading"
RESULT_PENDING_REVIEW = "pending_review"
RESULT_PUBLISHED = "published"
RESULT_REJECTED = "rejected"


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
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(String(20000))
    options: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[object] = mapped_column(JSON, nullable=True)
    score: Mapped[float] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaperRule(Base):
    """How an exam's paper is drawn from its course's bank: sections of (type, count, score)."""

    __tablename__ = "paper_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), unique=True)
    sections: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


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
    status: Mapped[str] = mapped_column(String(16), default=ATTEMPT_IN_PROGRESS)
    result_status: Mapped[str] = mapped_column(String(16), default=RESULT_IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The login session (token id) now answering; another computer resuming moves it.
    active_session: Mapped[str] = mapped_column(String(64))
    resume_count: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submit_reason: Mapped[str | None] = mapped_column(String(16))
    objective_score: Mapped[float | None] = mapped_column(Numeric(8, 2))
    subjective_score: Mapped[float | None] = mapped_column(Numeric(8, 2))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Incremented only by the grading transition itself: proves a score was computed once.
    grading_runs: Mapped[int] = mapped_column(Integer, default=0)
    # FAQ 18: a teacher's decision on a flagged attempt ("approve" or "reject").
    review_decision: Mapped[str | None] = mapped_column(String(16))
    review_note: Mapped[str | None] = mapped_column(String(500))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exam: Mapped[Exam] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    flags: Mapped[list["ProctorFlag"]] = relationship(order_by="ProctorFlag.id", viewonly=True)


class AttemptQuestion(Base):
    """Question n of an attempt's paper, drawn once and stored, with the saved answer."""

    __tablename__ = "attempt_questions"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_questions_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    points: Mapped[float] = mapped_column(Numeric(6, 2))
    answer: Mapped[object] = mapped_column(JSON, nullable=True)
    saved_seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded: Mapped[float | None] = mapped_column(Numeric(6, 2))
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship()


# --- photos, faces and proctoring (FAQ 3, 6, 7, 8, 9, 18, 21) ---
#
# Every photo is stored as its original first (so an acknowledged upload is never lost), then a
# job writes the upright, downscaled, metadata-free copy (`photo_key`) and deletes the original:
# no GPS or other EXIF outlives processing. Embeddings are kept for base photos only.

PHOTO_PROCESSING = "processing"

BASE_PHOTO_PROCESSING = PHOTO_PROCESSING
BASE_PHOTO_ACTIVE = "active"  # the one the face checks compare against
BASE_PHOTO_UNUSABLE = "unusable"  # no single clear face in it; the previous one stays active
BASE_PHOTO_REPLACED = "replaced"  # kept for audit

FACE_CHECK_QUEUED = "queued"
FACE_CHECK_PASSED = "passed"
FACE_CHECK_FAILED = "failed"

REQUEST_PENDING = "pending"
REQUEST_APPROVED = "approved"
REQUEST_REJECTED = "rejected"

SNAPSHOT_QUEUED = "queued"
SNAPSHOT_ANALYSED = "analysed"

SNAPSHOT_DESKTOP = "desktop"
SNAPSHOT_PHONE = "phone"


class BasePhoto(Base):
    """底照: the photo a student's face checks are compared with. Replaced ones stay for audit."""

    __tablename__ = "base_photos"
    __table_args__ = (Index("ix_base_photos_student_status", "student_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=BASE_PHOTO_PROCESSING)
    reason: Mapped[str | None] = mapped_column(String(32))  # why it is unusable
    original_key: Mapped[str | None] = mapped_column(String(512))  # until processed
    photo_key: Mapped[str | None] = mapped_column(String(512))
    # float32 unit vector (2 KB); only base photos keep one, captures never do.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16), default="teacher")  # teacher | request
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BasePhotoRequest(Base):
    """A student's replacement ID photo (from the phone album), waiting for a teacher."""

    __tablename__ = "base_photo_requests"
    __table_args__ = (Index("ix_base_photo_requests_school_status", "school_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=REQUEST_PENDING)
    original_key: Mapped[str | None] = mapped_column(String(512))
    photo_key: Mapped[str | None] = mapped_column(String(512))
    # Scored by a job against the base photo active then; null until scored or without one.
    score: Mapped[float | None] = mapped_column(Float)
    quality_reason: Mapped[str | None] = mapped_column(String(32))
    compared_base_photo_id: Mapped[int | None] = mapped_column(ForeignKey("base_photos.id"))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    base_photo_id: Mapped[int | None] = mapped_column(ForeignKey("base_photos.id"))  # made on approval

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    compared_base_photo: Mapped[BasePhoto | None] = relationship(foreign_keys=[compared_base_photo_id])


class FaceCheck(Base):
    """One face check at exam entry (FAQ 6-9): a live capture against the active base photo."""

    __tablename__ = "face_checks"
    __table_args__ = (Index("ix_face_checks_exam_student", "exam_id", "student_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=FACE_CHECK_QUEUED)
    reason: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    base_photo_id: Mapped[int | None] = mapped_column(ForeignKey("base_photos.id"))
    original_key: Mapped[str | None] = mapped_column(String(512))
    photo_key: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Snapshot(Base):
    """A proctoring frame from the desktop webcam or the phone's second camera (FAQ 3, 18)."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_attempt_status", "attempt_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16), default=SNAPSHOT_DESKTOP)
    status: Mapped[str] = mapped_column(String(16), default=SNAPSHOT_QUEUED)
    original_key: Mapped[str | None] = mapped_column(String(512))
    # Kept only when the frame raised a flag (it is the evidence); otherwise deleted.
    photo_key: Mapped[str | None] = mapped_column(String(512))
    findings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    analysed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProctorFlag(Base):
    """Something a teacher must look at before the attempt's score is published (FAQ 18)."""

    __tablename__ = "proctor_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="SET NULL"))
    evidence_key: Mapped[str | None] = mapped_column(String(512))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- the phone companion (FAQ 21, 22): pairings by QR code, answer photos, second camera ---

PURPOSE_ANSWER_PHOTO = "answer_photo"
PURPOSE_SECOND_CAMERA = "second_camera"
PURPOSES = (PURPOSE_ANSWER_PHOTO, PURPOSE_SECOND_CAMERA)

ANSWER_PHOTO_PROCESSING = PHOTO_PROCESSING
ANSWER_PHOTO_READY = "ready"
ANSWER_PHOTO_REJECTED = "rejected"
ANSWER_PHOTO_REMOVED = "removed"


class Phone(Base):
    """A WeChat user's phone, known by its openid for this mini program."""

    __tablename__ = "phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pairing(Base):
    """A per-question QR code: a signed scene bound to (attempt, question, purpose), valid
    until `expires_at` for one redemption; the redeeming phone may then upload until the
    attempt ends."""

    __tablename__ = "pairings"
    __table_args__ = (Index("ix_pairings_attempt_position", "attempt_id", "position", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scene: Mapped[str] = mapped_column(String(32), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phone_id: Mapped[int | None] = mapped_column(ForeignKey("phones.id"), index=True)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second camera: when its last frame arrived, and whether its silence was flagged.
    last_snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
    status: Mapped[str] = mapped_column(String(16), default=ANSWER_PHOTO_PROCESSING)
    reason: Mapped[str | None] = mapped_column(String(32))
    original_key: Mapped[str | None] = mapped_column(String(512))
    photo_key: Mapped[str | None] = mapped_column(String(512))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
