"""Base photos, their replacement requests and entry face checks (biometric data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.clock import utcnow
from server.domain.database import Base, UTCDateTime
from server.domain.identity import User
from server.domain.photos import PHOTO_PROCESSING

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
