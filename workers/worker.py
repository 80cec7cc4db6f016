"""RQ worker process start-up.

    python -m workers.worker [--with-scheduler] [QUEUE ...]
    python -m workers.worker --media

The database engine is created lazily and disposed before every fork, so no connection
crosses into a job's work horse (RQ forks one per job).

`--media` serves the face-check and photo queues (faces first: RQ takes from its queues in the
order given) without forking: the face models are loaded and warmed once, at start, and every
job of the process uses them (ONNX Runtime's thread pools do not survive a fork, and loading the
models per job would cost more than the job).
"""

from __future__ import annotations

import argparse
import logging

from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.serializers import JSONSerializer
from sqlalchemy import text
from sqlalchemy.orm import configure_mappers

from server.adapters.queue import QUEUE_NAMES
from server.domain import photos
from server.domain.jobs import MEDIA_QUEUES
from workers import context


class ExamWorker(Worker):
    """A worker that drops pooled DB connections before forking the work horse."""

    def fork_work_horse(self, job, queue):
        context.dispose_engine()
        return super().fork_work_horse(job, queue)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Exam Cloud RQ worker")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument(
        "--with-scheduler",
        action="store_true",
        help="also move scheduled jobs (run exactly one of these)",
    )
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument(
        "--media",
        action="store_true",
        help="serve the face-check and photo queues in-process with the face models loaded",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = context.settings()
    connection = Redis.from_url(settings.REDIS_URL)
    worker_class: type[SimpleWorker | Worker]
    if args.media:
        from server.adapters import faces

        faces.warm_up(settings.FACE_MODEL_DIR, settings.FACE_DET_SIZE)
        photos.warm_up()
        # No fork here: open the database (driver, engine, ORM mappers) now, not in the first job.
        configure_mappers()
        with context.session() as session:
            session.execute(text("SELECT 1"))
        worker_class, queue_names = SimpleWorker, list(MEDIA_QUEUES)
    else:
        context.session_factory()  # the engine exists once; it is disposed before every fork
        worker_class, queue_names = ExamWorker, args.queues
    queues = [Queue(name, connection=connection, serializer=JSONSerializer) for name in queue_names]
    worker = worker_class(queues, connection=connection, serializer=JSONSerializer)
    worker.work(with_scheduler=args.with_scheduler, burst=args.burst)


if __name__ == "__main__":
    main()
