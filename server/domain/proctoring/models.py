"""Webcam and second-camera snapshots, and the flags raised on an attempt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.clock import utcnow
from server.domain.database import Base, StringEnum, UTCDateTime
from server.domain.exams import Attempt


class SnapshotStatus(StrEnum):
    QUEUED = "queued"
    ANALYSED = "analysed"


class SnapshotSource(StrEnum):
    DESKTOP = "desktop"  # the exam computer's webcam
    PHONE = "phone"  # the paired phone as a second camera


class FlagKind(StrEnum):
    """What a flag is about; proctoring.FLAG_LABELS says it in words for the teacher."""

    LOW_LIGHT = "low_light"
    CAMERA_BLOCKED = "camera_blocked"
    NO_FACE = "no_face"
    ANOTHER_PERSON = "another_person"
    NOT_CANDIDATE = "not_candidate"
    SECOND_CAMERA_LOST = "second_camera_lost"
    WEBCAM_SILENT = "webcam_silent"  # the desktop sent no webcam frame for a grace period
    REMOTE_CONTROL = "remote_control"
    VIRTUAL_DEVICE = "virtual_device"


class Snapshot(Base):
    """A proctoring frame from the desktop webcam or the phone's second camera (FAQ 3, 18)."""

    __tablename__ = "snapshots"
    __table_args__ = (
        Index("ix_snapshots_attempt_status", "attempt_id", "status"),
        # An attempt's latest desktop frame, read by the sweep for every open attempt.
        Index("ix_snapshots_attempt_source_created", "attempt_id", "source", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    source: Mapped[SnapshotSource] = mapped_column(
        StringEnum(SnapshotSource, 16), default=SnapshotSource.DESKTOP
    )
    status: Mapped[SnapshotStatus] = mapped_column(
        StringEnum(SnapshotStatus, 16), default=SnapshotStatus.QUEUED
    )
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
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[FlagKind] = mapped_column(StringEnum(FlagKind, 32))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="SET NULL"))
    evidence_key: Mapped[str | None] = mapped_column(String(512))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# An attempt's flags, declared from this side so that exams need not know proctoring exists.
Attempt.flags = relationship(ProctorFlag, order_by=ProctorFlag.id, viewonly=True)
