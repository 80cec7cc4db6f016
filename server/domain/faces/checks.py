"""Face check at exam entry (FAQ 6, 7, 8, 9): a live capture against the student's base photo.

The request stores the capture and answers at once (202); a job on the faces queue (served
before the proctoring media) runs the face engine and records the verdict, which the candidate
polls or receives on the event stream. Starting an exam that requires it, or moving the attempt
to another computer, needs a recent check passed by that login session (that computer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import events, jobs, photos
from server.domain.actors import Actor, Role, get_visible
from server.domain.catalogue import Exam
from server.domain.clock import utcnow
from server.domain.errors import Forbidden, Unsupported
from server.domain.events import EventType
from server.domain.exams import Attempt, my_exam
from server.domain.faces import base_photos
from server.domain.faces.engine import FaceAnalyser, FacePolicy, embedding_vector, similarity
from server.domain.faces.models import (
    FaceCheck,
    FaceCheckReason,
    FaceCheckStatus,
)

# What the candidate is told for each outcome, in the FAQ's words, and the FAQ entry.
REASON_MESSAGES: dict[FaceCheckReason, tuple[str, int]] = {
    FaceCheckReason.NO_FACE: (
        "没有检测到人脸：请确定电脑有摄像头，并且摄像头是可用的状态，正对摄像头后重试",
        6,
    ),
    FaceCheckReason.MULTIPLE_FACES: ("画面中有多张人脸：识别时镜头前只能有考生本人", 7),
    FaceCheckReason.TOO_DARK: ("光线不足：请参照识别时的提示，进行坐姿、光线的调整后重试", 7),
    FaceCheckReason.BLURRY: ("照片模糊：请保持不动，进行坐姿、光线的调整后重试", 7),
    FaceCheckReason.FACE_TOO_SMALL: ("人脸太小：请靠近摄像头，进行坐姿的调整后重试", 7),
    FaceCheckReason.MISMATCH: (
        "识别失败：请确定考生与底片为同一人，参照识别时的提示，进行坐姿、光线的调整；"
        "如还不能识别请与老师联系，在确认本人的情况下，申请更新底片",
        7,
    ),
    FaceCheckReason.NO_BASE_PHOTO: ("没有底照：请与学校老师联系，请老师更新上传学生相片", 8),
    FaceCheckReason.UNSUPPORTED: ("抓拍照片保存失败：请确认网络情况，退出后再进入重试", 9),
}
PASSED_MESSAGE = "人脸识别通过"


def message_for(
    status: FaceCheckStatus, reason: FaceCheckReason | None
) -> tuple[str | None, int | None]:
    if status == FaceCheckStatus.PASSED:
        return PASSED_MESSAGE, None
    if reason is None:
        return None, None
    return REASON_MESSAGES.get(reason, REASON_MESSAGES[FaceCheckReason.UNSUPPORTED])


# --- the request ---


def request_face_check(
    session: Session,
    actor: Actor,
    exam_id: int,
    capture: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
    quotas: photos.UploadQuotas,
) -> FaceCheck:
    """Store the capture and queue the check; without any base photo it fails at once (FAQ 8)
    and the capture is not kept. The check is this login session's: it admits only the computer
    that sent it (FaceCheckGate). Each candidate may send so many per window (quotas)."""
    actor.require_role(Role.CANDIDATE)
    entry = my_exam(session, actor, exam_id)  # NOT_FOUND / NOT_ENROLLED
    quotas.spend(photos.UploadKind.FACE_CHECK, actor.user_id)  # UPLOAD_RATE_LIMITED
    check = FaceCheck(
        school_id=entry.exam.school_id,
        exam_id=entry.exam.id,
        student_id=actor.user_id,
        session_id=actor.session_id or None,
    )
    if base_photos.current_base_photo(session, actor.user_id) is None:
        photos.inspect_upload(capture, max_bytes)  # bad input is still a clear 413/415
        check.status, check.reason = FaceCheckStatus.FAILED, FaceCheckReason.NO_BASE_PHOTO
        check.completed_at = utcnow()
        session.add(check)
        session.commit()
        return check
    session.add(check)
    session.flush()
    check.original_key = photos.store_original(
        storage, capture, max_bytes, f"face-checks/{check.id}", failure_code="CAPTURE_SAVE_FAILED"
    )
    check.photo_key = photos.photo_key(check.original_key)
    session.commit()
    jobs.request_job(scheduler, jobs.RUN_FACE_CHECK, check.id, job_id=f"face-check-{check.id}")
    return check


def get_face_check(session: Session, actor: Actor, check_id: int) -> FaceCheck:
    return get_visible(session, actor, FaceCheck, check_id)


# --- the job ---


def run_face_check(
    session: Session,
    check_id: int,
    storage: Storage,
    engine: FaceAnalyser,
    policy: FacePolicy,
    publisher: events.EventPublisher | None = None,
    now: datetime | None = None,
) -> FaceCheck:
    """Decide a queued check; a check already decided is returned as it is (idempotent)."""
    check = jobs.lock_job_row(session, FaceCheck, check_id, "face check")
    if check.status != FaceCheckStatus.QUEUED:
        session.commit()
        return check
    assert check.photo_key is not None  # set with the original, before the row was committed
    try:
        capture = photos.process_original(
            storage, check.original_key, check.photo_key, policy.long_edge
        )
    except Unsupported:
        # Damaged pixels in an intact file (intake reads headers only): the capture cannot be
        # used (FAQ 9: take it again), and its original is not kept.
        if check.original_key is not None:
            storage.delete(check.original_key)
        check.original_key = None
        check.status, check.reason = FaceCheckStatus.FAILED, FaceCheckReason.UNSUPPORTED
    else:
        check.original_key = None
        _decide(session, check, capture, storage, engine, policy)
    check.completed_at = now or utcnow()
    session.commit()
    if publisher is not None:
        attempt_id = session.scalar(
            select(Attempt.id).where(
                Attempt.exam_id == check.exam_id, Attempt.student_id == check.student_id
            )
        )
        if attempt_id is not None:
            publisher.publish(attempt_id, EventType.FACE_CHECK, face_check_event(check))
    return check


def _decide(
    session: Session,
    check: FaceCheck,
    capture: bytes,
    storage: Storage,
    engine: FaceAnalyser,
    policy: FacePolicy,
) -> None:
    """The verdict on a processed capture: its face against the active base photo's."""
    base = base_photos.usable_base_photo(session, check.student_id, storage, engine, policy)
    if base is None:
        check.status, check.reason = FaceCheckStatus.FAILED, FaceCheckReason.NO_BASE_PHOTO
        return
    check.base_photo_id = base.id
    analysis = engine.analyse(capture)
    if analysis.embedding is None:
        assert analysis.reason is not None  # a frame without an embedding says why
        check.status, check.reason = FaceCheckStatus.FAILED, FaceCheckReason(analysis.reason)
        return
    assert base.embedding is not None  # usable_base_photo returns one with its embedding
    check.score = similarity(analysis.embedding, embedding_vector(base.embedding))
    passed = check.score >= policy.threshold
    check.status = FaceCheckStatus.PASSED if passed else FaceCheckStatus.FAILED
    check.reason = None if passed else FaceCheckReason.MISMATCH


