"""Attempt jobs: grading, auto-submit at the deadline or after silence, and the sweep.

Each takes ids only and is idempotent: running it twice, or after the state moved on, is
harmless. Errors propagate, so RQ records the failure and retries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from server.domain import attempts, grading, jobs, pairing, recovery
from workers import context

log = logging.getLogger(__name__)


def grade_attempt(attempt_id: int) -> bool:
    with context.session() as session:
        graded = grading.grade_attempt(session, attempt_id)
    log.info("attempt %s graded=%s", attempt_id, graded)
    return graded


def check_attempt(attempt_id: int) -> str | None:
    """Submit with what was saved once the deadline passed (FAQ 16) or the candidate has been
    silent for ATTEMPT_SILENCE_SECONDS (FAQ 10), then grade; otherwise look again later.
    One chain of these runs per open attempt, started when the attempt starts."""
    reason = _submit_if_due(attempt_id)
    if reason is None:
        with context.session() as session:
            again = attempts.next_check(session, attempt_id, context.attempt_policy())
        if again is not None:
            context.job_queue().enqueue(jobs.CHECK_ATTEMPT, attempt_id,
                                        job_id=attempts.check_job_id(attempt_id, again), at=again)
    return reason


def _submit_if_due(attempt_id: int) -> str | None:
    with context.session() as session:
        reason = attempts.auto_submit_if_due(session, attempt_id, context.attempt_policy())
    if reason:
        log.info("attempt %s auto-submitted (%s)", attempt_id, reason)
        context.job_queue().enqueue(jobs.GRADE_ATTEMPT, attempt_id, job_id=attempts.grade_job_id(attempt_id))
    return reason


def sweep_attempts() -> dict:
    """The database is the source of truth: submit what is due and grade what is stuck,
    whatever Redis remembers."""
    policy = context.attempt_policy()
    with context.session() as session:
        due = attempts.due_for_auto_submit(session, policy)
    submitted = [attempt_id for attempt_id in due if _submit_if_due(attempt_id)]
    with context.session() as session:
        stuck = attempts.stuck_in_grading(
            session, timedelta(seconds=context.settings().GRADING_RETRY_AFTER_SECONDS))
    for attempt_id in stuck:
        context.job_queue().enqueue(jobs.GRADE_ATTEMPT, attempt_id, job_id=attempts.grade_job_id(attempt_id))
    # Photos and snapshots whose job Redis forgot (a snapshot would hold its result in grading).
    with context.session() as session:
        media = recovery.stale_media_jobs(session, timedelta(seconds=context.settings().GRADING_RETRY_AFTER_SECONDS))
    for spec, row_id, job_id in media:
        context.job_queue().enqueue(spec, row_id, job_id=job_id)
    with context.session() as session:
        lost = pairing.flag_lost_second_cameras(session, context.pairing_policy(), context.event_publisher())
    requeued = [job_id for _spec, _row_id, job_id in media]
    if submitted or stuck or requeued or lost:
        log.info("sweep: auto-submitted %s, re-queued grading for %s, media jobs %s, second cameras lost %s",
                 submitted, stuck, requeued, lost)
    return {"auto_submitted": submitted, "regraded": stuck, "media_requeued": requeued, "second_cameras_lost": lost}
