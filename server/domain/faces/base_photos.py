"""Base photos (底照, FAQ 7, 8): teacher uploads one by one or as a zip, and students' replacement
requests from the phone album that a teacher approves or rejects.

A base photo is processed by a job (upright copy, embedding) before it becomes active; an
unusable one (no single clear face) never replaces a working one. Replaced photos stay, for audit.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from server.adapters.storage import Storage
from server.domain import jobs, photos
from server.domain.actors import Actor, Role, get_visible
from server.domain.clock import utcnow
from server.domain.errors import Conflict, DomainError, InvalidInput, NotFound, TooLarge
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
    RequestStatus,
)
from server.domain.identity import User, get_student

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")


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
    data = photos.process_original(storage, base.original_key, base.photo_key, policy.long_edge)
    base.original_key = None
    analysis = engine.analyse(data)
    if analysis.embedding is None:
        base.status, base.reason = BasePhotoStatus.UNUSABLE, analysis.reason
    else:
        base.embedding = embedding_bytes(analysis.embedding)
        _activate(session, base, now or utcnow())
    session.flush()


def _activate(session: Session, base: BasePhoto, now: datetime) -> None:
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


def _new_base_photo(
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
        base = _new_base_photo(session, student, data, storage, max_bytes, actor.user_id)
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


@dataclass
class ZipFileResult:
    file: str
    student_no: str | None
    status: str  # "accepted" or "error"
    base_photo_id: int | None = None
    code: str | None = None
    reason: str | None = None


@dataclass
class ZipReport:
    files: list[ZipFileResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.files)

    @property
    def accepted(self) -> int:
        return sum(1 for item in self.files if item.status == "accepted")


@dataclass(frozen=True)
class ZipLimits:
    max_files: int
    max_total_bytes: int  # uncompressed, over all photos: zip bombs stop here
    max_photo_bytes: int


def import_base_photo_zip(
    session: Session,
    actor: Actor,
    archive: bytes,
    storage: Storage,
    limits: ZipLimits,
    scheduler: jobs.JobScheduler,
    school_id: int | None = None,
) -> ZipReport:
    """A zip of `<student_no>.jpg` (any folder depth, any accepted photo format): one report line
    per photo file; good ones become base photos being processed, bad ones say why."""
    actor.require_staff()
    school = actor.school_for_new_row(school_id)
    try:
        bundle = zipfile.ZipFile(io.BytesIO(archive))
        members = [info for info in bundle.infolist() if _is_photo_member(info)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InvalidInput("ZIP_BAD_FILE") from None
    if len(members) > limits.max_files:
        raise InvalidInput("ZIP_TOO_MANY_FILES", max_files=limits.max_files)
    if sum(info.file_size for info in members) > limits.max_total_bytes:
        raise TooLarge("UPLOAD_TOO_LARGE", max_bytes=limits.max_total_bytes)
    students = _students_by_number(
        session, school, [_student_no(info.filename) for info in members]
    )
    report = ZipReport()
    queued: list[int] = []
    for info in members:
        report.files.append(
            _import_member(session, bundle, info, students, storage, limits, actor, queued)
        )
    session.commit()
    for base_photo_id in queued:
        jobs.request_job(
            scheduler, jobs.PREPARE_BASE_PHOTO, base_photo_id, job_id=f"base-photo-{base_photo_id}"
        )
    return report


def _import_member(
    session: Session,
    bundle: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    students: dict[str, User],
    storage: Storage,
    limits: ZipLimits,
    actor: Actor,
    queued: list[int],
) -> ZipFileResult:
    student_no = _student_no(info.filename)
    result = ZipFileResult(file=info.filename, student_no=student_no, status="error")
    student = students.get(student_no.upper())
    if student is None:
        result.code, result.reason = (
            "STUDENT_NOT_FOUND",
            "本校没有该学号的学生（文件名应为 学号.jpg）",
        )
        return result
    if info.file_size > limits.max_photo_bytes:
        result.code, result.reason = "UPLOAD_TOO_LARGE", "照片文件过大"
        return result
    try:
        with bundle.open(info) as member:
            data = member.read(limits.max_photo_bytes + 1)  # never trust the declared size
        base = _new_base_photo(
            session, student, data, storage, limits.max_photo_bytes, actor.user_id
        )
    except DomainError as error:
        result.code, result.reason = error.code, error.message
        return result
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        result.code, result.reason = "ZIP_BAD_FILE", "压缩包中的该文件已损坏"
        return result
    queued.append(base.id)
    result.status, result.base_photo_id = "accepted", base.id
    return result


def _is_photo_member(info: zipfile.ZipInfo) -> bool:
    name = info.filename
    base = posixpath.basename(name)
    return (
        not info.is_dir()
        and not name.startswith("__MACOSX/")
        and not base.startswith(".")
        and base.lower().endswith(PHOTO_SUFFIXES)
    )


def _student_no(filename: str) -> str:
    return posixpath.splitext(posixpath.basename(filename))[0].strip()


def _students_by_number(session: Session, school_id: int, numbers: list[str]) -> dict[str, User]:
    wanted = {number.upper() for number in numbers if number}
    if not wanted:
        return {}
    rows = session.scalars(
        select(User).where(User.school_id == school_id, User.role == Role.CANDIDATE)
    )
    return {
        row.student_no.upper(): row
        for row in rows
        if row.student_no and row.student_no.upper() in wanted
    }


# --- replacement requests (FAQ 7: 申请更新底片) ---


def create_request(
    session: Session,
    actor: Actor,
    data: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
) -> BasePhotoRequest:
    """A student's new ID photo; scored by a job, decided by a teacher."""
    actor.require_role(Role.CANDIDATE)
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
    data = photos.process_original(
        storage, request.original_key, request.photo_key, policy.long_edge
    )
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
        _activate(session, base, now)
        request.base_photo_id = base.id
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.embedding = None  # biometric data stays only where it is used: on the base photo
    request.decided_by, request.decided_at, request.decision_note = actor.user_id, now, note
    session.commit()
    return request


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
