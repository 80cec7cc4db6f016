"""kill -9 the API worker and the RQ worker in the middle of saves and grading: nothing
acknowledged is lost, and every score is computed exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlalchemy import select

from infra.services import API_COMMAND, free_port, stop_process, wait_for_port
from server.domain.exams import Attempt, AttemptQuestion
from server.domain.identity import default_password
from tests.conftest import make_settings, service_env, wait_until
from tests.factories import SAMPLE_BANK, SAMPLE_RULE

pytestmark = pytest.mark.slow
CANDIDATES = 16
SAVES_EACH = 40


def children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def test_kill_9_loses_no_acknowledged_save_and_grades_once(service_urls, factory, app):
    settings = make_settings(service_urls, GRADING_RETRY_AFTER_SECONDS=2, SWEEP_INTERVAL_SECONDS=1)
    env = service_env(settings)
    school = factory.school()
    students = [factory.student(school) for _ in range(CANDIDATES)]
    exam = factory.exam(school, students=students)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)

    port = free_port()
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    api = subprocess.Popen(
        list(API_COMMAND),
        cwd=root,
        env={**env, "PORT": str(port), "WEB_CONCURRENCY": "2"},
    )
    worker = cron = None
    try:
        wait_for_port(port, timeout=60, process=api)
        base = f"http://127.0.0.1:{port}/api/v1"
        sessions = []
        for student in students:
            http = requests.Session()
            login = http.post(
                f"{base}/auth/login",
                json={
                    "username": student.student_no,
                    "password": default_password(student.id_number),
                },
                timeout=10,
            )
            http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            attempt = http.post(f"{base}/exams/{exam.id}/attempts", timeout=10).json()
            sessions.append((http, attempt["attempt_id"]))

        acknowledged: dict[tuple[int, int], tuple[int, object]] = {}
        sent: dict[tuple[int, int, int], object] = {}
        lock = threading.Lock()

        def candidate(http: requests.Session, attempt_id: int, rng: random.Random) -> None:
            for seq in range(1, SAVES_EACH + 1):
                n = rng.randint(1, 5)
                answer = f"第{seq}次作答"
                if n == 1:
                    answer = rng.choice(["A", "B"])
                elif n == 2:
                    answer = rng.choice([["A"], ["A", "C"]])
                elif n == 3:
                    answer = rng.choice([True, False])
                elif n == 4:
                    answer = [rng.choice(["3.14", "3"]), "H2O"]
                with lock:
                    sent[(attempt_id, n, seq)] = answer
                for _try in range(20):  # a client retries until acknowledged, as the desktop does
                    try:
                        response = http.put(
                            f"{base}/attempts/{attempt_id}/answers/{n}",
                            json={"answer": answer, "client_seq": seq},
                            timeout=10,
                        )
                    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                        # The worker died mid-answer: not acknowledged, so the client sends it
                        # again.
                        time.sleep(0.1)
                        continue
                    if response.status_code == 200:
                        with lock:
                            previous = acknowledged.get((attempt_id, n), (0, None))
                            if seq > previous[0]:
                                acknowledged[(attempt_id, n)] = (seq, answer)
                        break
                    assert response.status_code >= 500, response.text  # only server deaths may fail
                    time.sleep(0.1)
                else:
                    raise AssertionError("a save was never acknowledged")

        threads = [
            threading.Thread(target=candidate, args=(http, attempt_id, random.Random(attempt_id)))
            for http, attempt_id in sessions
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        for pid in children_of(
            api.pid
        ):  # both gunicorn workers die mid-burst; the master respawns them
            os.kill(pid, signal.SIGKILL)
        for thread in threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in threads)

        # Submit the first half, kill -9 the RQ worker (and its work horse) while it grades.
        worker = subprocess.Popen(
            [sys.executable, "-m", "workers.worker", "--with-scheduler"],
            env=env,
            start_new_session=True,
        )
        time.sleep(2.0)
        submitted = [attempt_id for _, attempt_id in sessions[: CANDIDATES // 2]]
        for http, attempt_id in sessions[: CANDIDATES // 2]:
            assert http.post(f"{base}/attempts/{attempt_id}/submit", timeout=10).status_code == 200
        # Kill it as soon as grading is under way: the first result is out, the rest are not.
        with app.app_context():

            def grading_started():
                factory.session.expire_all()
                return factory.session.scalars(
                    select(Attempt.id).where(
                        Attempt.id.in_(submitted), Attempt.result_status == "published"
                    )
                ).first()

            wait_until(grading_started, timeout=30, interval=0.01)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        with app.app_context():
            cut_off = factory.session.scalars(
                select(Attempt.id).where(
                    Attempt.id.in_(submitted), Attempt.result_status == "grading"
                )
            ).all()
        assert cut_off, (
            "the worker finished all grading before it was killed; nothing was exercised"
        )

        # Restart: a worker and the sweep finish whatever was cut off.
        worker = subprocess.Popen(
            [sys.executable, "-m", "workers.worker", "--with-scheduler"], env=env
        )
        cron = subprocess.Popen([sys.executable, "-m", "workers.cron"], env=env)
        with app.app_context():
            session = factory.session

            def all_published():
                session.expire_all()
                rows = session.scalars(select(Attempt).where(Attempt.id.in_(submitted))).all()
                return all(row.result_status == "published" for row in rows) and rows

            rows = wait_until(all_published, timeout=60, interval=0.5)
            assert [row.grading_runs for row in rows] == [1] * len(submitted)

            for (attempt_id, n), (seq, _answer) in acknowledged.items():
                stored = session.scalar(
                    select(AttemptQuestion).where(
                        AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == n
                    )
                )
                # A save may have landed while its response was lost: never older than acknowledged,
                # and always exactly what the client sent with that seq.
                assert stored.saved_seq >= seq
                expected = sent[(attempt_id, n, stored.saved_seq)]
                assert stored.answer == expected or stored.answer == _canonical(expected)
            assert len(acknowledged) >= CANDIDATES * 4
    finally:
        for process in (cron, worker, api):
            if process is not None:
                stop_process(process)


def _canonical(answer):
    if isinstance(answer, list) and all(key in "ABC" for key in answer):
        return sorted(answer)
    return answer
