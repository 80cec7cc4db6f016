"""The media worker as deployed (`python -m workers.worker --media`, its own process, models
loaded at start): a base photo and an entry face check go through it end to end."""

from __future__ import annotations

import io

import pytest

from server.adapters import faces
from tests import face_photos
from tests.conftest import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::FutureWarning")]


def test_media_worker_process_decides_a_face_check(client, factory, start_worker):
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    student = factory.student(school)
    exam = factory.exam(school, students=[student], face_check_required=True)
    candidate = factory.login_student(student)
    start_worker(None, "--media")

    client.put(
        f"/api/v1/students/{student.id}/base-photo",
        headers=teacher.headers,
        data={"file": (io.BytesIO(face_photos.YAOMING.read_bytes()), "b.jpg")},
        content_type="multipart/form-data",
    )
    wait_until(
        lambda: client.get(
            f"/api/v1/students/{student.id}/base-photo", headers=teacher.headers
        ).get_json()["active"],
        timeout=60,
    )
    capture = face_photos.yao_capture(faces.warm_up())
    check = client.post(
        f"/api/v1/exams/{exam.id}/face-checks",
        headers=candidate.headers,
        data={"file": (io.BytesIO(capture), "c.jpg")},
        content_type="multipart/form-data",
    )
    assert check.status_code == 202
    url = f"/api/v1/face-checks/{check.get_json()['id']}"
    result = wait_until(
        lambda: (body := client.get(url, headers=candidate.headers).get_json())["status"]
        != "queued"
        and body,
        timeout=30,
    )
    assert result["status"] == "passed", result
