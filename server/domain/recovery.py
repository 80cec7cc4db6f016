"""What the periodic sweep re-queues: media work whose job Redis may have lost.

Every upload is acknowledged once its original is stored and its row committed; the job that
processes it is only a Redis entry. If Redis loses it (a restart without persistence, a flush),
the row stays `processing`/`queued` for ever: a face check that never answers, a result stuck in
grading behind a snapshot. The sweep finds such rows in the database and queues them again; the
jobs are idempotent and their ids dedupe, so a job that was merely slow is not run twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain import jobs
from server.domain.clock import utcnow
from server.domain.models import (
    ANSWER_PHOTO_PROCESSING,
    BASE_PHOTO_PROCESSING,
    FACE_CHECK_QUEUED,
    SNAPSHOT_QUEUED,
    AnswerPhoto,
    BasePhoto,
    BasePhotoRequest,
    FaceCheck,
    Snapshot,
)

# (job, its id prefix as the request path enqueues it, the rows still waiting for it)
_WAITING = (
    (jobs.RUN_FACE_CHECK, "face-check", FaceCheck, FaceCheck.status == FACE_CHECK_QUEUED),
    (jobs.PREPARE_BASE_PHOTO, "base-photo", BasePhoto, BasePhoto.status == BASE_PHOTO_PROCESSING),
    (jobs.SCORE_BASE_PHOTO_REQUEST, "photo-request", BasePhotoRequest, BasePhotoRequest.scored_at.is_(None)),
    (jobs.ANALYSE_SNAPSHOT, "snapshot", Snapshot, Snapshot.status == SNAPSHOT_QUEUED),
    (jobs.PROCESS_ANSWER_PHOTO, "answer-photo", AnswerPhoto, AnswerPhoto.status == ANSWER_PHOTO_PROCESSING),
)


def stale_media_jobs(session: Session, older_than: timedelta, now: datetime | None = None,
                     limit: int = 500) -> list[tuple[jobs.JobSpec, int, str]]:
    """(job, row id, job id) for every media row still waiting after `older_than`."""
    cutoff = (now or utcnow()) - older_than
    found = []
    for spec, prefix, model, waiting in _WAITING:
        ids = session.scalars(select(model.id).where(waiting, model.created_at <= cutoff)
                              .order_by(model.id).limit(limit))
        found += [(spec, row_id, f"{prefix}-{row_id}") for row_id in ids]
    return found
