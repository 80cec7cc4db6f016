"""Answer photos (FAQ 21), from the phone or chosen on the desktop: one idempotent intake,
processing, removal on the desktop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import events, jobs, photos
from server.domain.actors import Actor, Role
from server.domain.clock import utcnow
from server.domain.companion.models import Pairing, PairingPurpose
from server.domain.companion.pairing import _phone_pairing
from server.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    Unsupported,
)
from server.domain.events import EventType
from server.domain.exams import (
    PHOTO_QUESTION_TYPES,
    AnswerPhoto,
    AnswerPhotoStatus,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Question,
)


@dataclass(frozen=True)
class PhotoIntake:
    """What taking in an answer photo needs, whoever sends it (phone or desktop)."""

    storage: Storage
    max_bytes: int
    scheduler: jobs.JobScheduler
    publisher: events.EventPublisher | None
    quotas: photos.UploadQuotas


def upload_answer_photo(
    session: Session,
    actor: Actor,
    pairing_id: int,
    upload_id: str,
    data: bytes,
    intake: PhotoIntake,
) -> AnswerPhoto:
    """A photo from the phone paired with question n (FAQ 21): see _take_answer_photo."""
    pairing, attempt = _phone_pairing(session, actor, pairing_id, PairingPurpose.ANSWER_PHOTO)
    return _take_answer_photo(session, pairing, attempt, upload_id, data, intake)


def upload_desktop_photo(
    session: Session,
    actor: Actor,
    attempt_id: int,
    n: int,
    upload_id: str,
    data: bytes,
    intake: PhotoIntake,
) -> AnswerPhoto:
    """A photo of question n's answer chosen on the desktop itself (a candidate whose phone has
    no network): the same intake, events and listing as a phone's photo."""
    pairing, attempt = _desktop_pairing(session, actor, attempt_id, n)
    return _take_answer_photo(session, pairing, attempt, upload_id, data, intake)


def _desktop_pairing(
    session: Session, actor: Actor, attempt_id: int, n: int, now: datetime | None = None
) -> tuple[Pairing, Attempt]:
    """The candidate's own open attempt on this computer, question n taking photos, and the
    pairing row its desktop uploads hang on (answer_photos needs one: it keys their upload
    ids). That row has an unsigned scene, is never redeemed and expired at birth, so no phone
    can scan it, no code is reissued from it and the live view never counts it as paired."""
    actor.require_role(Role.CANDIDATE)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    if attempt.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    kind = session.scalar(
        select(Question.type)
        .join(AttemptQuestion, AttemptQuestion.question_id == Question.id)
        .where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == n)
    )
    if kind is None:
        raise NotFound("QUESTION_NOT_FOUND")
    if kind not in PHOTO_QUESTION_TYPES:
        raise InvalidInput("QUESTION_TAKES_NO_PHOTO")
    scene = f"desktop-{attempt.id}-{n}"  # not 32 characters: redeem refuses it unread
    pairing = session.scalar(select(Pairing).where(Pairing.scene == scene))
    if pairing is not None:
        return pairing, attempt
    now = now or utcnow()
    pairing = Pairing(
        scene=scene,
        school_id=attempt.school_id,
        attempt_id=attempt.id,
        exam_id=attempt.exam_id,
        student_id=attempt.student_id,
        position=n,
        purpose=PairingPurpose.ANSWER_PHOTO,
        created_at=now,
        expires_at=now,
    )
    session.add(pairing)
    try:
        session.commit()  # kept even when this first photo is refused: the next one uses it
    except IntegrityError:  # two first uploads at once: the other one made it
        session.rollback()
        pairing = session.scalars(select(Pairing).where(Pairing.scene == scene)).one()
        attempt = session.get_one(Attempt, attempt_id)
    return pairing, attempt


def _take_answer_photo(
    session: Session,
    pairing: Pairing,
    attempt: Attempt,
    upload_id: str,
    data: bytes,
    intake: PhotoIntake,
) -> AnswerPhoto:
    """Store a photo for question n and queue its processing. A retry with the same upload id
    answers the first upload's photo (and costs nothing); a refused photo is reported on the
    desktop too. So many new photos per candidate per window (quotas)."""
    existing = session.scalar(
        select(AnswerPhoto).where(
            AnswerPhoto.pairing_id == pairing.id, AnswerPhoto.upload_id == upload_id
        )
    )
    if existing is not None:
        return existing
    attempt_id, position, publisher = attempt.id, pairing.position, intake.publisher
    # Counted per candidate (the attempt's), whichever phone or desktop sends:
    # UPLOAD_RATE_LIMITED. It is retried later; the desktop is not told (nothing was refused
    # for good).
    intake.quotas.spend(photos.UploadKind.ANSWER_PHOTO, attempt.student_id)
    photo = AnswerPhoto(
        school_id=attempt.school_id,
        attempt_id=attempt_id,
        position=position,
        pairing_id=pairing.id,
        upload_id=upload_id,
        status=AnswerPhotoStatus.PROCESSING,
    )
    session.add(photo)
    try:
        session.flush()
        # Pixels are decoded once, by the job: the 202 does not wait for a 12 MP decode.
        photo.original_key = photos.store_original(
            intake.storage, data, intake.max_bytes, f"answer-photos/{attempt_id}/{photo.id}"
        )
    except DomainError as error:
        session.rollback()
        if publisher is not None:
            publisher.publish(
                attempt_id,
                EventType.UPLOAD_REJECTED,
                {"n": position, "reason": error.code, "message": error.message},
            )
        raise
    photo.photo_key = photos.photo_key(photo.original_key)
    session.commit()
    jobs.request_job(
        intake.scheduler, jobs.PROCESS_ANSWER_PHOTO, photo.id, job_id=f"answer-photo-{photo.id}"
    )
    if publisher is not None:
        publisher.publish(
            attempt_id, EventType.UPLOAD_RECEIVED, {"n": position, "photo_id": photo.id}
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
