"""Replacement requests (FAQ 7: 申请更新底片): a candidate's new base photo from the phone album,
scored against the active one, that a teacher approves or rejects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from server.adapters.storage import Storage
from server.domain import jobs, photos
from server.domain.actors import Actor, Role, get_visible
from server.domain.clock import utcnow
from server.domain.errors import Conflict, DomainError, NotFound, Unsupported
from server.domain.faces.base_photos import activate_base_photo, usable_base_photo
from server.domain.faces.engine import (
    FaceAnalyser,
    FacePolicy,
    embedding_bytes,
    embedding_vector,
    similarity,
)
from server.domain.faces.models import (
    BasePhoto,
    BasePhotoRequest,
    BasePhotoSource,
    BasePhotoStatus,
    QualityReason,
    RequestStatus,
)


def create_request(
    session: Session,
    actor: Actor,
    data: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
    quotas: photos.UploadQuotas,
) -> BasePhotoRequest:
    """A student's new ID photo; scored by a job, decided by a teacher. So many per candidate
    per window (quotas)."""
    actor.require_role(Role.CANDIDATE)
    quotas.spend(photos.UploadKind.BASE_PHOTO_REQUEST, actor.user_id)  # UPLOAD_RATE_LIMITED
    request = BasePhotoRequest(
        school_id=actor.school_id, student_id=actor.user_id, status=RequestStatus.PENDING
    )
    session.add(request)
    session.flush()
    try:
        request.original_key = photos.store_original(
            storage, data, max_bytes, f"base-photo-requests/{request.id}"
        )
    except DomainError:
        session.rollback()
        raise
    request.photo_key = photos.photo_key(request.original_key)
    session.commit()
    jobs.request_job(
        scheduler, jobs.SCORE_BASE_PHOTO_REQUEST, request.id, job_id=f"photo-request-{request.id}"
    )
    return request


def score_request(
    session: Session,
    request_id: int,
    storage: Storage,
    engine: FaceAnalyser,
    policy: FacePolicy,
    now: datetime | None = None,
) -> BasePhotoRequest:
    """The job: copy, quality and the score against the base photo active now. Idempotent."""
    request = jobs.lock_job_row(session, BasePhotoRequest, request_id, "base photo request")
    if request.scored_at is not None:
        session.commit()
        return request
    assert request.photo_key is not None  # set with the original, before the row was committed
    try:
        data = photos.process_original(
            storage, request.original_key, request.photo_key, policy.long_edge
        )
    except Unsupported:
        # Damaged pixels in an intact file (intake reads headers only): scored as unusable,
        # so the teacher can only reject it. Nothing of it is kept.
        if request.original_key is not None:
            storage.delete(request.original_key)
        request.original_key, request.photo_key = None, None
        request.quality_reason = QualityReason.UNSUPPORTED
        request.scored_at = now or utcnow()
        session.commit()
        return request
    request.original_key = None
    analysis = engine.analyse(data)
    request.quality_reason = analysis.reason
    if analysis.embedding is not None and request.status == RequestStatus.PENDING:
        request.embedding = embedding_bytes(analysis.embedding)
        base = usable_base_photo(session, request.student_id, storage, engine, policy)
        if base is not None:
            assert base.embedding is not None  # usable_base_photo returns one with its embedding
            request.compared_base_photo_id = base.id
            request.score = similarity(analysis.embedding, embedding_vector(base.embedding))
    request.scored_at = now or utcnow()
    session.commit()
    return request


def request_query(actor: Actor, status: RequestStatus | None) -> Select[BasePhotoRequest]:
    actor.require_staff()
    query = (
        select(BasePhotoRequest)
        .options(joinedload(BasePhotoRequest.student))
        .order_by(BasePhotoRequest.id)
    )
    if status:
        query = query.where(BasePhotoRequest.status == status)
    if not actor.is_admin:
        query = query.where(BasePhotoRequest.school_id == actor.school_id)
    return query


def my_requests(session: Session, actor: Actor) -> list[BasePhotoRequest]:
    actor.require_role(Role.CANDIDATE)
    return list(
        session.scalars(
            select(BasePhotoRequest)
            .where(BasePhotoRequest.student_id == actor.user_id)
            .order_by(BasePhotoRequest.id.desc())
            .limit(50)
        )
    )


def get_request(session: Session, actor: Actor, request_id: int) -> BasePhotoRequest:
    return get_visible(session, actor, BasePhotoRequest, request_id)


def decide_request(
    session: Session,
    actor: Actor,
    request_id: int,
    approve: bool,
    note: str | None = None,
    now: datetime | None = None,
) -> BasePhotoRequest:
    """Approve (the photo becomes the active base photo, the old one is kept as replaced) or
    reject (the base photo stays); both record who and when."""
    actor.require_staff()
    request = get_request(session, actor, request_id)
    locked = session.scalar(
        select(BasePhotoRequest)
        .where(BasePhotoRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:  # deleted with its student meanwhile
        raise NotFound("NOT_FOUND")
    request = locked
    if request.status != RequestStatus.PENDING:
        raise Conflict("REQUEST_DECIDED", status=request.status)
    now = now or utcnow()
    if approve:
        if request.scored_at is None:
            raise Conflict("REQUEST_NOT_READY")
        if request.embedding is None:
            raise Conflict("BASE_PHOTO_UNUSABLE", reason=request.quality_reason)
        base = BasePhoto(
            school_id=request.school_id,
            student_id=request.student_id,
            source=BasePhotoSource.REQUEST,
            uploaded_by=actor.user_id,
            photo_key=request.photo_key,
            embedding=request.embedding,
            status=BasePhotoStatus.PROCESSING,
        )
        session.add(base)
        session.flush()
        activate_base_photo(session, base, now)
        request.base_photo_id = base.id
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.embedding = None  # biometric data stays only where it is used: on the base photo
    request.decided_by, request.decided_at, request.decision_note = actor.user_id, now, note
    session.commit()
    return request
