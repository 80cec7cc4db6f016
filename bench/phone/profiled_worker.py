"""A media worker under cProfile (bench.phone --profile-media), CPU time only and only once it
works its queues (the models' warm-up is left out): when RQ's warm shutdown (SIGTERM) ends it,
it writes its profile to $BENCH_PROFILE_DIR/media-<pid>.prof, so a run can show where the
jobs' CPU went."""

from __future__ import annotations

import cProfile
import os
import sys
import time

from rq import SimpleWorker

from workers.worker import main


def run() -> None:
    profiler = cProfile.Profile(time.process_time)
    work = SimpleWorker.work

    def profiled_work(self, *args, **kwargs):
        profiler.enable()
        try:
            return work(self, *args, **kwargs)
        finally:
            profiler.disable()
            folder = os.environ["BENCH_PROFILE_DIR"]
            profiler.dump_stats(os.path.join(folder, f"media-{os.getpid()}.prof"))

    SimpleWorker.work = profiled_work  # type: ignore[method-assign]
    main(["--media"])


def top(folder: str, lines: int = 45) -> None:
    """The profiles' functions by cumulative CPU time, all workers together."""
    import pstats

    files = [os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".prof")]
    if files:
        print("media workers' CPU by function (cProfile, cumulative, all workers):")
        pstats.Stats(*files, stream=sys.stdout).sort_stats("cumulative").print_stats(lines)


if __name__ == "__main__":
    run()
