"""The background work the domain asks for: which job function, on which queue, with what limits.

Code enqueues a job by its JobSpec below, never by a name of its own, through a JobScheduler
(server.adapters.queue.JobQueue, the one enqueue helper). Job functions live in workers.jobs,
which the server never imports: a spec names its function by dotted path, and the function is
bound to its spec with workers.jobs.job, which checks at import that the path is its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from server.domain.clock import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    function: str  # the job function's dotted path, in workers.jobs
    queue: str = "default"
    timeout: int = 120
    retry_intervals: tuple[int, ...] = (5, 30, 120)


GRADE_ATTEMPT = JobSpec("workers.jobs.attempts.grade_attempt", queue="high", timeout=120)
CHECK_ATTEMPT = JobSpec("workers.jobs.attempts.check_attempt", queue="high", timeout=60)
# The sweep runs again on its own schedule; a failed one is not retried.
SWEEP_ATTEMPTS = JobSpec(
    "workers.jobs.attempts.sweep_attempts", queue="default", timeout=300, retry_intervals=()
)

# Photos and faces run on their own queues, served by workers that keep the face models loaded
# (workers.worker --media): the models load once per process, not per job. Entry face checks
# have a queue of their own that those workers take from first (RQ serves its queues in
# order): on exam morning a candidate at the door never waits behind everyone's snapshots.
FACES_QUEUE = "faces"
MEDIA_QUEUE = "media"
MEDIA_QUEUES = (FACES_QUEUE, MEDIA_QUEUE)  # what a media worker serves, in this order
PREPARE_BASE_PHOTO = JobSpec("workers.jobs.faces.prepare_base_photo", queue=MEDIA_QUEUE, timeout=60)
RUN_FACE_CHECK = JobSpec(
    "workers.jobs.faces.run_face_check", queue=FACES_QUEUE, timeout=60, retry_intervals=(2, 10, 30)
)
SCORE_BASE_PHOTO_REQUEST = JobSpec(
    "workers.jobs.faces.score_base_photo_request", queue=MEDIA_QUEUE, timeout=60
)
PROCESS_ANSWER_PHOTO = JobSpec(
    "workers.jobs.photos.process_answer_photo",
    queue=MEDIA_QUEUE,
    timeout=60,
    retry_intervals=(2, 10, 30),
)
ANALYSE_SNAPSHOT = JobSpec(
    "workers.jobs.proctoring.analyse_snapshot", queue=MEDIA_QUEUE, timeout=60
)


class JobScheduler(Protocol):
    def enqueue(
        self, spec: JobSpec, *args: int | str, job_id: str | None = None, at: datetime | None = None
    ) -> object: ...


def request_job(
    scheduler: JobScheduler,
    spec: JobSpec,
    *args: int | str,
    job_id: str | None = None,
    at: datetime | None = None,
) -> bool:
    """Enqueue from a request path. If Redis is down the request still succeeds: the database
    holds the state and the periodic sweep enqueues what is missing."""
    try:
        scheduler.enqueue(spec, *args, job_id=job_id, at=at)
        return True
    except Exception:  # any Redis/RQ failure; logged, the sweep recovers
        log.warning(
            "could not enqueue %s%s; the sweep will catch up", spec.function, args, exc_info=True
        )
        return False


class _HasId(Protocol):
    """A mapped class with an integer `id` column."""

    id: ClassVar[InstrumentedAttribute[int]]


Row = TypeVar("Row", bound=_HasId)


def lock_job_row(session: Session, model: type[Row], row_id: int, what: str) -> Row:
    """The row a job works on, locked until its commit: a duplicate run of the job waits, then
    finds the work done. LookupError (the job fails, RQ records it) when the row is gone."""
    row = session.scalar(select(model).where(model.id == row_id).with_for_update())
    if row is None:
        raise LookupError(f"{what} {row_id} does not exist")
    return row


@dataclass(frozen=True)
class WaitingRows:
    """Rows that wait for a media job. Every upload is acknowledged once its original is stored
    and its row committed; the job that processes it is only a Redis entry. If Redis loses it (a
    restart without persistence, a flush), the sweep enqueues it again from these rows."""

    job: JobSpec
    id_prefix: str  # the job id is f"{id_prefix}-{row id}", as the request path enqueues it
    model: Any  # a mapped class with id and created_at
    waiting: ColumnElement[bool]


def stale_jobs(
    session: Session,
    waiting: Iterable[WaitingRows],
    older_than: timedelta,
    now: datetime | None = None,
    limit: int = 500,
) -> list[tuple[JobSpec, int, str]]:
    """(job, row id, job id) for every row still waiting after `older_than`."""
    cutoff = (now or utcnow()) - older_than
    found = []
    for rows in waiting:
        model = rows.model
        ids = session.scalars(
            select(model.id)
            .where(rows.waiting, model.created_at <= cutoff)
            .order_by(model.id)
            .limit(limit)
        )
        found += [(rows.job, row_id, f"{rows.id_prefix}-{row_id}") for row_id in ids]
    return found
