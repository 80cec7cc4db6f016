"""Phones (WeChat openids), their pairings with an attempt's question, and answer photos."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.domain.clock import utcnow
from server.domain.database import Base, StringEnum, UTCDateTime

# --- the phone companion (FAQ 21, 22): pairings by QR code, answer photos, second camera ---


class PairingPurpose(StrEnum):
    ANSWER_PHOTO = "answer_photo"  # photos of a photo or essay question's answer
    SECOND_CAMERA = "second_camera"  # the phone watches the candidate from the side


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
    attempt ends or the pairing is ended (`ended_at`, by the phone or the candidate)."""

    __tablename__ = "pairings"
    __table_args__ = (Index("ix_pairings_attempt_position", "attempt_id", "position", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scene: Mapped[str] = mapped_column(String(32), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[PairingPurpose] = mapped_column(StringEnum(PairingPurpose, 16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phone_id: Mapped[int | None] = mapped_column(ForeignKey("phones.id"), index=True)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second camera: when its last frame arrived, and whether its silence was flagged.
    last_snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unpaired: no upload, snapshot or redemption of it is accepted from then on.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
