"""Attempt jobs: grading, auto-submit at the deadline or after silence, and the sweep.

Each takes ids only and is idempotent: running it twice, or after the state moved on, is
harmless. Errors propagate, so RQ records the failure and retries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from server.domain import companion, exams, faces, jobs, proctoring
from workers import context
from workers.jobs import job

log = logging.getLogger(__name__)

# Every kind of row that waits for a media job, so the sweep re-queues what Redis lost.
MEDIA_WAITING = (
    faces.WAITING_FACE_CHECKS,
    *faces.WAITING_BASE_PHOTOS,
    proctoring.WAITING_SNAPSHOTS,
    companion.WAITING_ANSWER_PHOTOS,
)


@job(jobs.GRADE_ATTEMPT)
def grade_attempt(attempt_id: int) -> bool:
    with context.session() as session:
        graded = exams.grade_attempt(session, attempt_id, proctoring.settle_result)
    log.info("attempt %s graded=%s", attempt_id, graded)
    return graded


@job(jobs.CHECK_ATTEMPT)
def check_attempt(attempt_id: int) -> str | None:
    """Submit with what was saved once the deadline passed (FAQ 16) or the candidate has been
    silent for ATTEMPT_SILENCE_SECONDS (FAQ 10), then grade; otherwise look again later.
    One chain of these runs per open attempt, started when the attempt starts."""
    reason = _submit_if_due(attempt_id)
    if reason is None:
        with context.session() as session:
            again = exams.next_check(session, attempt_id, context.attempt_policy())
        if again is not None:
            context.job_queue().enqueue(
                jobs.CHECK_ATTEMPT,
                attempt_id,
                job_id=exams.check_job_id(attempt_id, again),
                at=again,
            )
    return reason


def _submit_if_due(attempt_id: int) -> str | None:
    with context.session() as session:
        reason = exams.auto_submit_if_due(session, attempt_id, context.attempt_policy())
    if reason:
        log.info("attempt %s auto-submitted (%s)", attempt_id, reason)
        context.job_queue().enqueue(
            jobs.GRADE_ATTEMPT, attempt_id, job_id=exams.grade_job_id(attempt_id)
        )
    return reason


@job(jobs.SWEEP_ATTEMPTS)
def sweep_attempts() -> dict:
    """The database is the source of truth: whatever Redis remembers, the five steps below run
    in order (each idempotent, each safe to run alone) and their results are reported."""
    submitted = submit_due_attempts()
    regraded = regrade_stuck_attempts()
    requeued = requeue_lost_media_jobs()
    lost = flag_lost_second_cameras()
    silent = flag_silent_webcams()
    if submitted or regraded or requeued or lost or silent:
        log.info(
            "sweep: auto-submitted %s, re-queued grading for %s, media jobs %s, "
            "second cameras lost %s, webcams silent %s",
            submitted,
            regraded,
            requeued,
            lost,
            silent,
        )
    return {
        "auto_submitted": submitted,
        "regraded": regraded,
        "media_requeued": requeued,
        "second_cameras_lost": lost,
        "webcams_silent": silent,
    }


def submit_due_attempts() -> list[int]:
    """Submit, then grade, every open attempt past its deadline or silent for longer than
    ATTEMPT_SILENCE_SECONDS (their scheduled checks may be lost with Redis). The ids submitted
    now; an attempt already submitted is not due any more."""
    with context.session() as session:
        due = exams.due_for_auto_submit(session, context.attempt_policy())
    return [attempt_id for attempt_id in due if _submit_if_due(attempt_id)]


def regrade_stuck_attempts() -> list[int]:
    """Enqueue grading again for attempts still in grading GRADING_RETRY_AFTER_SECONDS after their
    submission. The job id is the attempt's one grading id, and grading an attempt twice is
    harmless. The ids re-queued."""
    with context.session() as session:
        stuck = exams.stuck_in_grading(
            session, timedelta(seconds=context.settings().GRADING_RETRY_AFTER_SECONDS)
        )
    for attempt_id in stuck:
        context.job_queue().enqueue(
            jobs.GRADE_ATTEMPT, attempt_id, job_id=exams.grade_job_id(attempt_id)
        )
    return stuck


def requeue_lost_media_jobs() -> list[str]:
    """Enqueue again the job of every photo, face check and snapshot still waiting after
    GRADING_RETRY_AFTER_SECONDS (Redis may have lost it; a waiting snapshot would hold its result
    in grading), under the job id the request gave it. The job ids re-queued."""
    with context.session() as session:
        media = jobs.stale_jobs(
            session,
            MEDIA_WAITING,
            timedelta(seconds=context.settings().GRADING_RETRY_AFTER_SECONDS),
        )
    for spec, row_id, job_id in media:
        context.job_queue().enqueue(spec, row_id, job_id=job_id)
    return [job_id for _spec, _row_id, job_id in media]


def flag_lost_second_cameras() -> list[int]:
    """Flag (once per silence) the second cameras of open attempts that sent no frame for longer
    than SECOND_CAMERA_GRACE_SECONDS, and tell the desktop. The pairing ids flagged now."""
    with context.session() as session:
        return companion.flag_lost_second_cameras(
            session, context.pairing_policy(), context.event_publisher()
        )


def flag_silent_webcams() -> list[int]:
    """Flag (once per silence) the open attempts of exams with the face check whose desktop sent
    no webcam frame for longer than DESKTOP_SNAPSHOT_GRACE_SECONDS, and tell the desktop. The
    attempt ids flagged now."""
    with context.session() as session:
        return proctoring.flag_silent_webcams(
            session,
            timedelta(seconds=context.settings().DESKTOP_SNAPSHOT_GRACE_SECONDS),
            context.event_publisher(),
        )
