"""Proctoring (FAQ 3, 18): webcam snapshots analysed for flags, and the teacher's review.

A flagged attempt's score is withheld (`pending_review`) until a teacher approves it
(`published`) or rejects it (`rejected`). Snapshots accepted before the submit still count: the
result stays `grading` until every one of them is analysed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.domain import events, faces, jobs, photos
from server.domain.actors import ROLE_CANDIDATE, Actor
from server.domain.clock import utcnow
from server.domain.errors import Conflict, NotFound
from server.domain.exams import (
    ATTEMPT_IN_PROGRESS,
    Attempt,
    lock_attempt,
)
from server.domain.faces import FaceAnalyser, FacePolicy, embedding_vector, similarity
from server.domain.proctoring.flags import (
    ANOTHER_PERSON,
    CAMERA_BLOCKED,
    LOW_LIGHT,
    NO_FACE,
    NOT_CANDIDATE,
    flag_event,
)
from server.domain.proctoring.models import (
    SNAPSHOT_ANALYSED,
    SNAPSHOT_DESKTOP,
    SNAPSHOT_QUEUED,
    ProctorFlag,
    Snapshot,
)
from server.domain.proctoring.reviews import settle_result

# A frame darker than this (mean luma 0-255) is a covered or black camera (FAQ 3), not just a
# dim room; between it and the face engine's too_dark threshold it is low light.
BLACK_FRAME_LUMINANCE = 12.0


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
        base = faces.usable_base_photo(session, attempt.student_id, storage, engine, policy)
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


# Snapshots whose analysis Redis may have lost: each holds its attempt's result in grading.
WAITING_SNAPSHOTS = jobs.WaitingRows(jobs.ANALYSE_SNAPSHOT, "snapshot", Snapshot,
                                     Snapshot.status == SNAPSHOT_QUEUED)
