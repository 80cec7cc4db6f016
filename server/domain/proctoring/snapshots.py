"""Proctoring (FAQ 3, 18): webcam snapshots analysed for flags, and the teacher's review.

A flagged attempt's score is withheld (`pending_review`) until a teacher approves it
(`published`) or rejects it (`rejected`). Snapshots accepted before the submit still count: the
result stays `grading` until every one of them is analysed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from server.adapters.faces import FaceAnalysis
from server.adapters.storage import Storage
from server.domain import events, faces, jobs, photos
from server.domain.actors import Actor, Role
from server.domain.catalogue import Exam
from server.domain.clock import utcnow
from server.domain.errors import Conflict, NotFound, Unsupported
from server.domain.events import EventType
from server.domain.exams import (
    Attempt,
    AttemptStatus,
    relock_attempt,
)
from server.domain.faces import (
    FaceAnalyser,
    FacePolicy,
    QualityReason,
    embedding_vector,
    similarity,
)
from server.domain.proctoring.flags import flag_event, raise_flag
from server.domain.proctoring.models import (
    FlagKind,
    ProctorFlag,
    Snapshot,
    SnapshotSource,
    SnapshotStatus,
)
from server.domain.proctoring.reviews import settle_result

# A frame darker than this (mean luma 0-255) is a covered or black camera (FAQ 3), not just a
# dim room; between it and the face engine's too_dark threshold it is low light.
BLACK_FRAME_LUMINANCE = 12.0


# --- snapshots ---


def _answering_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The candidate's own attempt, open, on this computer."""
    actor.require_role(Role.CANDIDATE)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    if attempt.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    return attempt


def accept_snapshot(
    session: Session,
    attempt: Attempt,
    data: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
    source: SnapshotSource,
) -> Snapshot:
    """Store the frame and queue its analysis. The attempt row is locked so a concurrent submit
    either sees this snapshot queued (and waits for it) or refuses it."""
    attempt = relock_attempt(session, attempt)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        session.rollback()
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    snapshot = Snapshot(school_id=attempt.school_id, attempt_id=attempt.id, source=source)
    session.add(snapshot)
    session.flush()
    try:
        snapshot.original_key = photos.store_original(
            storage, data, max_bytes, f"snapshots/{attempt.id}/{snapshot.id}"
        )
    except Exception:
        session.rollback()
        raise
    session.commit()
    jobs.request_job(
        scheduler, jobs.ANALYSE_SNAPSHOT, snapshot.id, job_id=f"snapshot-{snapshot.id}"
    )
    return snapshot


def desktop_snapshot(
    session: Session,
    actor: Actor,
    attempt_id: int,
    data: bytes,
    storage: Storage,
    max_bytes: int,
    scheduler: jobs.JobScheduler,
    quotas: photos.UploadQuotas,
) -> Snapshot:
    attempt = _answering_attempt(session, actor, attempt_id)
    quotas.spend(photos.UploadKind.DESKTOP_SNAPSHOT, actor.user_id)  # UPLOAD_RATE_LIMITED
    return accept_snapshot(
        session, attempt, data, storage, max_bytes, scheduler, SnapshotSource.DESKTOP
    )


@dataclass(frozen=True)
class Finding:
    kind: FlagKind | None  # the flag to raise, or None
    detail: dict[str, object]


def judge_frame(
    analysis: FaceAnalysis, base_embedding: NDArray[np.float32] | None, threshold: float
) -> Finding:
    """What a proctoring frame shows, from the face engine's analysis of it."""
    detail: dict[str, object] = {
        "reason": analysis.reason,
        "faces": analysis.faces,
        "luminance": None if analysis.luminance is None else round(float(analysis.luminance), 1),
    }
    if analysis.reason == QualityReason.TOO_DARK:
        dark = analysis.luminance is not None and analysis.luminance < BLACK_FRAME_LUMINANCE
        return Finding(FlagKind.CAMERA_BLOCKED if dark else FlagKind.LOW_LIGHT, detail)
    if analysis.reason == QualityReason.NO_FACE:
        return Finding(FlagKind.NO_FACE, detail)
    if analysis.reason == QualityReason.MULTIPLE_FACES:
        return Finding(FlagKind.ANOTHER_PERSON, detail)
    if analysis.embedding is None or base_embedding is None:
        return Finding(None, detail)  # blurry or small: not evidence of anything
    score = similarity(analysis.embedding, base_embedding)
    detail["score"] = round(score, 4)
    return Finding(FlagKind.NOT_CANDIDATE if score < threshold else None, detail)


