"""Proctoring (FAQ 3, 18): webcam snapshots analysed for flags, and the teacher's review.

A flagged attempt's score is withheld (`pending_review`) until a teacher approves it
(`published`) or rejects it (`rejected`). Snapshots accepted before the submit still count: the
result stays `grading` until every one of them is analysed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload, selectinload

from server.adapters.storage import Storage
from server.domain import base_photos, events, jobs, photos
from server.domain.actors import Actor, get_visible
from server.domain.attempts import lock_attempt
from server.domain.clock import utcnow
from server.domain.errors import Conflict, InvalidInput, NotFound
from server.domain.faces import FaceAnalyser, FacePolicy, embedding_vector, similarity
from server.domain.models import (
    ATTEMPT_IN_PROGRESS,
    ATTEMPT_SUBMITTED,
    RESULT_GRADING,
    RESULT_PENDING_REVIEW,
    RESULT_PUBLISHED,
    RESULT_REJECTED,
    ROLE_CANDIDATE,
    SNAPSHOT_ANALYSED,
    SNAPSHOT_DESKTOP,
    SNAPSHOT_QUEUED,
    Attempt,
    IntegrityEvent,
    ProctorFlag,
    Snapshot,
)

# Flag kinds, with what the teacher reads in the review queue.
LOW_LIGHT = "low_light"
CAMERA_BLOCKED = "camera_blocked"
NO_FACE = "no_face"
ANOTHER_PERSON = "another_person"
NOT_CANDIDATE = "not_candidate"
SECOND_CAMERA_LOST = "second_camera_lost"
REMOTE_CONTROL = "remote_control"
VIRTUAL_DEVICE = "virtual_device"
FLAG_LABELS = {
    LOW_LIGHT: "光线拍摄不足",
    CAMERA_BLOCKED: "摄像头被遮挡或黑屏",
    NO_FACE: "画面中没有考生",
    ANOTHER_PERSON: "其他人员入镜",
    NOT_CANDIDATE: "疑似非本人考试",
    SECOND_CAMERA_LOST: "第二机位（手机）中断",
    REMOTE_CONTROL: "考试中检测到远程控制(e-01)",
    VIRTUAL_DEVICE: "考试中检测到虚拟设备(e-02)",
}
# A frame darker than this (mean luma 0-255) is a covered or black camera (FAQ 3), not just a
# dim room; between it and the face engine's too_dark threshold it is low light.
BLACK_FRAME_LUMINANCE = 12.0

# What the desktop client may report during an attempt, and the flag each one raises.
CLIENT_EVENT_FLAGS = {
    "e-01": REMOTE_CONTROL,
    "e-02": VIRTUAL_DEVICE,
    "camera_black": CAMERA_BLOCKED,
    "camera_missing": CAMERA_BLOCKED,
    "focus_lost": None,
    "fullscreen_exit": None,
}

DECISION_APPROVE = "approve"
DECISION_REJECT = "reject"


# --- snapshots ---


def _answering_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The candidate's own attempt, open, on this computer."""
    actor.require_role(ROLE_CANDIDATE)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")
    if attempt.status != ATTEMPT_IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    if attempt.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    return attempt


def accept_snapshot(session: Session, attempt: Attempt, data: bytes, storage: Storage, max_bytes: int,
                    scheduler: jobs.JobScheduler, source: str) -> Snapshot:
    """Store the frame and queue its analysis. The attempt row is locked so a concurrent submit
    either sees this snapshot queued (and waits for it) or refuses it."""
    attempt = lock_attempt(session, attempt.id)
    if attempt.status != ATTEMPT_IN_PROGRESS:
        session.rollback()
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    snapshot = Snapshot(school_id=attempt.school_id, attempt_id=attempt.id, source=source)
    session.add(snapshot)
    session.flush()
    try:
        snapshot.original_key = photos.store_original(
            storage, data, max_bytes, f"snapshots/{attempt.id}/{snapshot.id}")
    except Exception:
        session.rollback()
        raise
    session.commit()
    jobs.request_job(scheduler, jobs.ANALYSE_SNAPSHOT, snapshot.id, job_id=f"snapshot-{snapshot.id}")
    return snapshot


