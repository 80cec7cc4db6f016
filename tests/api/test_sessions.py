"""Issue 14.2: login sessions that end. A logout ends that token at once (in every process); a
password change ends the account's other sessions; a teacher's reset ends all of a candidate's;
an admin ends a teacher's. The check costs no database query, and a burst of one session's
requests costs one Redis lookup per process per SESSION_CHECK_CACHE_SECONDS."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event

from server.app import create_app
from server.app_services import EXTENSION_KEY
from server.domain.identity import default_password
from tests.conftest import make_settings
from tests.factories import SAMPLE_BANK, SAMPLE_RULE, Factory, valid_id

EXAMS = "/api/v1/me/exams"


def status(client, token_headers, path=EXAMS) -> int:
    return client.get(path, headers=token_headers).status_code


def ended(response) -> bool:
    return response.status_code == 401 and response.get_json()["code"] == "SESSION_ENDED"


@pytest.fixture
def candidate(factory):
    school = factory.school()
    student = factory.student(school, id_number=valid_id(51), student_no="L1")
    return school, student


def test_logout_ends_that_token_only_and_at_once(client, factory, candidate):
    _, student = candidate
    desk, laptop = factory.login_student(student), factory.login_student(student)
    assert status(client, desk.headers) == status(client, laptop.headers) == 200
    started = time.monotonic()
    out = client.post("/api/v1/auth/logout", headers=desk.headers)
    assert out.status_code == 204 and out.get_data() == b""
    # The answer waits for every process's "not ended" answers to lapse (1 s).
    assert time.monotonic() - started >= factory.services.login_sessions.cache_seconds
    assert ended(client.get(EXAMS, headers=desk.headers))
    assert ended(client.post("/api/v1/auth/logout", headers=desk.headers))
    assert status(client, laptop.headers) == 200  # another login of the same person goes on


def test_logout_is_seen_at_once_by_another_process(service_urls, factory, candidate):
    """Two apps with their own caches stand for two gunicorn workers (the real thing over
    gunicorn: tests/e2e/test_login_security.py)."""
    _, student = candidate
    settings = make_settings(service_urls)
    first, second = create_app(settings).test_client(), create_app(settings).test_client()
    token = factory.login_student(student).headers
    assert status(second, token) == 200  # the second process now trusts this session (1 s)
    assert first.post("/api/v1/auth/logout", headers=token).status_code == 204
    assert ended(second.get(EXAMS, headers=token))


def test_a_password_change_ends_the_other_sessions_not_this_one(client, factory, candidate):
    _, student = candidate
    here, elsewhere = factory.login_student(student), factory.login_student(student)
    changed = client.post(
        "/api/v1/me/password",
        headers=here.headers,
        json={"old_password": default_password(student.id_number), "new_password": "new-secret-1"},
    )
    assert changed.status_code == 204
    assert status(client, here.headers) == 200
    assert ended(client.get(EXAMS, headers=elsewhere.headers))
    again = factory.login(student.student_no, "new-secret-1")  # a new login is a new session
    assert status(client, again.headers) == 200
    # A second change, from the new session: the first kept session ends too.
    assert (
        client.post(
            "/api/v1/me/password",
            headers=again.headers,
            json={"old_password": "new-secret-1", "new_password": "new-secret-2"},
        ).status_code
        == 204
    )
    assert ended(client.get(EXAMS, headers=here.headers))
    assert status(client, again.headers) == 200


def test_a_teachers_reset_ends_every_session_of_the_candidate(client, factory, candidate):
    school, student = candidate
    teacher = factory.login_teacher(factory.teacher(school))
    sessions = [factory.login_student(student) for _ in range(3)]
    other = factory.login_student(factory.student(school))
    reset = client.post(f"/api/v1/students/{student.id}/reset-password", headers=teacher.headers)
    assert reset.status_code == 200
    assert all(ended(client.get(EXAMS, headers=s.headers)) for s in sessions)
    assert status(client, other.headers) == 200
    assert status(client, teacher.headers, "/api/v1/me") == 200
    back = factory.login_student(student)  # with the default password again
    assert status(client, back.headers) == 200


def test_an_admin_ends_a_teachers_sessions(client, factory, app):
    from server.bootstrap import ensure_admin

    school = factory.school()
    teacher_user = factory.teacher(school)
    teacher = factory.login_teacher(teacher_user)
    colleague = factory.login_teacher(factory.teacher(school))
    with app.app_context():
        ensure_admin(factory.session, factory.services.passwords, "root", "admin-password-1")
    admin = factory.login("root", "admin-password-1")
    path = f"/api/v1/teachers/{teacher_user.id}/end-sessions"
    assert client.post(path, headers=colleague.headers).status_code == 403  # admins only
    student = factory.student(school)
    for not_a_teacher in (student.id, 999999):
        response = client.post(
            f"/api/v1/teachers/{not_a_teacher}/end-sessions", headers=admin.headers
        )
        assert response.status_code == 404
    response = client.post(path, headers=admin.headers)
    assert response.status_code == 204
    assert ended(client.get("/api/v1/me", headers=teacher.headers))
    assert status(client, colleague.headers, "/api/v1/me") == 200
    assert status(client, factory.login_teacher(teacher_user).headers, "/api/v1/me") == 200


def test_the_check_needs_no_database_and_a_burst_asks_redis_once(app, client, factory, candidate):
    """The hot path: a burst of one session's requests (autosaves after a reconnect) is checked
    from this process's memory after one Redis lookup; no SQL at all for the check."""
    from server.api.auth import authenticate

    _, student = candidate
    token = factory.login_student(student).headers
    services = app.extensions[EXTENSION_KEY]
    store = services.login_sessions._store
    lookups = []
    real_state = store.state

    def counted_state(*args):
        lookups.append(args)
        return real_state(*args)

    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    store.state = counted_state
    event.listen(services.engine, "before_cursor_execute", count)
    event.listen(services.autocommit_engine, "before_cursor_execute", count)
    try:
        for _ in range(50):
            with app.test_request_context(headers=token):
                authenticate()
    finally:
        del store.state
        event.remove(services.engine, "before_cursor_execute", count)
        event.remove(services.autocommit_engine, "before_cursor_execute", count)
    assert statements == []
    assert len(lookups) == 1


