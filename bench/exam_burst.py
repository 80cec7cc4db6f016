"""Exam-start burst against the real gunicorn server and PostgreSQL.

    .venv/bin/python -m bench.exam_burst [--candidates 300] [--seconds 30]

(1) Open loop: N candidates start their attempts, then each saves an answer every second and
    fetches a question every 5 seconds. Latency is measured from the moment a request was due,
    not sent, so a slow server cannot hide its queue. Prints p50/p99 and errors.
(2) Saturated autosave throughput as a ratio to GET /healthz, both measured now, closed loop.

Bars (issue 3, on the 2-core machine): p99 < 150 ms with 0 errors at 300 candidates;
saturated autosave >= 0.25 of /healthz.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.http_client import Pool

ROOT = Path(__file__).resolve().parent.parent
P99_BAR_MS = 150.0
RATIO_BAR = 0.25


def seed(database_url: str, candidates: int) -> tuple[int, list[tuple[str, str]]]:
    """A school, N enrolled candidates, an open exam with a 5-question paper."""
    from tests.factories import SAMPLE_BANK, SAMPLE_RULE

    return seed_exam(database_url, candidates, SAMPLE_BANK, SAMPLE_RULE)


def seed_exam(
    database_url: str, candidates: int, bank: list[dict], rule: list[dict], prefix: str = "B"
) -> tuple[int, list[tuple[str, str]]]:
    """A school, N enrolled candidates (student numbers `<prefix>00000`...), an open exam without
    a face check whose course bank is `bank` and paper rule `rule`; (exam id, logins)."""
    from server.domain import catalogue, exams
    from server.domain.actors import Actor, Role
    from server.domain.clock import utcnow
    from server.domain.database import make_engine, make_session_factory
    from server.domain.identity import School, User, default_password
    from tests.factories import valid_id

    session = make_session_factory(make_engine(database_url))()
    admin = Actor(user_id=0, role="admin", school_id=None)
    school = School(name="压测学校")
    session.add(school)
    session.commit()
    students = [
        User(
            role=Role.CANDIDATE,
            school_id=school.id,
            student_no=f"{prefix}{n:05d}",
            id_number=valid_id(n, birth=f"2004{1 + n // 1000 % 12:02d}01"),
            name="考生",
        )
        for n in range(candidates)
    ]
    session.add_all(students)
    session.commit()
    batch = catalogue.create_batch(session, admin, "压测批", school.id)
    course = catalogue.create_course(session, admin, "BENCH", "压测课程", school.id)
    now = utcnow()
    exam = catalogue.create_exam(
        session,
        admin,
        catalogue.ExamDraft(
            batch_id=batch.id,
            course_id=course.id,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=2),
            duration_minutes=120,
            face_check_required=False,
        ),
    )
    catalogue.enrol(session, admin, exam.id, [s.id for s in students])
    for raw in bank:
        exams.add_question(session, admin, course.id, raw)
    exams.set_paper_rule(session, admin, exam.id, rule)
    credentials = [(s.student_no, default_password(s.id_number)) for s in students]
    session.close()
    return exam.id, credentials


ANSWERS = {1: "B", 2: ["A", "C"], 3: True, 4: ["3.14", "H2O"], 5: "作答内容"}


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"save": [], "fetch": []}
        self.errors: dict[str, int] = {"save": 0, "fetch": 0}
        self.timeline: list[tuple[float, float]] = []  # (due, latency) of every request

    def report_timeline(self, start: float, seconds: int, step: int = 5) -> None:
        for window in range(0, seconds + 1, step):
            values = sorted(
                latency for due, latency in self.timeline if window <= due - start < window + step
            )
            if values:
                print(
                    f"    t={window:3d}-{window + step:<3d}s  "
                    f"p50 {statistics.median(values) * 1000:7.1f} ms  "
                    f"p99 {values[int(len(values) * 0.99)] * 1000:7.1f} ms"
                )

    def report(self, name: str) -> tuple[float, float]:
        values = sorted(self.latencies[name])
        p50 = statistics.median(values) * 1000
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
        print(
            f"  {name:5s}: {len(values):6d} requests  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"errors {self.errors[name]}"
        )
        return p50, p99


async def candidate(
    pool: Pool,
    token: str,
    attempt_id: int,
    start: float,
    seconds: int,
    rng: random.Random,
    recorder: Recorder,
) -> None:
    # Candidates are not in lockstep: each has its own phase for saves and for fetches.
    save_offset, fetch_offset = rng.random(), rng.random() * 5
    tasks = []
    for tick in range(seconds):
        n = rng.randint(1, 5)
        tasks.append(
            asyncio.create_task(
                timed(
                    pool,
                    recorder,
                    "save",
                    start + save_offset + tick,
                    "PUT",
                    f"/api/v1/attempts/{attempt_id}/answers/{n}",
                    {"answer": ANSWERS[n], "client_seq": tick + 1},
                    token,
                )
            )
        )
    for tick in range(0, seconds, 5):
        tasks.append(
            asyncio.create_task(
                timed(
                    pool,
                    recorder,
                    "fetch",
                    start + fetch_offset + tick,
                    "GET",
                    f"/api/v1/attempts/{attempt_id}/questions/{rng.randint(1, 5)}",
                    None,
                    token,
                )
            )
        )
    await asyncio.gather(*tasks)


async def timed(pool, recorder, name, due, method, path, body, token):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, due - loop.time()))
    try:
        status, _ = await pool.request(method, path, body, token)
        ok = status == 200
    except Exception:
        ok = False
    recorder.latencies[name].append(loop.time() - due)
    recorder.timeline.append((due, loop.time() - due))
    if not ok:
        recorder.errors[name] += 1


async def open_loop(port: int, exam_id: int, credentials, seconds: int) -> Recorder:
    pools = [Pool("127.0.0.1", port) for _ in credentials]
    started = time.perf_counter()
    sessions = await asyncio.gather(
        *(
            login_and_start(pool, exam_id, user, password)
            for pool, (user, password) in zip(pools, credentials, strict=True)
        )
    )
    print(
        f"  {len(credentials)} candidates logged in and started in "
        f"{time.perf_counter() - started:.1f} s"
    )
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    start = loop.time() + 1.0
    rng = random.Random(7)
    await asyncio.gather(
        *(
            candidate(
                pool, token, attempt_id, start, seconds, random.Random(rng.random()), recorder
            )
            for pool, (token, attempt_id) in zip(pools, sessions, strict=True)
        )
    )
    recorder.start = start
    return recorder


async def login_and_start(
    pool: Pool, exam_id: int, username: str, password: str
) -> tuple[str, int]:
    status, body = await pool.request(
        "POST", "/api/v1/auth/login", {"username": username, "password": password}
    )
    assert status == 200, body
    token = body["access_token"]
    status, body = await pool.request("POST", f"/api/v1/exams/{exam_id}/attempts", None, token)
    assert status == 200, body
    return token, body["attempt_id"]


async def saturate(port: int, make_request, concurrency: int, seconds: float) -> float:
    """Requests per second with `concurrency` clients back to back."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def client(index: int) -> None:
        nonlocal done
        pool = Pool("127.0.0.1", port)
        counter = 0
        while time.perf_counter() < deadline:
            counter += 1
            status, _ = await pool.request(*make_request(index, counter))
            assert status == 200, status
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(concurrency)))
    return done / (time.perf_counter() - started)