def face_check_event(check: FaceCheck) -> dict[str, object]:
    message, faq = message_for(check.status, check.reason)
    return {
        "id": check.id,
        "status": check.status,
        "reason": check.reason,
        "score": check.score,
        "message": message,
        "faq": faq,
    }


@dataclass(frozen=True)
class FaceCheckGate:
    """The face check asked before an exam starts or moves to another computer (FAQ 6-10): a
    check passed within `valid_for` by the same login session admits; exams with
    face_check_required off skip it.

    Bound to the session, so a pass on one computer never lets another login of the candidate
    (an accomplice's PC) start or take over the attempt: the check proves who sits at the
    computer that sent the capture, and only there. A candidate whose computer died logs in on
    another one and passes a check there (FAQ 10: resuming works, with a check).
    """

    valid_for: timedelta

    def require(
        self, session: Session, exam: Exam, student_id: int, session_id: str, now: datetime
    ) -> None:
        if not exam.face_check_required:
            return
        passed = (
            session.scalar(
                select(FaceCheck.id)
                .where(
                    FaceCheck.exam_id == exam.id,
                    FaceCheck.student_id == student_id,
                    FaceCheck.session_id == session_id,
                    FaceCheck.status == FaceCheckStatus.PASSED,
                    FaceCheck.completed_at >= now - self.valid_for,
                )
                .limit(1)
            )
            if session_id  # a token without a session never matches a check
            else None
        )
        if passed is None:
            raise Forbidden("FACE_CHECK_REQUIRED")


# Face checks whose job Redis may have lost (the sweep re-queues them).
WAITING_FACE_CHECKS = jobs.WaitingRows(
    jobs.RUN_FACE_CHECK, "face-check", FaceCheck, FaceCheck.status == FaceCheckStatus.QUEUED
)