def desktop_snapshot(session: Session, actor: Actor, attempt_id: int, data: bytes, storage: Storage,
                     max_bytes: int, scheduler: jobs.JobScheduler) -> Snapshot:
    attempt = _answering_attempt(session, actor, attempt_id)
    return accept_snapshot(session, attempt, data, storage, max_bytes, scheduler, SNAPSHOT_DESKTOP)


@dataclass(frozen=True)
class Finding:
    kind: str | None  # the flag to raise, or None
    detail: dict


def judge_frame(analysis, base_embedding, threshold: float) -> Finding:
    """What a proctoring frame shows, from the face engine's analysis of it."""
    detail = {"reason": analysis.reason, "faces": analysis.faces,
              "luminance": None if analysis.luminance is None else round(float(analysis.luminance), 1)}
    if analysis.reason == "too_dark":
        dark = analysis.luminance is not None and analysis.luminance < BLACK_FRAME_LUMINANCE
        return Finding(CAMERA_BLOCKED if dark else LOW_LIGHT, detail)
    if analysis.reason == "no_face":
        return Finding(NO_FACE, detail)
    if analysis.reason == "multiple_faces":
        return Finding(ANOTHER_PERSON, detail)
    if analysis.embedding is None or base_embedding is None:
        return Finding(None, detail)  # blurry or small: not evidence of anything
    score = similarity(analysis.embedding, base_embedding)
    detail["score"] = round(score, 4)
    return Finding(NOT_CANDIDATE if score < threshold else None, detail)


def analyse_snapshot(session: Session, snapshot_id: int, storage: Storage, engine: FaceAnalyser,
                     policy: FacePolicy, publisher: events.EventPublisher | None = None,
                     now: datetime | None = None) -> Snapshot:
    """The job: flag what the frame shows, keep it only as evidence, settle the result."""
    now = now or utcnow()
    snapshot = jobs.lock_job_row(session, Snapshot, snapshot_id, "snapshot")
    if snapshot.status != SNAPSHOT_QUEUED:
        session.commit()
        return snapshot
    attempt = session.get(Attempt, snapshot.attempt_id)
    output_key = photos.photo_key(snapshot.original_key) if snapshot.original_key else None
    frame = photos.process_original(storage, snapshot.original_key, output_key, policy.long_edge)
    snapshot.original_key = None
    analysis = engine.analyse(frame)
    base_embedding = None
    if analysis.embedding is not None:
        base = base_photos.usable_base_photo(session, attempt.student_id, storage, engine, policy)
        base_embedding = embedding_vector(base.embedding) if base is not None else None
    finding = judge_frame(analysis, base_embedding, policy.threshold)
    flag = None
    if finding.kind is not None:
        snapshot.photo_key = output_key
        flag = ProctorFlag(school_id=attempt.school_id, attempt_id=attempt.id, kind=finding.kind,
                           snapshot_id=snapshot.id, evidence_key=output_key,
                           detail={**finding.detail, "source": snapshot.source}, created_at=now)
        session.add(flag)
    else:
        storage.delete(output_key)  # an unremarkable frame is not kept (biometric data)
    snapshot.findings = finding.detail
    snapshot.status, snapshot.analysed_at = SNAPSHOT_ANALYSED, now
    session.flush()
    settle_result(session, attempt.id)
    session.commit()
    if flag is not None and publisher is not None:
        publisher.publish(attempt.id, events.FLAG_RAISED, flag_event(flag))
    return snapshot


def flag_event(flag: ProctorFlag) -> dict:
    return {"id": flag.id, "kind": flag.kind, "label": FLAG_LABELS.get(flag.kind, flag.kind),
            "created_at": flag.created_at.isoformat()}


