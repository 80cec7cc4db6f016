"""Role and school isolation: another school's rows look like rows that do not exist."""

import pytest

from tests.factories import valid_id


@pytest.fixture
def two_schools(factory):
    mine, theirs = factory.school("甲校"), factory.school("乙校")
    their_student = factory.student(theirs, id_number=valid_id(90), student_no="T1")
    their_exam = factory.exam(theirs, students=[their_student])
    me = factory.login_teacher(factory.teacher(mine))
    return mine, theirs, their_student, their_exam, me


def test_teacher_cannot_read_or_change_another_schools_data(client, factory, two_schools):
    mine, theirs, their_student, their_exam, me = two_schools
    assert client.get(f"/api/v1/students/{their_student.id}", headers=me.headers).status_code == 404
    reset = client.post(f"/api/v1/students/{their_student.id}/reset-password", headers=me.headers)
    assert reset.status_code == 404 and reset.get_json()["code"] == "NOT_FOUND"
    assert client.get(f"/api/v1/exams/{their_exam.id}", headers=me.headers).status_code == 404
    assert (
        client.get(f"/api/v1/exams/{their_exam.id}/enrolments", headers=me.headers).status_code
        == 404
    )
    enrol = client.post(
        f"/api/v1/exams/{their_exam.id}/enrolments",
        headers=me.headers,
        json={"student_ids": [their_student.id]},
    )
    assert enrol.status_code == 404
    assert client.get("/api/v1/students", headers=me.headers).get_json() == []
    assert client.get("/api/v1/exams", headers=me.headers).get_json() == []
    assert client.get("/api/v1/batches", headers=me.headers).get_json() == []
    assert [s["name"] for s in client.get("/api/v1/schools", headers=me.headers).get_json()] == [
        "甲校"
    ]


def test_teacher_cannot_enrol_another_schools_student_in_own_exam(client, factory, two_schools):
    mine, theirs, their_student, _, me = two_schools
    my_exam = factory.exam(mine)
    response = client.post(
        f"/api/v1/exams/{my_exam.id}/enrolments",
        headers=me.headers,
        json={"student_ids": [their_student.id]},
    )
    assert response.status_code == 404


def test_teacher_cannot_build_exams_from_another_schools_batch_or_course(
    client, factory, two_schools
):
    mine, theirs, _, their_exam, me = two_schools
    my_course = client.post(
        "/api/v1/courses", headers=me.headers, json={"code": "M", "name": "m"}
    ).get_json()
    response = client.post(
        "/api/v1/exams",
        headers=me.headers,
        json={
            "batch_id": their_exam.batch_id,
            "course_id": my_course["id"],
            "starts_at": "2026-12-01T09:00:00+08:00",
            "ends_at": "2026-12-01T10:00:00+08:00",
            "duration_minutes": 60,
        },
    )
    assert response.status_code == 404


def test_teacher_creates_only_in_own_school(client, factory, two_schools):
    mine, theirs, _, _, me = two_schools
    response = client.post(
        "/api/v1/students",
        headers=me.headers,
        json={
            "student_no": "N1",
            "id_number": valid_id(91),
            "name": "新生",
            "school_id": theirs.id,
        },
    )
    assert response.status_code == 404
    assert (
        client.post("/api/v1/schools", headers=me.headers, json={"name": "丙校"}).status_code == 403
    )
    teacher = client.post(
        "/api/v1/teachers",
        headers=me.headers,
        json={"username": "sneaky", "password": "long-enough-1", "school_id": mine.id},
    )
    assert teacher.status_code == 403


def test_candidate_cannot_use_teacher_endpoints_or_list_candidates(client, factory, two_schools):
    mine, *_ = two_schools
    student = factory.student(mine)
    candidate = factory.login_student(student)
    for method, path, body in [
        ("get", "/api/v1/students", None),
        ("get", f"/api/v1/students/{student.id}", None),
        ("post", "/api/v1/students", {"student_no": "N", "id_number": valid_id(92), "name": "x"}),
        ("post", f"/api/v1/students/{student.id}/reset-password", None),
        ("get", "/api/v1/exams", None),
        ("post", "/api/v1/batches", {"name": "x"}),
        ("get", "/api/v1/teachers", None),
        ("get", "/api/v1/integrity-events", None),
    ]:
        response = getattr(client, method)(path, headers=candidate.headers, json=body)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["code"] == "FORBIDDEN"


def test_admin_creates_schools_and_teachers(client, factory, app):
    from server.bootstrap import ensure_admin

    with app.app_context():
        ensure_admin(factory.session, factory.services.passwords, "root", "admin-password-1")
    admin = factory.login("root", "admin-password-1")
    school = client.post("/api/v1/schools", headers=admin.headers, json={"name": "新学校"})
    assert school.status_code == 201
    teacher = client.post(
        "/api/v1/teachers",
        headers=admin.headers,
        json={
            "username": "NewTeacher",
            "password": "long-enough-1",
            "school_id": school.get_json()["id"],
        },
    )
    assert teacher.status_code == 201 and teacher.get_json()["username"] == "newteacher"
    assert factory.login("newteacher", "long-enough-1").user.school_id == school.get_json()["id"]
    again = client.post(
        "/api/v1/teachers",
        headers=admin.headers,
        json={
            "username": "newteacher",
            "password": "long-enough-1",
            "school_id": school.get_json()["id"],
        },
    )
    assert again.status_code == 409 and again.get_json()["code"] == "USERNAME_TAKEN"
