"""FAQ 1, 12, 13, 19: who can log in with what, and how a teacher gets a candidate back in."""

from sqlalchemy import select

from server.domain.identity import User
from tests.factories import id_ending_in_x, valid_id

LOGIN = "/api/v1/auth/login"


def login(client, username, password, **extra):
    return client.post(LOGIN, json={"username": username, "password": password, **extra})


def test_candidate_logs_in_by_student_number_or_id_number_with_default_password(client, factory):
    school = factory.school()
    id_number = valid_id(7)
    factory.student(school, id_number=id_number, student_no="2026a01")
    for username in ("2026a01", "2026A01", id_number):
        response = login(client, username, id_number[-6:])
        assert response.status_code == 200, username
        body = response.get_json()
        assert body["role"] == "candidate"
        assert body["user"]["uses_default_password"] is True
        assert body["access_token"]


def test_wrong_password_says_how_to_get_back_in(client, factory):
    school = factory.school()
    factory.student(school, id_number=valid_id(3), student_no="S1")
    response = login(client, "S1", "000000")
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == "INVALID_CREDENTIALS"
    assert body["faq"] == 12
    assert "身份证号后6位" in body["message"] and "重置密码" in body["message"]
    assert login(client, "nobody", "123456").get_json()["code"] == "INVALID_CREDENTIALS"


def test_id_number_ending_in_letter_is_stored_upper_case(client, factory):
    """FAQ 13: stored upper-case; the default password ends in the upper-case letter."""
    school = factory.school()
    id_number = id_ending_in_x()
    teacher = factory.login_teacher(factory.teacher(school))
    created = client.post(
        "/api/v1/students",
        headers=teacher.headers,
        json={"student_no": "X1", "id_number": id_number.lower(), "name": "李四"},
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["id_number"] == id_number
    assert login(client, id_number.lower(), id_number[-6:]).status_code == 200
    assert login(client, "x1", id_number[-6:]).status_code == 200
    # The FAQ tells candidates to type the letter in upper case: lower case is refused.
    assert login(client, "X1", id_number[-6:].lower()).status_code == 401


def test_id_with_parentheses_gets_123456(client, factory):
    """FAQ 19: Hong Kong, Macau and officer IDs containing () default to 123456."""
    school = factory.school()
    factory.student(school, id_number="a123456(7)", student_no="HK1")
    factory.student(school, id_number="1234567（8）", student_no="MO1")  # full-width brackets
    assert login(client, "A123456(7)", "123456").status_code == 200
    assert login(client, "a123456(7)", "123456").status_code == 200
    assert login(client, "1234567(8)", "123456").status_code == 200
    assert login(client, "HK1", "456(7)").status_code == 401


def test_changed_password_is_hashed_and_teacher_reset_restores_the_default(client, factory, app):
    """FAQ 1, 12: after a change the default no longer works until a teacher resets it."""
    school = factory.school()
    id_number = valid_id(11)
    student = factory.student(school, id_number=id_number, student_no="R1")
    me = factory.login("R1", id_number[-6:])
    changed = client.post(
        "/api/v1/me/password",
        headers=me.headers,
        json={"old_password": id_number[-6:], "new_password": "my-new-secret-1"},
    )
    assert changed.status_code == 204
    with app.app_context():
        stored = factory.session.scalar(select(User.password_hash).where(User.id == student.id))
    assert stored.startswith("$argon2") and "my-new-secret-1" not in stored
    assert login(client, "R1", id_number[-6:]).status_code == 401
    assert login(client, "R1", "my-new-secret-1").status_code == 200

    teacher = factory.login_teacher(factory.teacher(school))
    reset = client.post(f"/api/v1/students/{student.id}/reset-password", headers=teacher.headers)
    assert reset.status_code == 200
    assert reset.get_json()["uses_default_password"] is True
    assert login(client, "R1", id_number[-6:]).status_code == 200
    assert login(client, "R1", "my-new-secret-1").status_code == 401


def test_password_change_needs_the_old_password_and_a_real_new_one(client, factory):
    school = factory.school()
    id_number = valid_id(12)
    factory.student(school, id_number=id_number, student_no="P1")
    me = factory.login("P1", id_number[-6:])
    wrong = client.post(
        "/api/v1/me/password",
        headers=me.headers,
        json={"old_password": "nope", "new_password": "whatever-long"},
    )
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "WRONG_OLD_PASSWORD"
    weak = client.post(
        "/api/v1/me/password",
        headers=me.headers,
        json={"old_password": id_number[-6:], "new_password": "short"},
    )
    assert weak.status_code == 422 and weak.get_json()["code"] == "WEAK_PASSWORD"


def test_staff_usernames_are_case_insensitive(client, factory):
    school = factory.school()
    factory.teacher(school, username="MsWang")
    assert login(client, "mswang", "correct-horse-9").get_json()["role"] == "teacher"
    assert login(client, "MSWANG", "correct-horse-9").status_code == 200


def test_same_student_number_in_two_schools_logs_each_into_their_own(client, factory):
    first, second = factory.school(), factory.school()
    a = factory.student(first, id_number=valid_id(21), student_no="2026001")
    b = factory.student(second, id_number=valid_id(22), student_no="2026001")
    assert login(client, "2026001", valid_id(21)[-6:]).get_json()["user"]["id"] == a.id
    assert login(client, "2026001", valid_id(22)[-6:]).get_json()["user"]["id"] == b.id


def test_tokens_are_required_signed_and_expire(client, factory, monkeypatch):
    school = factory.school()
    student = factory.student(school)
    assert client.get("/api/v1/me/exams").get_json()["code"] == "TOKEN_MISSING"
    token = factory.login_student(student).token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get("/api/v1/me/exams", headers={"Authorization": f"Bearer {tampered}"})
    assert response.status_code == 401 and response.get_json()["code"] == "TOKEN_INVALID"

    assert (
        client.get("/api/v1/me/exams", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )

    # Jump past the token's lifetime: refused, whether or not it was verified before.
    import time

    real_time = time.time
    ttl = factory.services.tokens.ttl_seconds
    fresh = factory.login_student(student).token  # never used, so never remembered
    monkeypatch.setattr(time, "time", lambda: real_time() + ttl + 5)
    for expired in (token, fresh):
        response = client.get("/api/v1/me/exams", headers={"Authorization": f"Bearer {expired}"})
        assert response.status_code == 401
        assert response.get_json()["code"] == "TOKEN_EXPIRED"
