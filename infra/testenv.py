"""Run a command with real PostgreSQL, Redis and S3 (SeaweedFS) on free ports, then stop them.

    python -m infra.testenv -- pytest -q

The command sees TEST_DATABASE_URL, TEST_REDIS_URL and TEST_S3_ENDPOINT_URL,
TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY, TEST_S3_BUCKET.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from infra.services import postgres_server, redis_server, seaweed_s3


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
        s3 = stack.enter_context(seaweed_s3())
        env = dict(
            os.environ,
            TEST_DATABASE_URL=database_url,
            TEST_REDIS_URL=redis_url,
            TEST_S3_ENDPOINT_URL=s3["endpoint_url"],
            TEST_S3_ACCESS_KEY_ID=s3["access_key_id"],
            TEST_S3_SECRET_ACCESS_KEY=s3["secret_access_key"],
            TEST_S3_BUCKET=s3["bucket"],
        )
        print(
            f"test services: PostgreSQL {database_url}  Redis {redis_url}  S3 {s3['endpoint_url']}",
            flush=True,
        )
        try:
            return subprocess.call(argv, env=env)
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
