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
MEDIA_WAITING = (faces.WAITING_FACE_CHECKS, *faces.WAITING_BASE_PHOTOS, proctoring.WAITING_SNAPSHOTS,
                 companion.WAITING_ANSWER_PHOTOS)


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
            context.job_queue().enqueue(jobs.CHECK_ATTEMPT, attempt_id,
                                        job_id=exams.check_job_id(attempt_id, again), at=again)
    return reason


def _submit_if_due(attempt_id: int) -> str | None:
    with context.session() as session:
        reason = exams.auto_submit_if_due(session, attempt_id, context.attempt_policy())
    if reason:
        log.info("attempt %s auto-submitted (%s)", attempt_id, reason)
        context.job_queue().enqueue(jobs.GRADE_ATTEMPT, attempt_id, job_id=exams.grade_job_id(attempt_id))
    return reason


@job(jobs.SWEEP_ATTEMPTS)
def sweep_attempts() -> dict:
    """The database is the source of truth: submit what is due and grade what is stuck,
    whatever Redis remembers."""
    policy = context.attempt_policy()
    with context.session() as session:
        due = exams.due_for_auto_submit(session, policy)
    submitted = [attempt_id for attempt_id in due if _submit_if_due(attempt_id)]
    with context.session() as session:
        stuck = exams.stuck_in_grading(
            session, timedelta(seconds=context.settings().GRADING_RETRY_AFTER_SECONDS))
    for attempt_id in stuck:
        context.job_queue().enqueue(jobs.GRADE_ATTEMPT, attempt_id, job_id=exams.grade_job_id(attempt_id))
    # Photos and snapshots whose job Redis forgot (a snapshot would hold its result in grading).
    with context.session() as session:
        media = jobs.stale_jobs(session, MEDIA_WAITING,
                               timedelta(seconds=context.settings().GRADING_RETRY_AFTER_SECONDS))
    for spec, row_id, job_id in media:
        context.job_queue().enqueue(spec, row_id, job_id=job_id)
    with context.session() as session:
        lost = companion.flag_lost_second_cameras(session, context.pairing_policy(), context.event_publisher())
    requeued = [job_id for _spec, _row_id, job_id in media]
    if submitted or stuck or requeued or lost:
        log.info("sweep: auto-submitted %s, re-queued grading for %s, media jobs %s, second cameras lost %s",
                 submitted, stuck, requeued, lost)
    return {"auto_submitted": submitted, "regraded": stuck, "media_requeued": requeued, "second_cameras_lost": lost}
