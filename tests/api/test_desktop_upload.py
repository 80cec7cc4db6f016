"""Answer photos chosen on the desktop itself (issue 15, FAQ 21): a candidate whose phone has no
network hands in a photo answer from the computer. The photo goes through the phone's intake --
the same checks, quota, job and events -- and is listed and removed as a phone's photo is."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.app import create_app
from tests.conftest import make_settings
from tests.factories import SAMPLE_BANK
from tests.fakes.wechat import APPID, SECRET
from tests.photos import GPS_IFD, camera_jpeg, jpeg_claiming, png_bomb

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # insightface's, in the jobs

LIMIT = 3  # answer photos per candidate per minute, phone and desktop together
PHOTO_RULE = [
    {"type": "single", "count": 1, "score": 5},
    {"type": "essay", "count": 1, "score": 20},
]


@pytest.fixture(scope="module")
def app(service_urls, fake_wechat):
    return create_app(
        make_settings(
            service_urls,
            WECHAT_APPID=APPID,
            WECHAT_SECRET=SECRET,
            WECHAT_API_BASE=fake_wechat.base_url,
            ANSWER_PHOTO_LIMIT=f"{LIMIT} per minute",
        )
    )


class Desk:
    """A candidate at the desktop in an open attempt of a single-choice and an essay question."""

    def __init__(self, client, factory) -> None:
        self.client, self.factory = client, factory
        self.school = factory.school()
        self.student = student = factory.student(self.school)
        self.exam = factory.exam(self.school, students=[student])
        factory.questions(self.exam, SAMPLE_BANK)
        factory.paper_rule(self.exam, PHOTO_RULE)
        self.candidate = factory.login_student(student)
        self.attempt_id = client.post(
            f"/api/v1/exams/{self.exam.id}/attempts", headers=self.candidate.headers
        ).get_json()["attempt_id"]
        kinds = {n: self.question(n)["type"] for n in (1, 2)}
        self.essay = next(n for n, kind in kinds.items() if kind == "essay")
        self.single = next(n for n, kind in kinds.items() if kind == "single")

    def question(self, n: int) -> dict:
        response = self.client.get(
            f"/api/v1/attempts/{self.attempt_id}/questions/{n}", headers=self.candidate.headers
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def upload(
        self,
        data: bytes,
        n: int | None = None,
        upload_id: str | None = "d-1",
        headers: dict | None = None,
        name: str = "IMG_0001.jpg",
        mimetype: str = "image/jpeg",
        attempt_id: int | None = None,
    ):
        form: dict = {"file": (io.BytesIO(data), name, mimetype)}
        if upload_id is not None:
            form["upload_id"] = upload_id
        return self.client.post(
            f"/api/v1/attempts/{attempt_id or self.attempt_id}/questions/{n or self.essay}/photos",
            headers=self.candidate.headers if headers is None else headers,
            data=form,
            content_type="multipart/form-data",
        )

    def events(self) -> list[dict]:
        response = self.client.get(
            f"/api/v1/attempts/{self.attempt_id}/events?after=0", headers=self.candidate.headers
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["events"]


@pytest.fixture
def desk(client, factory) -> Desk:
    return Desk(client, factory)


def phone_headers(client, openid: str) -> dict:
    response = client.post("/api/v1/auth/wechat", json={"code": f"ok-{openid}"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def assert_error(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert any("\u4e00" <= char <= "\u9fff" for char in body["message"]), body  # in Chinese
    return body


def test_a_desktop_photo_reaches_the_question_as_a_phone_photo_does(client, desk, run_media_jobs):
    first = desk.upload(camera_jpeg(4000, 3000, orientation=6))
    assert first.status_code == 202, first.get_json()
    assert first.get_json()["status"] == "processing" and first.get_json()["n"] == desk.essay
    run_media_jobs()
    assert [e["type"] for e in desk.events()] == ["upload_received", "photo_ready"]
    ready = desk.events()[-1]["data"]
    assert (ready["photo_id"], ready["n"]) == (first.get_json()["id"], desk.essay)
    assert (ready["width"], ready["height"]) == (1200, 1600)  # upright, downscaled
    stored = Image.open(io.BytesIO(client.get(ready["url"]).data))
    assert stored.size == (1200, 1600) and not stored.getexif().get_ifd(GPS_IFD)
    assert [(p["id"], p["status"]) for p in desk.question(desk.essay)["photos"]] == [
        (first.get_json()["id"], "ready")
    ]
    removed = client.delete(
        f"/api/v1/attempts/{desk.attempt_id}/photos/{first.get_json()['id']}",
        headers=desk.candidate.headers,
    )
    assert removed.status_code == 200
    assert desk.question(desk.essay)["photos"] == []


def test_a_retried_upload_is_stored_once(desk, storage_keys):
    photo = camera_jpeg(800, 600)
    first = desk.upload(photo, upload_id="retry-me")
    stored = storage_keys()
    retried = desk.upload(photo, upload_id="retry-me")  # the answer was lost on the way
    assert retried.status_code == 202 and retried.get_json()["id"] == first.get_json()["id"]
    assert storage_keys() == stored
    assert [e["type"] for e in desk.events()] == ["upload_received"]
    other = desk.upload(photo, upload_id="another")
    assert other.get_json()["id"] != first.get_json()["id"]
    unnamed = desk.upload(photo, upload_id=None)  # no upload id: a new photo every time
    assert unnamed.status_code == 202 and unnamed.get_json()["upload_id"]


def test_desktop_uploads_leave_the_phone_codes_alone(client, desk):
    assert desk.upload(camera_jpeg(640, 480)).status_code == 202
    code = client.post(
        f"/api/v1/attempts/{desk.attempt_id}/questions/{desk.essay}/qrcode",
        headers=desk.candidate.headers,
        json={"purpose": "answer_photo"},
    ).get_json()
    assert len(code["scene"]) == 32  # a real code, not the desktop's own row
    phone = phone_headers(client, "desk-scan")
    forged = client.post(
        "/api/v1/pairings", headers=phone, json={"scene": f"desktop-{desk.attempt_id}-{desk.essay}"}
    )
    assert_error(forged, 404, "PAIRING_NOT_FOUND")
    paired = client.post("/api/v1/pairings", headers=phone, json={"scene": code["scene"]})
    assert paired.status_code == 200, paired.get_json()


def test_only_the_candidate_uploads_to_their_own_attempt(client, factory, desk):
    photo = camera_jpeg(800, 600)
    stranger = factory.login_student(factory.student(desk.school))
    assert_error(desk.upload(photo, headers=stranger.headers), 404, "NOT_FOUND")
    # Refused before the body is read: even one past the size limit is a 404, not a 413.
    huge = b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024)
    assert_error(desk.upload(huge, headers=stranger.headers), 404, "NOT_FOUND")
    assert_error(desk.upload(photo, attempt_id=desk.attempt_id + 10_000), 404, "NOT_FOUND")
    teacher = factory.login_teacher(factory.teacher(desk.school))
    assert desk.upload(photo, headers=teacher.headers).status_code == 403
    assert desk.upload(photo, headers=phone_headers(client, "desk-phone")).status_code == 403
    assert desk.upload(photo, headers={}).status_code == 401
    assert desk.events() == []


def test_only_a_photo_question_of_an_open_attempt_takes_photos(client, desk):
    photo = camera_jpeg(800, 600)
    assert_error(desk.upload(photo, n=desk.single), 422, "QUESTION_TAKES_NO_PHOTO")
    assert_error(desk.upload(photo, n=9), 404, "QUESTION_NOT_FOUND")
    client.post(f"/api/v1/attempts/{desk.attempt_id}/submit", headers=desk.candidate.headers)
    assert_error(desk.upload(photo), 409, "ATTEMPT_SUBMITTED")
    assert "upload_received" not in [e["type"] for e in desk.events()]


def test_the_attempt_moved_to_another_computer_takes_photos_there_only(client, factory, desk):
    photo = camera_jpeg(640, 480)
    second_pc = factory.login_student(desk.student)
    resumed = client.post(f"/api/v1/exams/{desk.exam.id}/attempts", headers=second_pc.headers)
    assert resumed.get_json()["attempt_id"] == desk.attempt_id
    assert_error(desk.upload(photo), 409, "ATTEMPT_MOVED")
    assert desk.upload(photo, headers=second_pc.headers).status_code == 202


BAD = {
    "empty": (b"", "IMG_0001.jpg", "image/jpeg", 415, "UNSUPPORTED_IMAGE"),
    "text-named-jpg": (
        b"name,student_no\n" * 40,
        "notes.jpg",
        "image/jpeg",
        415,
        "UNSUPPORTED_IMAGE",
    ),
    "pdf": (b"%PDF-1.4\n" + b"0" * 2000, "answer.pdf", "application/pdf", 415, "UNSUPPORTED_IMAGE"),
    "truncated-jpeg": (
        camera_jpeg(1200, 900)[:4000],
        "IMG_0001.jpg",
        "image/jpeg",
        415,
        "UNSUPPORTED_IMAGE",
    ),
    "png-bomb": (png_bomb(10954), "IMG_0002.png", "image/png", 413, "IMAGE_TOO_LARGE"),
    "jpeg-claiming-400MP": (
        jpeg_claiming(20000, 20000),
        "IMG_0003.jpg",
        "image/jpeg",
        413,
        "IMAGE_TOO_LARGE",
    ),
    "30MB": (
        b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024),
        "IMG_0004.jpg",
        "image/jpeg",
        413,
        "UPLOAD_TOO_LARGE",
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_file_is_a_clear_error_and_nothing_is_kept(desk, storage_keys, name):
    data, filename, mimetype, status, code = BAD[name]
    before = storage_keys()
    response = desk.upload(data, name=filename, mimetype=mimetype, upload_id=f"bad-{name}")
    body = assert_error(response, status, code)
    assert body["faq"] == 21
    assert storage_keys() == before
    assert desk.question(desk.essay)["photos"] == []
    if code != "UPLOAD_TOO_LARGE":  # a body past the limit is refused before the view runs
        rejected = [e["data"] for e in desk.events() if e["type"] == "upload_rejected"]
        assert [(e["n"], e["reason"]) for e in rejected] == [(desk.essay, code)]
    # The refusal does not stand in the way of a good photo with a fresh upload id.
    assert desk.upload(camera_jpeg(640, 480), upload_id=f"good-{name}").status_code == 202


def test_a_missing_file_is_a_422_on_that_field(client, desk):
    response = client.post(
        f"/api/v1/attempts/{desk.attempt_id}/questions/{desk.essay}/photos",
        headers=desk.candidate.headers,
        json={"file": "not a file"},
    )
    assert response.status_code == 422 and "file" in str(response.get_json()["errors"])


def test_phone_and_desktop_share_the_candidates_quota(client, desk, storage_keys):
    phone = phone_headers(client, "desk-quota")
    scene = client.post(
        f"/api/v1/attempts/{desk.attempt_id}/questions/{desk.essay}/qrcode",
        headers=desk.candidate.headers,
        json={"purpose": "answer_photo"},
    ).get_json()["scene"]
    pairing_id = client.post("/api/v1/pairings", headers=phone, json={"scene": scene}).get_json()[
        "pairing_id"
    ]
    photo = camera_jpeg(640, 480)
    for index in range(LIMIT - 1):
        sent = client.post(
            f"/api/v1/pairings/{pairing_id}/photos",
            headers=phone,
            data={"file": (io.BytesIO(photo), "IMG.jpg"), "upload_id": f"p-{index}"},
            content_type="multipart/form-data",
        )
        assert sent.status_code == 202, sent.get_json()
    assert desk.upload(photo, upload_id="d-last").status_code == 202
    before = storage_keys()
    refused = desk.upload(photo, upload_id="d-over")
    body = assert_error(refused, 429, "UPLOAD_RATE_LIMITED")
    assert int(refused.headers["Retry-After"]) == body["retry_after"] >= 1
    assert storage_keys() == before
    # A retry of an accepted upload is still answered: it costs nothing.
    assert desk.upload(photo, upload_id="d-last").status_code == 202
