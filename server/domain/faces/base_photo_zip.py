"""Base photos in bulk (FAQ 7): a zip of <student number>.jpg files, each stored and queued like a
single upload, with a report per file.

The archive is read where it lies (the API hands over the spooled upload, a temporary file):
only its central directory and one photo at a time are ever in memory. The limits come first,
from the directory, before any photo is inflated: the count, the declared total, and each
photo's declared size (a member never yields more than it declares: zipfile stops there)."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import jobs
from server.domain.actors import Actor, Role
from server.domain.archives import BAD_ARCHIVE_ERRORS, declared_entries
from server.domain.errors import DomainError, InvalidInput, TooLarge
from server.domain.faces.base_photos import new_base_photo
from server.domain.identity import User

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")


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

    @property
    def max_entries(self) -> int:
        """Directory entries of any kind: the photos, and room for folders and the __MACOSX
        twin a Mac adds to each file."""
        return 2 * self.max_files + 1000


def import_base_photo_zip(
    session: Session,
    actor: Actor,
    archive: bytes | IO[bytes],
    storage: Storage,
    limits: ZipLimits,
    scheduler: jobs.JobScheduler,
    school_id: int | None = None,
) -> ZipReport:
    """A zip of `<student_no>.jpg` (any folder depth, any accepted photo format): one report line
    per photo file; good ones become base photos being processed, bad ones say why. `archive`
    is a seekable file (the spooled upload) or bytes."""
    actor.require_staff()
    school = actor.school_for_new_row(school_id)
    if isinstance(archive, bytes | bytearray):
        archive = io.BytesIO(archive)
    try:
        # Before ZipFile makes an object of every directory entry: a 512 MB zip of empty
        # entries would be ten million of them.
        if declared_entries(archive) > limits.max_entries:
            raise InvalidInput("ZIP_TOO_MANY_FILES", max_files=limits.max_files)
        bundle = zipfile.ZipFile(archive)
        members = [info for info in bundle.infolist() if _is_photo_member(info)]
    except BAD_ARCHIVE_ERRORS:
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
        base = new_base_photo(
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
