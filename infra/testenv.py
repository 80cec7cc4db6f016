"""Run a command with real PostgreSQL and Redis started on free ports, then stop them.

    python -m infra.testenv -- pytest -q

The command sees TEST_DATABASE_URL and TEST_REDIS_URL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from infra.services import postgres_server, redis_server


def interrupt(_signum, _frame):
    """SIGTERM unwinds like Ctrl-C, so the context managers stop every service."""
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: python -m infra.testenv -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, interrupt)
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_server("examcloud_test"))
        redis_url = stack.enter_context(redis_server())
        env = dict(os.environ, TEST_DATABASE_URL=database_url, TEST_REDIS_URL=redis_url)
        print(f"test services: PostgreSQL {database_url}  Redis {redis_url}", flush=True)
        try:
            return subprocess.call(argv, env=env)
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
