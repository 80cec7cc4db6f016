"""The one place jobs are enqueued: by dotted name, with timeouts, retries and a JSON serializer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from rq import Queue, Retry
from rq.job import Job
from rq.serializers import JSONSerializer

QUEUE_NAMES = ("high", "default", "low")


@dataclass(frozen=True)
class JobPolicy:
    queue: str = "default"
    timeout: int = 120
    retries: int = 3
    retry_intervals: tuple[int, ...] = (5, 30, 120)


class JobQueue:
    def __init__(self, connection: Redis) -> None:
        self._connection = connection

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self._connection, serializer=JSONSerializer)

    def enqueue(
        self,
        function: str,
        *args: int | str,
        policy: JobPolicy = JobPolicy(),
        job_id: str | None = None,
        at: datetime | None = None,
    ) -> Job:
        """Enqueue `function` (a dotted name in workers.jobs) with ids only.

        A job_id makes the enqueue idempotent: the same work is never queued twice.
        """
        options = dict(
            args=args,
            job_id=job_id,
            job_timeout=policy.timeout,
            retry=Retry(max=policy.retries, interval=list(policy.retry_intervals)) if policy.retries else None,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
        queue = self.queue(policy.queue)
        if at is not None:
            return queue.enqueue_at(at, function, **options)
        return queue.enqueue(function, **options)
