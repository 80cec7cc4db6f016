"""Failed logins are limited per username and per address; a whole exam room behind one NAT
gets in."""

from server.app import create_app
from server.domain.actors import Role
from server.domain.identity import User, default_password
from tests.conftest import make_settings
from tests.factories import valid_id

LOGIN = "/api/v1/auth/login"
ROOM_NAT = {"REMOTE_ADDR": "10.8.0.1"}


def test_ten_failures_lock_that_username_only(client, factory):
    school = factory.school()
    victim = factory.student(school, id_number=valid_id(1), student_no="V1")
    other = factory.student(school, id_number=valid_id(2), student_no="V2")
    for _ in range(10):
        response = client.post(
            LOGIN, json={"username": "v1", "password": "guess"}, environ_base=ROOM_NAT
        )
        assert response.status_code == 401
    locked = client.post(
        LOGIN,
        json={"username": "V1", "password": default_password(victim.id_number)},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert locked.status_code == 429
    assert locked.get_json()["code"] == "LOGIN_RATE_LIMITED"
    assert "重置密码" in locked.get_json()["message"]
    # Same address, another candidate: unaffected.
    fine = client.post(
        LOGIN,
        json={"username": "V2", "password": default_password(other.id_number)},
        environ_base=ROOM_NAT,
    )
    assert fine.status_code == 200


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