async def throughput(
    port: int, exam_id: int, credentials, seconds: float, concurrency: int
) -> tuple[float, float]:
    sessions = [
        await login_and_start(Pool("127.0.0.1", port), exam_id, user, password)
        for user, password in credentials[:concurrency]
    ]
    base_seq = 1_000_000  # above anything the open-loop phase used

    def save_request(index: int, counter: int):
        token, attempt_id = sessions[index]
        return (
            "PUT",
            f"/api/v1/attempts/{attempt_id}/answers/3",
            {"answer": counter % 2 == 0, "client_seq": base_seq + counter},
            token,
        )

    health = await saturate(port, lambda i, c: ("GET", "/healthz"), concurrency, seconds)
    saves = await saturate(port, save_request, concurrency, seconds)
    return health, saves


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--saturate-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gevent workers")
    parser.add_argument("--timeline", action="store_true", help="latency per 5-second window")
    args = parser.parse_args()

    from infra.services import (
        API_COMMAND,
        free_port,
        postgres_server,
        redis_server,
        stop_process,
        wait_for_port,
    )
    from server.database_setup import upgrade

    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_server("examcloud_bench"))
        redis_url = stack.enter_context(redis_server())
        upgrade(database_url)
        exam_id, credentials = seed(database_url, args.candidates)
        port = free_port()
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            PORT=str(port),
            SECRET_KEY="bench-secret-key-0123456789-0123456789",
            WEB_CONCURRENCY=str(args.workers),
            LOGIN_ADDRESS_LIMIT="100000 per minute",
        )
        server = subprocess.Popen(
            list(API_COMMAND),
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(stop_process, server)
        wait_for_port(port, timeout=60, process=server)
        print(
            f"exam burst: {args.candidates} candidates, {args.seconds} s, "
            f"gunicorn {args.workers} gevent workers, PostgreSQL, {os.cpu_count()} cores"
        )
        print("(1) open loop: a save every second and a fetch every 5 seconds per candidate")
        # The load generator's own GC pauses would show up as server latency: none while measuring.
        gc.collect()
        gc.disable()
        recorder = asyncio.run(open_loop(port, exam_id, credentials, args.seconds))
        gc.enable()
        _, save_p99 = recorder.report("save")
        _, fetch_p99 = recorder.report("fetch")
        if args.timeline:
            recorder.report_timeline(recorder.start, 4, step=1)
            recorder.report_timeline(recorder.start, args.seconds)
        errors = sum(recorder.errors.values())
        print(f"(2) saturated, {args.concurrency} connections, {args.saturate_seconds:.0f} s each")
        health, saves = asyncio.run(
            throughput(port, exam_id, credentials, args.saturate_seconds, args.concurrency)
        )
        ratio = saves / health
        print(f"  /healthz {health:8.0f} req/s (anchor)")
        print(f"  autosave {saves:8.0f} req/s   ratio {ratio:.2f}")
        passed = max(save_p99, fetch_p99) < P99_BAR_MS and errors == 0 and ratio >= RATIO_BAR
        print(
            f"bars: p99 < {P99_BAR_MS:.0f} ms with 0 errors, autosave/healthz >= {RATIO_BAR}: "
            f"{'PASS' if passed else 'FAIL'}"
        )
        return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
