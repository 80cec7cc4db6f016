"""The one enqueue helper: RQ queues with a JSON serializer, timeouts, retries and job ids."""

from __future__ import annotations

from datetime import datetime

from redis import Redis
from rq import Queue, Retry
from rq.job import Job
from rq.serializers import JSONSerializer

# What a plain worker serves (workers.worker); media workers serve the media queue.
QUEUE_NAMES = ("high", "default")


class JobQueue:
    def __init__(self, connection: Redis) -> None:
        self._connection = connection

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self._connection, serializer=JSONSerializer)

    def enqueue(
        self, spec, *args: int | str, job_id: str | None = None, at: datetime | None = None
    ) -> Job:
        """Enqueue `spec.function` (a dotted name) with ids only, now or at `at`.

        `spec` is a server.domain.jobs.JobSpec, never a name. A job_id makes the enqueue idempotent.
        """
        if isinstance(spec, str):
            raise TypeError(f"enqueue a server.domain.jobs JobSpec, not a name: {spec!r}")
        options = dict(
            args=args,
            job_id=job_id,
            job_timeout=spec.timeout,
            retry=Retry(max=len(spec.retry_intervals), interval=list(spec.retry_intervals))
            if spec.retry_intervals
            else None,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
        queue = self.queue(spec.queue)
        if at is not None:
            return queue.enqueue_at(at, spec.function, **options)
        return queue.enqueue(spec.function, **options)