def test_without_redis_sessions_go_on_and_endings_say_so(service_urls, factory, candidate):
    """Redis down on exam day: tokens keep working (nothing known ended is let in), and a
    logout answers 503 instead of pretending."""
    _, student = candidate
    database_url, _ = service_urls
    token = factory.login_student(student).headers
    down = create_app(make_settings((database_url, "redis://127.0.0.1:9/0"))).test_client()
    assert status(down, token) == 200
    out = down.post("/api/v1/auth/logout", headers=token)
    assert out.status_code == 503 and out.get_json()["code"] == "SESSION_STORE_UNAVAILABLE"


def test_a_logout_ends_an_open_event_stream(service_urls):
    """A stream opened before the logout stops at its next keepalive, not after an hour."""
    app = create_app(
        make_settings(service_urls, EVENT_KEEPALIVE_SECONDS=0.2, EVENT_STREAM_MAX_SECONDS=30)
    )
    factory = Factory(app, app.test_client())
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    candidate = factory.login_student(student)
    attempt_id = (
        app.test_client()
        .post(f"/api/v1/exams/{exam.id}/attempts", headers=candidate.headers)
        .get_json()["attempt_id"]
    )
    streamed: dict = {}

    def watch() -> None:
        started = time.monotonic()
        response = app.test_client().get(
            f"/api/v1/attempts/{attempt_id}/events", headers=candidate.headers
        )
        streamed["body"] = response.get_data(as_text=True)
        streamed["seconds"] = time.monotonic() - started

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(0.5)
    out = app.test_client().post("/api/v1/auth/logout", headers=candidate.headers)
    assert out.status_code == 204
    watcher.join(15)
    assert not watcher.is_alive()
    assert streamed["body"].startswith(": connected")
    assert streamed["seconds"] < 10
