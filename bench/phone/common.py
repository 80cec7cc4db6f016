"""Shared by the phone bench's parts: seeding, the processes under test and their CPU time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.http_client import Connection

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = "bench-secret-key-0123456789-0123456789"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def verdict_line(passed: bool, text: str) -> str:
    return f"  {'PASS' if passed else 'FAIL'}  {text}"


# --- seeding and services ---


def seed(database_url: str, candidates: int, questions: int) -> tuple[int, list[tuple[str, str]]]:
    """A school, N enrolled candidates, an open exam whose paper is `questions` essay questions."""
    from bench.exam_burst import seed_exam

    bank = [
        {
            "type": "essay",
            "stem": f"第 {k + 1} 题：写出推导过程并拍照上传。",
            "answer": "要点",
            "score": 5,
        }
        for k in range(questions)
    ]
    return seed_exam(
        database_url,
        candidates,
        bank,
        [{"type": "essay", "count": questions, "score": 5}],
        prefix="P",
    )


def count_pairings(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pairings")).scalar_one()


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a backend that has gone
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def service_pids(database_url: str, redis_url: str) -> list[int]:
    """This run's PostgreSQL (the postmaster and its backends) and Redis, found by their ports."""
    from urllib.parse import urlsplit

    def pgrep(pattern: str) -> list[int]:
        found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
        return [int(pid) for pid in found.split()]

    postmasters = pgrep(f"postgres.* -p {urlsplit(database_url).port} ")
    redis = pgrep(f"redis-server.*:{urlsplit(redis_url).port}")
    return postmasters + [child for pid in postmasters for child in children(pid)] + redis


async def login_all(
    port: int, exam_id: int, credentials, parallel: int = 16
) -> list[tuple[str, int]]:
    """Every candidate logs in once and starts the attempt: (token, attempt id)."""
    gate = asyncio.Semaphore(parallel)

    async def one(username: str, password: str) -> tuple[str, int]:
        async with gate:
            connection = Connection("127.0.0.1", port)
            try:
                status, body = await connection.request(
                    "POST", "/api/v1/auth/login", {"username": username, "password": password}
                )
                assert status == 200, body
                token = body["access_token"]
                status, body = await connection.request(
                    "POST", f"/api/v1/exams/{exam_id}/attempts", None, token
                )
                assert status == 200, body
                return token, body["attempt_id"]
            finally:
                connection.close()

    return await asyncio.gather(*(one(user, password) for user, password in credentials))


def cpu_by_group(pids: dict[str, list[int]]) -> dict[str, float]:
    return {name: cpu_seconds(group) for name, group in pids.items()}


@dataclass
class Stack:
    """The processes under test, as one run starts them."""

    port: int
    database_url: str
    redis_url: str
    storage: str
    server: subprocess.Popen
    media: list[subprocess.Popen] = field(default_factory=list)
    exam_id: int = 0
    credentials: list[tuple[str, str]] = field(default_factory=list)

    def pids(self, media: bool = True) -> dict[str, list[int]]:
        groups = {"web": children(self.server.pid)}
        if media:
            groups["media"] = [process.pid for process in self.media]
        groups["services"] = service_pids(self.database_url, self.redis_url)
        groups["bench"] = [os.getpid()]
        return groups


@contextlib.contextmanager
def running_stack(args, media_workers: int, qr_base_url: str):
    """PostgreSQL, Redis, the fake WeChat server, gunicorn and `media_workers` media workers,
    seeded with an open exam (see the package docstring); stopped on exit."""
    from infra.services import (
        API_COMMAND,
        free_port,
        postgres_server,
        redis_server,
        stop_process,
        wait_for_port,
    )
    from server.database_setup import upgrade
    from tests.fakes.wechat import APPID, SECRET, FakeWeChatServer

    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_server("examcloud_phone"))
        redis_url = stack.enter_context(redis_server())
        wechat = stack.enter_context(FakeWeChatServer())
        storage = stack.enter_context(tempfile.TemporaryDirectory(prefix="examcloud-phone-"))
        upgrade(database_url)
        exam_id, credentials = seed(database_url, args.candidates, args.questions)
        port = free_port()
        # The codes encode <PUBLIC_BASE_URL>/m/<scene>: a school's address, as in
        # bench/qr_render.py.
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            SECRET_KEY=SECRET_KEY,
            STORAGE_LOCAL_DIR=storage,
            PUBLIC_BASE_URL=qr_base_url,
            WECHAT_APPID=APPID,
            WECHAT_SECRET=SECRET,
            WECHAT_API_BASE=wechat.base_url,
            # A candidate's photo quota (60 per 10 minutes) would stop the capacity loop, which
            # sends one candidate's photos back to back; quotas are not what is measured.
            ANSWER_PHOTO_LIMIT="1000000 per minute",
        )
        server = subprocess.Popen(
            list(API_COMMAND),
            cwd=ROOT,
            env=dict(
                env,
                PORT=str(port),
                WEB_CONCURRENCY=str(args.workers),
                LOGIN_ADDRESS_LIMIT="100000 per minute",
            ),
            stderr=subprocess.DEVNULL,
        )
        stack.callback(stop_process, server)
        media = []
        if media_workers:
            log = stack.enter_context(open(Path(storage) / "media-workers.log", "wb"))
            for _ in range(media_workers):
                profile = getattr(args, "profile_dir", None)
                module = "bench.phone.profiled_worker" if profile else "workers.worker"
                process = subprocess.Popen(
                    [sys.executable, "-m", module, "--media"],
                    cwd=ROOT,
                    env=dict(env, BENCH_PROFILE_DIR=profile or ""),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                stack.callback(stop_process, process)
                media.append(process)
        wait_for_port(port, timeout=60, process=server)
        if media:
            from redis import Redis
            from rq import Worker

            deadline = time.monotonic() + 120
            while Worker.count(connection=Redis.from_url(redis_url)) < len(media):
                assert time.monotonic() < deadline, "the media workers did not start"
                assert all(process.poll() is None for process in media), "a media worker exited"
                time.sleep(0.2)
        yield Stack(port, database_url, redis_url, storage, server, media, exam_id, credentials)
