"""Base photos (底照, FAQ 7, 8): teacher uploads one by one or as a zip, and students' replacement
requests from the phone album that a teacher approves or rejects.

A base photo is processed by a job (upright copy, embedding) before it becomes active; an
unusable one (no single clear face) never replaces a working one. Replaced photos stay, for audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import jobs, photos
from server.domain.actors import Actor
from server.domain.clock import utcnow
from server.domain.errors import DomainError, NotFound, Unsupported
from server.domain.faces.engine import (
    FaceAnalyser,
    FacePolicy,
    embedding_bytes,
)
from server.domain.faces.models import (
    BasePhoto,
    BasePhotoRequest,
    BasePhotoStatus,
    QualityReason,
)
from server.domain.identity import User, get_student

# --- which base photo applies ---


def current_base_photo(session: Session, student_id: int) -> BasePhoto | None:
    """The active base photo, else the newest one still being processed (uploaded minutes
    before the exam: a face check processes it rather than failing with no_base_photo)."""
    rows = session.scalars(
        select(BasePhoto)
        .where(
            BasePhoto.student_id == student_id,
            BasePhoto.status.in_((BasePhotoStatus.ACTIVE, BasePhotoStatus.PROCESSING)),
        )
        .order_by(BasePhoto.id.desc())
    ).all()
    active = [row for row in rows if row.status == BasePhotoStatus.ACTIVE]
    return active[0] if active else (rows[0] if rows else None)


def usable_base_photo(
    session: Session, student_id: int, storage: Storage, engine: FaceAnalyser, policy: FacePolicy
) -> BasePhoto | None:
    """The active base photo with its embedding, processing a pending upload on the way."""
    for _ in range(3):  # a pending upload may turn out unusable; the previous one then applies
        base = current_base_photo(session, student_id)
        if base is None:
            return None
        process_base_photo(session, base, storage, engine, policy)
        if base.status == BasePhotoStatus.ACTIVE and base.embedding is not None:
            return base
    return None


def process_base_photo(
    session: Session,
    base: BasePhoto,
    storage: Storage,
    engine: FaceAnalyser,
    policy: FacePolicy,
    now: datetime | None = None,
) -> None:
    """Make the copy and the embedding once; a usable photo becomes the active one."""
    if base.status != BasePhotoStatus.PROCESSING:
        return
    assert base.photo_key is not None  # set with the original, before the row was committed
    try:
        data = photos.process_original(storage, base.original_key, base.photo_key, policy.long_edge)
    except Unsupported:
        # Damaged pixels in an intact file (intake reads headers only): never a base photo.
        if base.original_key is not None:
            storage.delete(base.original_key)
        base.original_key, base.photo_key = None, None
        base.status, base.reason = BasePhotoStatus.UNUSABLE, QualityReason.UNSUPPORTED
        session.flush()
        return
    base.original_key = None
    analysis = engine.analyse(data)
    if analysis.embedding is None:
        base.status, base.reason = BasePhotoStatus.UNUSABLE, analysis.reason
    else:
        base.embedding = embedding_bytes(analysis.embedding)
        activate_base_photo(session, base, now or utcnow())
    session.flush()


def activate_base_photo(session: Session, base: BasePhoto, now: datetime) -> None:
    # Only a newer photo replaces the active one: a slow job must not undo a later upload.
    active = session.scalars(
        select(BasePhoto).where(
            BasePhoto.student_id == base.student_id,
            BasePhoto.status == BasePhotoStatus.ACTIVE,
            BasePhoto.id != base.id,
        )
    ).all()
    if any(other.id > base.id for other in active):
        base.status, base.replaced_at, base.embedding = BasePhotoStatus.REPLACED, now, None
        return
    for other in active:
        # Kept as a picture for audit; its embedding (biometric data) is no longer needed.
        other.status, other.replaced_at, other.embedding = BasePhotoStatus.REPLACED, now, None
    base.status, base.activated_at = BasePhotoStatus.ACTIVE, now


def prepare_base_photo(
    session: Session, base_photo_id: int, storage: Storage, engine: FaceAnalyser, policy: FacePolicy
) -> BasePhotoStatus:
    """The job: process one uploaded base photo; returns its status. Idempotent."""
    base = jobs.lock_job_row(session, BasePhoto, base_photo_id, "base photo")
    process_base_photo(session, base, storage, engine, policy)
    session.commit()
    return base.status


# --- teacher uploads ---


def new_base_photo(
    session: Session, student: User, data: bytes, storage: Storage, max_bytes: int, uploaded_by: int
) -> BasePhoto:
    base = BasePhoto(
        school_id=student.school_id,
        student_id=student.id,
        uploaded_by=uploaded_by,
        status=BasePhotoStatus.PROCESSING,
    )
    session.add(base)
    session.flush()
    base.original_key = photos.store_original(
        storage, data, max_bytes, f"base-photos/{student.id}/{base.id}"
    )
    base.photo_key = photos.photo_key(base.original_key)
    return base


def upload_base_photo(
    session: Session,
    actor: Actor,
    student_id: int,
    data: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
) -> BasePhoto:
    student = get_student(session, actor, student_id)
    try:
        base = new_base_photo(session, student, data, storage, max_bytes, actor.user_id)
    except DomainError:
        session.rollback()
        raise
    session.commit()
    jobs.request_job(scheduler, jobs.PREPARE_BASE_PHOTO, base.id, job_id=f"base-photo-{base.id}")
    return base


@dataclass(frozen=True)
class BasePhotoState:
    student_id: int
    active: BasePhoto | None  # what face checks compare with
    latest: BasePhoto | None  # the newest upload, in whatever state


def base_photo_state(session: Session, actor: Actor, student_id: int) -> BasePhotoState:
    if actor.is_candidate:
        if actor.user_id != student_id:
            raise NotFound("NOT_FOUND")
    else:
        get_student(session, actor, student_id)
    rows = session.scalars(
        select(BasePhoto).where(BasePhoto.student_id == student_id).order_by(BasePhoto.id.desc())
    ).all()
    active = next((row for row in rows if row.status == BasePhotoStatus.ACTIVE), None)
    return BasePhotoState(student_id, active, rows[0] if rows else None)


# Base photos and replacement requests whose job Redis may have lost (the sweep re-queues them).
WAITING_BASE_PHOTOS = (
    jobs.WaitingRows(
        jobs.PREPARE_BASE_PHOTO,
        "base-photo",
        BasePhoto,
        BasePhoto.status == BasePhotoStatus.PROCESSING,
    ),
    jobs.WaitingRows(
        jobs.SCORE_BASE_PHOTO_REQUEST,
        "photo-request",
        BasePhotoRequest,
        BasePhotoRequest.scored_at.is_(None),
    ),
)
