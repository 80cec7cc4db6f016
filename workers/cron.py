"""The periodic sweep: enqueue jobs.SWEEP_ATTEMPTS every SWEEP_INTERVAL_SECONDS.

    python -m workers.cron

Run exactly one. The schedule lives in this process, not in Redis, so a Redis that lost its
data (and with it the scheduled auto-submits) is swept again within one interval. Job ids are
per interval, so a second copy of this process would not double the work.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from server.domain import jobs
from workers import context

log = logging.getLogger("workers.cron")


def run(stop: threading.Event) -> None:
    interval = context.settings().SWEEP_INTERVAL_SECONDS
    while not stop.is_set():
        slot = int(time.time() // interval)
        try:
            context.job_queue().enqueue(jobs.SWEEP_ATTEMPTS, job_id=f"sweep-{slot}")
        except Exception:  # Redis down: keep ticking, the next interval tries again
            log.exception("could not enqueue the sweep")
        stop.wait(interval - time.time() % interval)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("sweeping every %ss", context.settings().SWEEP_INTERVAL_SECONDS)
    run(stop)


if __name__ == "__main__":
    main()
