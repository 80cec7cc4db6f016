"""`make run`'s orchestrator: embedded Redis, SQLite, gunicorn, an RQ worker; all stopped on
SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from infra.services import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def start(var_dir: Path, port: int) -> subprocess.Popen:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
    }
    env.update(
        EXAM_VAR_DIR=str(var_dir), PORT=str(port), EXAM_ADMIN_PASSWORD="", WEB_CONCURRENCY="1"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "infra.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def read_until(process: subprocess.Popen, marker: str, timeout: float = 90) -> str:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("".join(lines))


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def stop_and_check_nothing_left(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(60) == 0
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no process of the group (redis, gunicorn, worker) survives


def test_run_serves_demo_data_and_stops_everything(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    try:
        output = read_until(process, "Press Ctrl-C")
        assert f"http://127.0.0.1:{port}/api/docs" in output
        assert (
            f"http://127.0.0.1:{port}/exam/" in output
            and f"http://127.0.0.1:{port}/console/" in output
        )
        assert "管理员账号 admin account: admin /" in output
        assert "演示教师 demo teacher: teacher /" in output
        candidate = next(line for line in output.splitlines() if line.startswith("演示考生"))
        status, ready = get_json(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and ready["checks"] == {"database": "ok", "redis": "ok"}
        student_no = candidate.split(":")[1].split()[0]
        password = candidate.rsplit("/", 1)[1].strip()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            method="POST",
            data=json.dumps({"username": student_no, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.loads(response.read())["access_token"]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/me/exams", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            exams = json.loads(response.read())
        assert [exam["state"] for exam in exams] == ["open"]
        docs = (
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/docs", timeout=10).read().decode()
        )
        assert "/api/docs/static/swagger-ui-bundle.js" in docs
        for page in ("exam", "console"):
            html = (
                urllib.request.urlopen(f"http://127.0.0.1:{port}/{page}/", timeout=10)
                .read()
                .decode()
            )
            assert "考试云" in html
    finally:
        stop_and_check_nothing_left(process)

    # Second start: same database, no new admin password, same demo logins, still quick.
    started = time.monotonic()
    process = start(tmp_path, port)
    try:
        output = read_until(process, "Press Ctrl-C")
        assert "管理员账号" not in output
        assert candidate in output
        assert time.monotonic() - started < 60
    finally:
        stop_and_check_nothing_left(process)