def raise_flag(session: Session, attempt: Attempt, kind: str, detail: dict | None = None,
               now: datetime | None = None) -> ProctorFlag:
    """A flag without a photo (client reports, a silent second camera); the caller commits."""
    flag = ProctorFlag(school_id=attempt.school_id, attempt_id=attempt.id, kind=kind,
                       detail=detail or {}, created_at=now or utcnow())
    session.add(flag)
    session.flush()
    settle_result(session, attempt.id)
    return flag


# --- client-reported integrity events during an attempt ---


def report_client_event(session: Session, actor: Actor, attempt_id: int, code: str, detail: dict,
                        client_address: str | None) -> tuple[IntegrityEvent, ProctorFlag | None]:
    actor.require_role(ROLE_CANDIDATE)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")
    if code not in CLIENT_EVENT_FLAGS:
        raise InvalidInput("VALIDATION_ERROR", errors={"code": [f"未知的事件代码，可选：{', '.join(CLIENT_EVENT_FLAGS)}"]})
    event = IntegrityEvent(school_id=attempt.school_id, user_id=actor.user_id, code=code,
                           detail={**detail, "attempt_id": attempt.id}, client_address=client_address)
    session.add(event)
    flag = None
    kind = CLIENT_EVENT_FLAGS[code]
    if kind is not None and attempt.status == ATTEMPT_IN_PROGRESS:
        flag = raise_flag(session, attempt, kind, {"reported_by": "client", "code": code})
    session.commit()
    return event, flag


# --- results and review ---


def settle_result(session: Session, attempt_id: int) -> str | None:
    """Move a graded attempt's result to what the proctoring evidence allows; the caller commits.

    grading while snapshots are still being analysed; then the teacher's decision if there is
    one; pending_review if anything was flagged; published otherwise.

    The attempt is locked and re-read: grading and a snapshot's analysis run at once on two
    workers, and whichever settles second must see what the first committed (an attempt read
    before grading committed would leave the result in grading for good).
    """
    attempt = lock_attempt(session, attempt_id)
    if attempt is None or attempt.status != ATTEMPT_SUBMITTED or attempt.graded_at is None:
        return None
    if attempt.review_decision == DECISION_APPROVE:
        status = RESULT_PUBLISHED
    elif attempt.review_decision == DECISION_REJECT:
        status = RESULT_REJECTED
    elif session.scalar(select(exists().where(Snapshot.attempt_id == attempt.id,
                                              Snapshot.status == SNAPSHOT_QUEUED))):
        status = RESULT_GRADING
    elif session.scalar(select(exists().where(ProctorFlag.attempt_id == attempt.id))):
        status = RESULT_PENDING_REVIEW
    else:
        status = RESULT_PUBLISHED
    attempt.result_status = status
    return status


def review_query(actor: Actor, status: str | None):
    """Flagged attempts of the teacher's school: `pending` ones wait for a decision."""
    actor.require_staff()
    query = (select(Attempt).options(selectinload(Attempt.flags), joinedload(Attempt.student))
             .where(exists().where(ProctorFlag.attempt_id == Attempt.id)).order_by(Attempt.id))
    if status == "pending":
        query = query.where(Attempt.result_status == RESULT_PENDING_REVIEW)
    elif status == "decided":
        query = query.where(Attempt.review_decision.is_not(None))
    if not actor.is_admin:
        query = query.where(Attempt.school_id == actor.school_id)
    return query


def review_attempt(session: Session, actor: Actor, attempt_id: int, decision: str, note: str | None,
                   now: datetime | None = None) -> Attempt:
    """Approve (the score is published) or reject (the result is void) a flagged attempt."""
    actor.require_staff()
    attempt = get_visible(session, actor, Attempt, attempt_id)
    attempt = lock_attempt(session, attempt.id)
    if attempt.result_status != RESULT_PENDING_REVIEW:
        session.rollback()
        raise Conflict("REVIEW_NOT_PENDING", result_status=attempt.result_status)
    attempt.review_decision = decision
    attempt.review_note = note
    attempt.reviewed_by, attempt.reviewed_at = actor.user_id, now or utcnow()
    settle_result(session, attempt.id)
    session.commit()
    return attempt
