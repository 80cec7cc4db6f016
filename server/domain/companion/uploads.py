"""Answer photos from the phone (FAQ 21): idempotent uploads, processing, removal on the desktop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import events, jobs, photos
from server.domain.actors import Actor, Role
from server.domain.clock import utcnow
from server.domain.companion.models import PairingPurpose
from server.domain.companion.pairing import _phone_pairing
from server.domain.errors import (
    Conflict,
    DomainError,
    NotFound,
    Unsupported,
)
from server.domain.events import EventType
from server.domain.exams import (
    AnswerPhoto,
    AnswerPhotoStatus,
    Attempt,
    AttemptStatus,
)


def upload_answer_photo(
    session: Session,
    actor: Actor,
    pairing_id: int,
    upload_id: str,
    data: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
    publisher: events.EventPublisher | None,
    quotas: photos.UploadQuotas,
) -> AnswerPhoto:
    """Store a photo for question n and queue its processing. A retry with the same upload id
    answers the first upload's photo (and costs nothing); a refused photo is reported on the
    desktop too. So many new photos per candidate per window (quotas)."""
    pairing, attempt = _phone_pairing(session, actor, pairing_id, PairingPurpose.ANSWER_PHOTO)
    existing = session.scalar(
        select(AnswerPhoto).where(
            AnswerPhoto.pairing_id == pairing.id, AnswerPhoto.upload_id == upload_id
        )
    )
    if existing is not None:
        return existing
    # Counted per candidate (the attempt's), whichever phone sends: UPLOAD_RATE_LIMITED. The
    # phone retries it later; the desktop is not told (nothing was refused for good).
    quotas.spend(photos.UploadKind.ANSWER_PHOTO, attempt.student_id)
    photo = AnswerPhoto(
        school_id=attempt.school_id,
        attempt_id=attempt.id,
        position=pairing.position,
        pairing_id=pairing.id,
        upload_id=upload_id,
        status=AnswerPhotoStatus.PROCESSING,
    )
    session.add(photo)
    try:
        session.flush()
        # Pixels are decoded once, by the job: the 202 does not wait for a 12 MP decode.
        photo.original_key = photos.store_original(
            storage, data, max_bytes, f"answer-photos/{attempt.id}/{photo.id}"
        )
    except DomainError as error:
        session.rollback()
        if publisher is not None:
            publisher.publish(
                attempt.id,
                EventType.UPLOAD_REJECTED,
                {"n": pairing.position, "reason": error.code, "message": error.message},
            )
        raise
    photo.photo_key = photos.photo_key(photo.original_key)
    session.commit()
    jobs.request_job(
        scheduler, jobs.PROCESS_ANSWER_PHOTO, photo.id, job_id=f"answer-photo-{photo.id}"
    )
    if publisher is not None:
        publisher.publish(
            attempt.id, EventType.UPLOAD_RECEIVED, {"n": pairing.position, "photo_id": photo.id}
        )
    return photo


def process_answer_photo(
    session: Session,
    photo_id: int,
    storage: Storage,
    long_edge: int,
    publisher: events.EventPublisher | None,
    photo_url: Callable[[str], str],
    now: datetime | None = None,
) -> AnswerPhoto:
    """The job: the upright, downscaled copy; then the desktop is told (photo_ready). A photo
    whose pixels turn out damaged is rejected (upload_rejected) and its original deleted."""
    photo = jobs.lock_job_row(session, AnswerPhoto, photo_id, "answer photo")
    if photo.status == AnswerPhotoStatus.PROCESSING:
        assert photo.photo_key is not None  # set with the original, before the row was committed
        try:
            data = photos.process_original(storage, photo.original_key, photo.photo_key, long_edge)
        except Unsupported as error:
            _reject_answer_photo(session, photo, error, storage, publisher)
            return photo
        photo.width, photo.height = photos.image_size(data)
        photo.original_key = None
        photo.status, photo.ready_at = AnswerPhotoStatus.READY, now or utcnow()
        session.commit()
        if publisher is not None:
            publisher.publish(
                photo.attempt_id,
                EventType.PHOTO_READY,
                {
                    "photo_id": photo.id,
                    "n": photo.position,
                    "url": photo_url(photo.photo_key),
                    "width": photo.width,
                    "height": photo.height,
                },
            )
    elif photo.status == AnswerPhotoStatus.REJECTED and photo.original_key is not None:
        _drop_original(session, photo, storage)
    else:
        session.commit()
    return photo


def _reject_answer_photo(
    session: Session,
    photo: AnswerPhoto,
    error: Unsupported,
    storage: Storage,
    publisher: events.EventPublisher | None,
) -> None:
    photo.status, photo.reason = AnswerPhotoStatus.REJECTED, error.extra.get("reason")
    session.commit()
    if publisher is not None:
        publisher.publish(
            photo.attempt_id,
            EventType.UPLOAD_REJECTED,
            {
                "n": photo.position,
                "photo_id": photo.id,
                "reason": error.code,
                "message": error.message,
            },
        )
    _drop_original(session, photo, storage)


def _drop_original(session: Session, photo: AnswerPhoto, storage: Storage) -> None:
    """Delete a rejected photo's original (a rerun after a failed delete finishes it)."""
    if photo.original_key is not None:
        storage.delete(photo.original_key)
    photo.original_key = None
    session.commit()


def remove_answer_photo(
    session: Session, actor: Actor, attempt_id: int, photo_id: int, now: datetime | None = None
) -> AnswerPhoto:
    """The candidate removes a photo from the desktop while the attempt is open."""
    actor.require_role(Role.CANDIDATE)
    photo = session.get(AnswerPhoto, photo_id)
    attempt = session.get(Attempt, attempt_id)
    if (
        photo is None
        or attempt is None
        or photo.attempt_id != attempt.id
        or attempt.student_id != actor.user_id
    ):
        raise NotFound("NOT_FOUND")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    if attempt.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    photo.status, photo.removed_at = AnswerPhotoStatus.REMOVED, now or utcnow()
    session.commit()
    return photo


# Answer photos whose processing Redis may have lost (the sweep re-queues them).
WAITING_ANSWER_PHOTOS = jobs.WaitingRows(
    jobs.PROCESS_ANSWER_PHOTO,
    "answer-photo",
    AnswerPhoto,
    AnswerPhoto.status == AnswerPhotoStatus.PROCESSING,
)