def analyse_snapshot(
    session: Session,
    snapshot_id: int,
    storage: Storage,
    engine: FaceAnalyser,
    policy: FacePolicy,
    publisher: events.EventPublisher | None = None,
    now: datetime | None = None,
) -> Snapshot:
    """The job: flag what the frame shows, keep it only as evidence, settle the result."""
    now = now or utcnow()
    snapshot = jobs.lock_job_row(session, Snapshot, snapshot_id, "snapshot")
    if snapshot.status != SnapshotStatus.QUEUED:
        session.commit()
        return snapshot
    attempt = session.get_one(Attempt, snapshot.attempt_id)
    assert snapshot.original_key is not None  # stored before the snapshot was committed queued
    output_key = photos.photo_key(snapshot.original_key)
    try:
        frame = photos.process_original(
            storage, snapshot.original_key, output_key, policy.long_edge
        )
    except Unsupported as error:
        # Damaged pixels in an intact file (intake reads headers only): nothing to analyse.
        # Recorded as such, so the result does not wait for it.
        storage.delete(snapshot.original_key)
        snapshot.original_key = None
        snapshot.findings = {"reason": error.extra.get("reason", "unreadable")}
        snapshot.status, snapshot.analysed_at = SnapshotStatus.ANALYSED, now
        session.flush()
        settle_result(session, attempt.id)
        session.commit()
        return snapshot
    snapshot.original_key = None
    analysis = engine.analyse(frame)
    base_embedding = None
    if analysis.embedding is not None:
        base = faces.usable_base_photo(session, attempt.student_id, storage, engine, policy)
        if base is not None:
            assert base.embedding is not None  # usable_base_photo returns one with its embedding
            base_embedding = embedding_vector(base.embedding)
    finding = judge_frame(analysis, base_embedding, policy.threshold)
    flag = None
    if finding.kind is not None:
        snapshot.photo_key = output_key
        flag = ProctorFlag(
            school_id=attempt.school_id,
            attempt_id=attempt.id,
            kind=finding.kind,
            snapshot_id=snapshot.id,
            evidence_key=output_key,
            detail={**finding.detail, "source": snapshot.source},
            created_at=now,
        )
        session.add(flag)
    else:
        storage.delete(output_key)  # an unremarkable frame is not kept (biometric data)
    snapshot.findings = finding.detail
    snapshot.status, snapshot.analysed_at = SnapshotStatus.ANALYSED, now
    session.flush()
    settle_result(session, attempt.id)
    session.commit()
    if flag is not None and publisher is not None:
        publisher.publish(attempt.id, EventType.FLAG_RAISED, flag_event(flag))
    return snapshot


# --- a desktop webcam that went quiet ---


def flag_silent_webcams(
    session: Session,
    grace: timedelta,
    publisher: events.EventPublisher | None,
    now: datetime | None = None,
) -> list[int]:
    """Open attempts of proctored exams (face_check_required) whose desktop sent no webcam frame
    for longer than `grace` (it sends one a minute): one webcam_silent flag per silence, counted
    from the last desktop frame, or from the start when none came. The teacher reviews it with
    the last frame's time and the desktop's last sign of life (a power cut looks different from
    a webcam switched off while answering). The attempt ids flagged now."""
    now = now or utcnow()
    last_frame = (
        select(func.max(Snapshot.created_at))
        .where(Snapshot.attempt_id == Attempt.id, Snapshot.source == SnapshotSource.DESKTOP)
        .scalar_subquery()
    )
    quiet_since = func.coalesce(last_frame, Attempt.started_at)
    flagged_since = exists().where(
        ProctorFlag.attempt_id == Attempt.id,
        ProctorFlag.kind == FlagKind.WEBCAM_SILENT,
        ProctorFlag.created_at >= quiet_since,
    )
    silent = session.execute(
        select(Attempt, last_frame.label("last_frame"))
        .join(Exam, Exam.id == Attempt.exam_id)
        .where(
            Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.deadline > now,
            Exam.face_check_required.is_(True),
            quiet_since < now - grace,
            ~flagged_since,
        )
        .order_by(Attempt.id)
        .with_for_update(of=Attempt, key_share=True, skip_locked=True)
    ).all()
    flags = []
    for attempt, last in silent:
        detail = {
            "last_snapshot_at": last.isoformat() if last is not None else None,
            "last_seen_at": attempt.last_seen_at.isoformat(),
            "grace_seconds": int(grace.total_seconds()),
        }
        flags.append(raise_flag(session, attempt, FlagKind.WEBCAM_SILENT, detail, now))
    session.commit()
    if publisher is not None:
        for flag in flags:
            publisher.publish(flag.attempt_id, EventType.FLAG_RAISED, flag_event(flag))
    return [flag.attempt_id for flag in flags]


# Snapshots whose analysis Redis may have lost: each holds its attempt's result in grading.
WAITING_SNAPSHOTS = jobs.WaitingRows(
    jobs.ANALYSE_SNAPSHOT, "snapshot", Snapshot, Snapshot.status == SnapshotStatus.QUEUED
)
