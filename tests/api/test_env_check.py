"""FAQ 2, 23, 24, 25: the desktop client's environment check at login."""

import pytest

from server.domain.identity import default_password
from tests.factories import valid_id

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def candidate(factory):
    school = factory.school()
    student = factory.student(school, id_number=valid_id(31), student_no="E1")
    return school, student, {"username": "E1", "password": default_password(student.id_number)}


@pytest.mark.parametrize(
    ("env_check", "code", "faq", "words"),
    [
        (
            {"remote_tools": ["QQ", "TeamViewer"]},
            "REMOTE_ASSIST_DETECTED",
            2,
            "请关闭QQ等远程协助工具，诚信考试",
        ),
        ({"codes": ["e-01"]}, "ENV_REMOTE_CONTROL", 24, "e-01为远程控制检测"),
        ({"codes": ["E-02"]}, "ENV_VIRTUAL_DEVICE", 25, "SysWOW64"),
    ],
)
def test_refusals_carry_the_faq_instruction_and_are_recorded(
    client, factory, candidate, env_check, code, faq, words
):
    school, student, credentials = candidate
    response = client.post(LOGIN, json={**credentials, "env_check": env_check})
    assert response.status_code == 403
    body = response.get_json()
    assert (body["code"], body["faq"]) == (code, faq)
    assert words in body["message"]
    assert "access_token" not in body

    teacher = factory.login_teacher(factory.teacher(school))
    events = client.get("/api/v1/integrity-events", headers=teacher.headers).get_json()
    assert [(e["code"], e["user_id"], e["student_no"]) for e in events] == [
        (code, student.id, "E1")
    ]
    assert events[0]["detail"]["codes"] == env_check.get("codes", [])


def test_clean_environment_logs_in(client, candidate):
    _, _, credentials = candidate
    response = client.post(
        LOGIN,
        json={
            **credentials,
            "env_check": {"codes": [], "remote_tools": [], "client_version": "3.2.0"},
        },
    )
    assert response.status_code == 200


def test_too_old_client_is_sent_to_the_download(client, candidate):
    """FAQ 23: an outdated client is refused with where to get the current (or low-end) one."""
    _, _, credentials = candidate
    response = client.post(LOGIN, json={**credentials, "env_check": {"client_version": "2.9.9"}})
    assert response.status_code == 403
    assert response.get_json()["code"] == "CLIENT_TOO_OLD"
    versions = client.get("/api/v1/client-versions").get_json()
    assert versions["minimum"]["version"] == "3.0.0"
    assert versions["low_end"]["download_url"].startswith("https://")
    assert "低端版" in versions["low_end"]["description"]


def test_wrong_password_with_remote_tools_records_nothing(client, factory, candidate):
    school, _, credentials = candidate
    response = client.post(
        LOGIN, json={**credentials, "password": "bad", "env_check": {"codes": ["e-01"]}}
    )
    assert response.status_code == 401
    teacher = factory.login_teacher(factory.teacher(school))
    assert client.get("/api/v1/integrity-events", headers=teacher.headers).get_json() == []


def test_teachers_see_only_their_own_schools_events(client, factory):
    first, second = factory.school(), factory.school()
    student = factory.student(first, id_number=valid_id(41), student_no="F1")
    client.post(
        LOGIN,
        json={
            "username": "F1",
            "password": default_password(student.id_number),
            "env_check": {"codes": ["e-02"]},
        },
    )
    own = factory.login_teacher(factory.teacher(first))
    other = factory.login_teacher(factory.teacher(second))
    assert len(client.get("/api/v1/integrity-events", headers=own.headers).get_json()) == 1
    assert client.get("/api/v1/integrity-events", headers=other.headers).get_json() == []
    candidate = factory.login_student(factory.student(first))
    assert client.get("/api/v1/integrity-events", headers=candidate.headers).status_code == 403


def test_a_candidate_login_without_a_report_is_not_clean(client, factory, candidate):
    """Issue 14.7: the exam page always reports; a candidate's login without a report (a
    script, an altered client, the mini program's ID-photo login) gets in, but is recorded as
    ENV_CHECK_MISSING for the teacher, never counted as a clean environment."""
    school, student, credentials = candidate
    assert client.post(LOGIN, json=credentials).status_code == 200
    assert client.post(LOGIN, json={**credentials, "env_check": None}).status_code == 200
    reported = {"codes": [], "remote_tools": [], "client_version": None}
    assert client.post(LOGIN, json={**credentials, "env_check": reported}).status_code == 200
    teacher = factory.login_teacher(factory.teacher(school))  # staff need no report
    events = client.get("/api/v1/integrity-events", headers=teacher.headers).get_json()
    assert [(e["code"], e["user_id"]) for e in events] == [("ENV_CHECK_MISSING", student.id)] * 2
