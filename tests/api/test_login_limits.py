"""Failed logins are limited per account and client address, per account, and per address;
check and count are one atomic step; a whole exam room behind one NAT gets in; a teacher's
reset clears an account's counts (issue 14.3)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from server.app import create_app
from server.domain.actors import Role
from server.domain.identity import User, default_password
from tests.conftest import make_settings
from tests.factories import valid_id

LOGIN = "/api/v1/auth/login"
ROOM_NAT = {"REMOTE_ADDR": "10.8.0.1"}
CLASSMATE = {"REMOTE_ADDR": "10.8.0.77"}


def test_ten_failures_lock_that_account_from_that_address_only(client, factory):
    """Issue 14.3: a classmate's guesses cannot lock a candidate out: the limit is per account
    and address; the right password from an address that is not throttled still logs in."""
    school = factory.school()
    victim = factory.student(school, id_number=valid_id(1), student_no="V1")
    other = factory.student(school, id_number=valid_id(2), student_no="V2")
    for _ in range(10):
        response = client.post(
            LOGIN, json={"username": "v1", "password": "guess"}, environ_base=CLASSMATE
        )
        assert response.status_code == 401
    right = {"username": "V1", "password": default_password(victim.id_number)}
    locked = client.post(LOGIN, json=right, environ_base=CLASSMATE)
    assert locked.status_code == 429
    assert locked.get_json()["code"] == "LOGIN_RATE_LIMITED"
    assert "重置密码" in locked.get_json()["message"]
    # The candidate at their own computer: in.
    at_home = client.post(LOGIN, json=right, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert at_home.status_code == 200
    # Same address, another candidate: unaffected.
    fine = client.post(
        LOGIN,
        json={"username": "V2", "password": default_password(other.id_number)},
        environ_base=CLASSMATE,
    )
    assert fine.status_code == 200


def test_student_number_and_id_number_count_as_one_account(client, factory):
    school = factory.school()
    student = factory.student(school, id_number=valid_id(3), student_no="N1")
    for username in ["N1"] * 5 + [student.id_number.lower()] * 5:
        assert client.post(LOGIN, json={"username": username, "password": "x"}).status_code == 401
    response = client.post(
        LOGIN, json={"username": student.id_number, "password": default_password(student.id_number)}
    )
    assert response.status_code == 429


def test_unknown_usernames_are_limited_like_accounts(client):
    """A 429 after ten guesses must not tell that the username exists."""
    for _ in range(10):
        assert client.post(LOGIN, json={"username": "nobody", "password": "x"}).status_code == 401
    assert client.post(LOGIN, json={"username": "NOBODY", "password": "x"}).status_code == 429


def test_account_wide_limit_stops_distributed_guessing(service_urls, factory):
    app = create_app(make_settings(service_urls, LOGIN_ACCOUNT_LIMIT="12 per 15 minutes"))
    client = app.test_client()
    school = factory.school()
    student = factory.student(school, id_number=valid_id(4), student_no="D1")
    for n in range(12):
        address = {"REMOTE_ADDR": f"198.51.100.{n // 3}"}  # 3 guesses from each of 4 addresses
        assert (
            client.post(
                LOGIN, json={"username": "D1", "password": "x"}, environ_base=address
            ).status_code
            == 401
        )
    fresh = client.post(
        LOGIN,
        json={"username": "D1", "password": default_password(student.id_number)},
        environ_base={"REMOTE_ADDR": "203.0.113.50"},
    )
    assert fresh.status_code == 429 and fresh.get_json()["code"] == "LOGIN_RATE_LIMITED"


def test_a_teachers_reset_clears_the_counts(client, factory):
    school = factory.school()
    student = factory.student(school, id_number=valid_id(6), student_no="T1")
    teacher = factory.login_teacher(factory.teacher(school))
    for _ in range(10):
        client.post(LOGIN, json={"username": "T1", "password": "x"}, environ_base=CLASSMATE)
    right = {"username": "T1", "password": default_password(student.id_number)}
    assert client.post(LOGIN, json=right, environ_base=CLASSMATE).status_code == 429
    reset = client.post(f"/api/v1/students/{student.id}/reset-password", headers=teacher.headers)
    assert reset.status_code == 200
    assert client.post(LOGIN, json=right, environ_base=CLASSMATE).status_code == 200


def test_parallel_wrong_passwords_are_judged_at_most_the_limit(app, factory):
    """Check and count are one step: of 40 simultaneous guesses exactly 10 get a password check
    (the over-gunicorn version is tests/e2e/test_login_security.py)."""
    school = factory.school()
    factory.student(school, id_number=valid_id(8), student_no="P1")
    barrier = threading.Barrier(40)

    def guess(_n: int) -> int:
        client = app.test_client()
        barrier.wait()
        return client.post(LOGIN, json={"username": "P1", "password": "guess"}).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(guess, range(40)))
    assert statuses.count(401) == 10, statuses
    assert statuses.count(429) == 30, statuses


def test_wrong_old_passwords_count_as_failed_logins(client, factory):
    """No unthrottled password oracle behind a session either."""
    school = factory.school()
    student = factory.student(school, id_number=valid_id(9), student_no="W1")
    me = factory.login_student(student)
    for _ in range(10):
        wrong = client.post(
            "/api/v1/me/password",
            headers=me.headers,
            json={"old_password": "guess", "new_password": "whatever-long"},
        )
        assert wrong.get_json()["code"] == "WRONG_OLD_PASSWORD"
    right = client.post(
        "/api/v1/me/password",
        headers=me.headers,
        json={"old_password": default_password(student.id_number), "new_password": "whatever-1"},
    )
    assert right.status_code == 429 and right.get_json()["code"] == "LOGIN_RATE_LIMITED"


def test_successful_logins_do_not_count(client, factory):
    school = factory.school()
    student = factory.student(school, id_number=valid_id(5), student_no="OK1")
    for _ in range(15):
        response = client.post(
            LOGIN, json={"username": "OK1", "password": default_password(student.id_number)}
        )
        assert response.status_code == 200


def test_whole_exam_room_behind_one_nat_logs_in(client, factory, app):
    """Hundreds of candidates from one school address within a minute, some mistyping once."""
    school = factory.school()
    with app.app_context():
        session = factory.session
        students = [
            User(
                role=Role.CANDIDATE,
                school_id=school.id,
                student_no=f"R{n:04d}",
                id_number=valid_id(n),
                name="考生",
            )
            for n in range(300)
        ]
        session.add_all(students)
        session.commit()
        credentials = [(s.student_no, default_password(s.id_number)) for s in students]
    failures = 0
    for index, (username, password) in enumerate(credentials):
        if index % 3 == 0:
            client.post(
                LOGIN, json={"username": username, "password": "typo"}, environ_base=ROOM_NAT
            )
            failures += 1
        response = client.post(
            LOGIN, json={"username": username, "password": password}, environ_base=ROOM_NAT
        )
        assert response.status_code == 200, (index, response.get_json())
    assert failures == 100


def test_address_limit_stops_password_spraying(service_urls, factory):
    app = create_app(make_settings(service_urls, LOGIN_ADDRESS_LIMIT="20 per 15 minutes"))
    client = app.test_client()
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(20):
        assert (
            client.post(
                LOGIN, json={"username": f"guess{n}", "password": "123456"}, environ_base=attacker
            ).status_code
            == 401
        )
    blocked = client.post(
        LOGIN, json={"username": "guess99", "password": "123456"}, environ_base=attacker
    )
    assert blocked.status_code == 429
    assert blocked.get_json()["code"] == "LOGIN_RATE_LIMITED"
    elsewhere = client.post(
        LOGIN,
        json={"username": "guess99", "password": "123456"},
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    )
    assert elsewhere.status_code == 401


def test_forged_forwarded_for_does_not_dodge_the_limit_without_a_proxy(service_urls, factory):
    app = create_app(make_settings(service_urls, LOGIN_ADDRESS_LIMIT="5 per 15 minutes"))
    client = app.test_client()
    for n in range(5):
        client.post(
            LOGIN,
            json={"username": f"u{n}", "password": "x"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
    response = client.post(
        LOGIN, json={"username": "u9", "password": "x"}, headers={"X-Forwarded-For": "192.0.2.200"}
    )
    assert response.status_code == 429


def test_behind_one_proxy_the_forwarded_address_is_the_client(service_urls, factory):
    app = create_app(
        make_settings(service_urls, PROXY_HOPS=1, LOGIN_ADDRESS_LIMIT="5 per 15 minutes")
    )
    client = app.test_client()
    for n in range(5):
        client.post(
            LOGIN,
            json={"username": f"u{n}", "password": "x"},
            headers={"X-Forwarded-For": "192.0.2.1"},
        )
    assert (
        client.post(
            LOGIN,
            json={"username": "u9", "password": "x"},
            headers={"X-Forwarded-For": "192.0.2.1"},
        ).status_code
        == 429
    )
    assert (
        client.post(
            LOGIN,
            json={"username": "u9", "password": "x"},
            headers={"X-Forwarded-For": "192.0.2.2"},
        ).status_code
        == 401
    )


def test_while_redis_is_down_the_limits_hold_in_the_process(service_urls, factory):
    """Exam day with Redis gone: logins still work, and guesses are still limited (per process)."""
    database_url, _ = service_urls
    client = create_app(make_settings((database_url, "redis://127.0.0.1:9/0"))).test_client()
    school = factory.school()
    student = factory.student(school, id_number=valid_id(10), student_no="M1")
    right = {"username": "M1", "password": default_password(student.id_number)}
    assert client.post(LOGIN, json=right).status_code == 200
    for _ in range(10):
        assert client.post(LOGIN, json={"username": "M1", "password": "x"}).status_code == 401
    assert client.post(LOGIN, json=right).status_code == 429
    elsewhere = client.post(LOGIN, json=right, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert elsewhere.status_code == 200
