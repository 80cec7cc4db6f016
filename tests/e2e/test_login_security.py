"""Issue 14.2 and 14.3 over a real gunicorn (2 gevent workers), Redis and PostgreSQL: parallel
wrong passwords never get more password checks than the limit, and a logout through one worker
process is refused at once by the other."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from infra.services import API_COMMAND, free_port, stop_process, wait_for_port
from server.domain.identity import default_password
from tests.conftest import make_settings, service_env
from tests.factories import CLEAN_ENV_CHECK, valid_id

pytestmark = pytest.mark.slow
GUESSES = 40
LIMIT = 10  # LOGIN_USERNAME_LIMIT's default: per account and client address
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


@pytest.fixture
def server(service_urls):
    """gunicorn with 2 workers behind a (pretend) proxy, so tests can speak from addresses."""
    port = free_port()
    env = service_env(make_settings(service_urls), PROXY_HOPS=1)
    api = subprocess.Popen(
        list(API_COMMAND), cwd=ROOT, env={**env, "PORT": str(port), "WEB_CONCURRENCY": "2"}
    )
    try:
        wait_for_port(port, timeout=60, process=api)
        yield port, api
    finally:
        stop_process(api)


def call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: dict | None = None,
    headers: dict | None = None,
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    connection.request(
        method,
        "/api/v1" + path,
        body=data,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    response = connection.getresponse()
    raw = response.read()
    return response.status, json.loads(raw) if raw else {}


def test_parallel_wrong_passwords_are_judged_at_most_the_limit(server, factory):
    port, _api = server
    school = factory.school()
    student = factory.student(school, id_number=valid_id(71), student_no="G1")
    barrier = threading.Barrier(GUESSES)
    attacker = {"X-Forwarded-For": "203.0.113.9"}

    def guess(_n: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.connect()
            barrier.wait()
            status, _ = call(
                connection, "POST", "/auth/login", {"username": "G1", "password": "x"}, attacker
            )
            return status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        statuses = list(pool.map(guess, range(GUESSES)))
    assert statuses.count(401) == LIMIT, statuses
    assert statuses.count(429) == GUESSES - LIMIT, statuses

    right = {"username": "G1", "password": default_password(student.id_number)}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    assert call(connection, "POST", "/auth/login", right, attacker)[0] == 429
    # The candidate at their own computer is not locked out by the guesses.
    victim = {"X-Forwarded-For": "198.51.100.20"}
    assert call(connection, "POST", "/auth/login", right, victim)[0] == 200


def _worker_holding(connection: http.client.HTTPConnection, port: int, workers: list[int]) -> int:
    """The gunicorn worker process that accepted this (kept-alive) connection."""
    assert connection.sock is not None
    client_port = connection.sock.getsockname()[1]
    inode = None
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == (
                client_port
            ):
                inode = fields[9]
    assert inode is not None
    for pid in workers:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


def test_a_logout_through_one_worker_is_refused_at_once_by_the_other(server, factory):
    port, api = server
    school = factory.school()
    student = factory.student(school, id_number=valid_id(72), student_no="G2")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, body = call(
        connection,
        "POST",
        "/auth/login",
        {
            "username": "G2",
            "password": default_password(student.id_number),
            "env_check": CLEAN_ENV_CHECK,
        },
    )
    assert status == 200
    token = {"Authorization": f"Bearer {body['access_token']}"}
    with open(f"/proc/{api.pid}/task/{api.pid}/children") as handle:
        workers = [int(pid) for pid in handle.read().split()]
    assert len(workers) == 2

    # One kept-alive connection on each worker process.
    pinned: dict[int, http.client.HTTPConnection] = {}
    for _ in range(200):
        candidate = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        assert call(candidate, "GET", "/me/exams", headers=token)[0] == 200
        worker = _worker_holding(candidate, port, workers)
        if worker in pinned:
            candidate.close()
        else:
            pinned[worker] = candidate
        if len(pinned) == 2:
            break
        time.sleep(0.01)
    assert len(pinned) == 2, "the kernel handed every connection to one worker"
    here, there = pinned.values()

    # The other worker has just accepted the session (and may trust it for a second) ...
    assert call(there, "GET", "/me/exams", headers=token)[0] == 200
    assert call(here, "POST", "/auth/logout", headers=token)[0] == 204
    # ... yet once the logout has answered, it refuses the token.
    status, body = call(there, "GET", "/me/exams", headers=token)
    assert (status, body["code"]) == (401, "SESSION_ENDED")
    status, body = call(here, "GET", "/me/exams", headers=token)
    assert (status, body["code"]) == (401, "SESSION_ENDED")
