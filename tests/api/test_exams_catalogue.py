"""Catalogue, and FAQ 4 / 11: the server clock decides, and the list says why."""

from datetime import UTC, datetime, timedelta


def test_teacher_builds_batch_course_exam_and_enrols(client, factory):
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    students = [factory.student(school) for _ in range(3)]
    batch = client.post("/api/v1/batches", headers=teacher.headers, json={"name": "2026秋考试批"})
    course = client.post(
        "/api/v1/courses", headers=teacher.headers, json={"code": "ENG1", "name": "大学英语"}
    )
    assert batch.status_code == course.status_code == 201
    exam = client.post(
        "/api/v1/exams",
        headers=teacher.headers,
        json={
            "batch_id": batch.get_json()["id"],
            "course_id": course.get_json()["id"],
            "starts_at": "2026-12-01T09:00:00+08:00",
            "ends_at": "2026-12-01T11:00:00+08:00",
            "duration_minutes": 150,
        },
    )
    assert exam.status_code == 201, exam.get_json()
    body = exam.get_json()
    assert body["starts_at"] == "2026-12-01T09:00:00+08:00"
    assert body["face_check_required"] is True
    enrol = client.post(
        f"/api/v1/exams/{body['id']}/enrolments",
        headers=teacher.headers,
        json={"student_ids": [s.id for s in students]},
    )
    assert sorted(enrol.get_json()["enrolled"]) == sorted(s.id for s in students)
    again = client.post(
        f"/api/v1/exams/{body['id']}/enrolments",
        headers=teacher.headers,
        json={"student_ids": [students[0].id]},
    )
    assert again.get_json() == {
        "exam_id": body["id"],
        "enrolled": [],
        "already_enrolled": [students[0].id],
    }
    listed = client.get(f"/api/v1/exams/{body['id']}/enrolments", headers=teacher.headers)
    assert listed.headers["X-Pagination"] and len(listed.get_json()) == 3
    duplicate = client.post(
        "/api/v1/courses", headers=teacher.headers, json={"code": "ENG1", "name": "x"}
    )
    assert duplicate.status_code == 409 and duplicate.get_json()["code"] == "COURSE_EXISTS"


def post_exam(client, factory, starts_at: str, ends_at: str):
    """A teacher's POST /exams for a fresh batch and course of a new school, for one hour."""
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    batch = client.post("/api/v1/batches", headers=teacher.headers, json={"name": "b"}).get_json()
    course = client.post(
        "/api/v1/courses", headers=teacher.headers, json={"code": "c", "name": "c"}
    ).get_json()
    return client.post(
        "/api/v1/exams",
        headers=teacher.headers,
        json={
            "batch_id": batch["id"],
            "course_id": course["id"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "duration_minutes": 60,
        },
    )


def test_exam_window_must_end_after_it_starts(client, factory):
    response = post_exam(client, factory, "2026-12-01T11:00:00+08:00", "2026-12-01T09:00:00+08:00")
    assert response.status_code == 422
    assert response.get_json()["code"] == "INVALID_EXAM_WINDOW"
    assert "ends_at" in response.get_json()["errors"]


def test_my_exams_states_and_reasons_follow_the_server_clock(client, factory):
    school = factory.school()
    student = factory.student(school)
    factory.exam(school, starts_in=timedelta(hours=2), students=[student])
    factory.exam(school, starts_in=timedelta(minutes=-30), students=[student])
    factory.exam(
        school, starts_in=timedelta(hours=-5), lasts=timedelta(hours=2), students=[student]
    )
    factory.exam(school, starts_in=timedelta(minutes=-30))  # not enrolled: not listed
    me = factory.login_student(student)
    exams = client.get("/api/v1/me/exams", headers=me.headers).get_json()
    by_state = {exam["state"]: exam for exam in exams}
    assert sorted(by_state) == ["closed", "open", "upcoming"]
    assert by_state["open"]["can_enter"] is True
    assert by_state["upcoming"]["can_enter"] is False
    assert (
        "尚未开始" in by_state["upcoming"]["reason"]
        and "北京时间" in by_state["upcoming"]["reason"]
    )
    assert (
        by_state["closed"]["can_enter"] is False and "错过考试时间" in by_state["closed"]["reason"]
    )
    assert by_state["open"]["course"]["name"] == "高等数学"
    assert by_state["open"]["starts_at"].endswith("+08:00")


def test_not_enrolled_is_told_apart_from_missed(client, factory):
    """FAQ 11: an own-school exam without enrolment says so; another school's exam does not
    exist."""
    school, other_school = factory.school(), factory.school()
    student = factory.student(school)
    unenrolled = factory.exam(school)
    other = factory.exam(other_school)
    enrolled_closed = factory.exam(
        school, starts_in=timedelta(hours=-3), lasts=timedelta(hours=1), students=[student]
    )
    me = factory.login_student(student)
    response = client.get(f"/api/v1/me/exams/{unenrolled.id}", headers=me.headers)
    assert response.status_code == 403
    assert response.get_json()["code"] == "NOT_ENROLLED" and response.get_json()["faq"] == 11
    assert client.get(f"/api/v1/me/exams/{other.id}", headers=me.headers).status_code == 404
    closed = client.get(f"/api/v1/me/exams/{enrolled_closed.id}", headers=me.headers).get_json()
    assert closed["state"] == "closed" and "错过考试时间" in closed["reason"]


def test_server_time_is_beijing_time(client):
    body = client.get("/api/v1/time").get_json()
    assert body["timezone"] == "Asia/Shanghai"
    assert body["server_time"].endswith("+08:00")
    server = datetime.fromisoformat(body["server_time"])
    assert abs(server - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(body["epoch_ms"] / 1000 - server.timestamp()) < 1


def test_naive_times_are_read_as_beijing_time(client, factory):
    exam = post_exam(client, factory, "2026-12-01T09:00:00", "2026-12-01T10:00:00").get_json()
    assert exam["starts_at"] == "2026-12-01T09:00:00+08:00"
