"""Every photo upload path refuses the same bad inputs the same way, and accepts an iPhone HEIC.

Paths: the entry face check, a teacher's base photo, a student's replacement request, a desktop
webcam snapshot, a phone's answer photo and a phone's second-camera frame. Nothing refused is
stored; what is accepted is acknowledged with 202.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.app import create_app
from tests.conftest import make_settings
from tests.face_photos import YAOMING
from tests.factories import SAMPLE_BANK
from tests.fakes.wechat import APPID, SECRET, FakeWeChat, FakeWeChatServer
from tests.photos import encode, upright_scene

RULE = [{"type": "essay", "count": 1, "score": 20}]


def heic() -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return encode(upright_scene(640, 480), "HEIF", quality=80)


def bomb() -> bytes:
    """A 30000 x 30000 PNG of a few kilobytes."""
    return encode(Image.new("1", (30000, 30000)), "PNG")


BAD = {
    "empty": (b"", 415, "UNSUPPORTED_IMAGE"),
    "text-named-jpg": (b"name,student_no\n" * 40, 415, "UNSUPPORTED_IMAGE"),
    "truncated-jpeg": (YAOMING.read_bytes()[:4000], 415, "UNSUPPORTED_IMAGE"),
    "decompression-bomb": (bomb(), 415, "UNSUPPORTED_IMAGE"),
    "30MB": (b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024), 413, "UPLOAD_TOO_LARGE"),
}
PATHS = [
    "face-check",
    "base-photo",
    "base-photo-request",
    "desktop-snapshot",
    "answer-photo",
    "phone-snapshot",
]


@pytest.fixture(scope="module")
def fake_wechat():
    with FakeWeChatServer(FakeWeChat()) as server:
        yield server


@pytest.fixture(scope="module")
def app(service_urls, fake_wechat):
    return create_app(
        make_settings(
            service_urls,
            WECHAT_APPID=APPID,
            WECHAT_SECRET=SECRET,
            WECHAT_API_BASE=fake_wechat.base_url,
        )
    )


@pytest.fixture
def uploaders(client, factory):
    """path name -> (method, url, headers) for one candidate in an open attempt, its teacher
    and its paired phones."""
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    student = factory.student(school)
    exam = factory.exam(school, students=[student], face_check_required=True)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, RULE)
    candidate = factory.login_student(student)
    # With a base photo, face checks store their capture. The attempt is in a second exam that
    # needs no face check, so the snapshot and phone paths have an open attempt.
    client.put(
        f"/api/v1/students/{student.id}/base-photo",
        headers=teacher.headers,
        data={"file": (io.BytesIO(YAOMING.read_bytes()), "b.jpg")},
        content_type="multipart/form-data",
    )
    open_exam = factory.exam(school, students=[student])
    factory.questions(open_exam, SAMPLE_BANK)
    factory.paper_rule(open_exam, RULE)
    attempt_id = client.post(
        f"/api/v1/exams/{open_exam.id}/attempts", headers=candidate.headers
    ).get_json()["attempt_id"]
    phone_token = client.post("/api/v1/auth/wechat", json={"code": "ok-uploader"}).get_json()[
        "access_token"
    ]
    phone = {"Authorization": f"Bearer {phone_token}"}
    pairings = {}
    for purpose in ("answer_photo", "second_camera"):
        scene = client.post(
            f"/api/v1/attempts/{attempt_id}/questions/1/qrcode",
            headers=candidate.headers,
            json={"purpose": purpose},
        ).get_json()["scene"]
        pairings[purpose] = client.post(
            "/api/v1/pairings", headers=phone, json={"scene": scene}
        ).get_json()["pairing_id"]
    return {
        "face-check": ("post", f"/api/v1/exams/{exam.id}/face-checks", candidate.headers),
        "base-photo": ("put", f"/api/v1/students/{student.id}/base-photo", teacher.headers),
        "base-photo-request": ("post", "/api/v1/me/base-photo-requests", candidate.headers),
        "desktop-snapshot": ("post", f"/api/v1/attempts/{attempt_id}/snapshots", candidate.headers),
        "answer-photo": ("post", f"/api/v1/pairings/{pairings['answer_photo']}/photos", phone),
        "phone-snapshot": (
            "post",
            f"/api/v1/pairings/{pairings['second_camera']}/snapshots",
            phone,
        ),
    }


def send(client, uploader, data: bytes, name: str = "IMG_0001.jpg"):
    method, url, headers = uploader
    return getattr(client, method)(
        url,
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("path", PATHS)
def test_bad_inputs_are_refused_on_every_path(client, uploaders, storage_keys, path):
    before = storage_keys()
    for name, (data, status, code) in BAD.items():
        response = send(client, uploaders[path], data)
        assert (response.status_code, response.get_json()["code"]) == (status, code), (path, name)
        assert response.get_json()["message"] and response.get_json()["faq"] == 21
    assert storage_keys() == before, path


@pytest.mark.parametrize("path", PATHS)
def test_a_missing_file_or_a_json_body_is_a_clear_422(client, uploaders, path):
    method, url, headers = uploaders[path]
    response = getattr(client, method)(url, headers=headers, json={"file": "not a file"})
    assert response.status_code == 422, response.get_json()
    assert "file" in str(response.get_json()["errors"]), response.get_json()


@pytest.mark.parametrize("path", PATHS)
def test_an_iphone_heic_is_accepted(client, uploaders, path):
    response = send(client, uploaders[path], heic(), "IMG_0001.HEIC")
    assert response.status_code == 202, response.get_json()
