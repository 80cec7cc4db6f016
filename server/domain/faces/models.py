"""Base photos, their replacement requests and entry face checks (biometric data)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.adapters.faces import QualityReason
from server.domain.clock import utcnow
from server.domain.database import Base, StringEnum, UTCDateTime
from server.domain.identity import User


class BasePhotoStatus(StrEnum):
    PROCESSING = "processing"  # until its job made the stored copy and the embedding
    ACTIVE = "active"  # the one the face checks compare against
    UNUSABLE = "unusable"  # no single clear face in it; the previous one stays active
    REPLACED = "replaced"  # kept for audit


class BasePhotoSource(StrEnum):
    TEACHER = "teacher"  # uploaded by a teacher, one by one or in a zip
    REQUEST = "request"  # a student's replacement request, approved


class RequestStatus(StrEnum):
    """A replacement request's decision."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class FaceCheckStatus(StrEnum):
    QUEUED = "queued"
    PASSED = "passed"
    FAILED = "failed"


class FaceCheckReason(StrEnum):
    """Why a face check failed: the engine refused the capture, or the faces differ, or there
    is nothing to compare with."""

    UNSUPPORTED = QualityReason.UNSUPPORTED
    TOO_DARK = QualityReason.TOO_DARK
    NO_FACE = QualityReason.NO_FACE
    MULTIPLE_FACES = QualityReason.MULTIPLE_FACES
    FACE_TOO_SMALL = QualityReason.FACE_TOO_SMALL
    BLURRY = QualityReason.BLURRY
    MISMATCH = "mismatch"
    NO_BASE_PHOTO = "no_base_photo"


class BasePhoto(Base):
    """底照: the photo a student's face checks are compared with. Replaced ones stay for audit."""

    __tablename__ = "base_photos"
    __table_args__ = (Index("ix_base_photos_student_status", "student_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[BasePhotoStatus] = mapped_column(
        StringEnum(BasePhotoStatus, 16), default=BasePhotoStatus.PROCESSING
    )
    # Why it is unusable.
    reason: Mapped[QualityReason | None] = mapped_column(StringEnum(QualityReason, 32))
    original_key: Mapped[str | None] = mapped_column(String(512))  # until processed
    photo_key: Mapped[str | None] = mapped_column(String(512))
    # float32 unit vector (2 KB); only base photos keep one, captures never do.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[BasePhotoSource] = mapped_column(
        StringEnum(BasePhotoSource, 16), default=BasePhotoSource.TEACHER
    )
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
    status: Mapped[RequestStatus] = mapped_column(
        StringEnum(RequestStatus, 16), default=RequestStatus.PENDING
    )
    original_key: Mapped[str | None] = mapped_column(String(512))
    photo_key: Mapped[str | None] = mapped_column(String(512))
    # Scored by a job against the base photo active then; null until scored or without one.
    score: Mapped[float | None] = mapped_column(Float)
    quality_reason: Mapped[QualityReason | None] = mapped_column(StringEnum(QualityReason, 32))
    compared_base_photo_id: Mapped[int | None] = mapped_column(ForeignKey("base_photos.id"))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    base_photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("base_photos.id")
    )  # made on approval

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    compared_base_photo: Mapped[BasePhoto | None] = relationship(
        foreign_keys=[compared_base_photo_id]
    )


class FaceCheck(Base):
    """One face check at exam entry (FAQ 6-9): a live capture against the active base photo."""

    __tablename__ = "face_checks"
    __table_args__ = (Index("ix_face_checks_exam_student", "exam_id", "student_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The login session (Actor.session_id) that sent the capture: a pass admits only it. Null
    # for checks made before sessions were recorded, which admit nobody.
    session_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[FaceCheckStatus] = mapped_column(
        StringEnum(FaceCheckStatus, 16), default=FaceCheckStatus.QUEUED
    )
    reason: Mapped[FaceCheckReason | None] = mapped_column(StringEnum(FaceCheckReason, 32))
    score: Mapped[float | None] = mapped_column(Float)
    base_photo_id: Mapped[int | None] = mapped_column(ForeignKey("base_photos.id"))
    original_key: Mapped[str | None] = mapped_column(String(512))
    photo_key: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
