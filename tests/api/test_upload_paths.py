"""Every photo upload path refuses the same bad inputs the same way, and accepts an iPhone HEIC
and a 48 or 108 MP phone photo.

Paths: the entry face check, a teacher's base photo (one, or in a zip), a student's replacement
request, a desktop webcam snapshot, a phone's answer photo and a phone's second-camera frame.
Nothing refused is stored or queued; what is accepted is acknowledged with 202. Decompression
bombs are refused from their header, fast, without a pixel decoded (413 IMAGE_TOO_LARGE).
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from PIL import Image, ImageFile

from server.app import create_app
from server.app_services import EXTENSION_KEY
from server.domain.jobs import MEDIA_QUEUES
from tests.conftest import make_settings
from tests.face_photos import YAOMING
from tests.factories import SAMPLE_BANK
from tests.fakes.wechat import APPID, SECRET
from tests.photos import encode, jpeg_claiming, plain_jpeg, png_bomb, upright_scene

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # insightface's, in the jobs

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
    "decompression-bomb": (bomb(), 413, "IMAGE_TOO_LARGE"),
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
    return make_uploaders(client, factory)


def make_uploaders(client, factory) -> dict[str, tuple[str, str, dict]]:
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


# --- decompression bombs and camera-sized photos ---


@pytest.fixture
def decoded(monkeypatch):
    """Every pixel decode in this process (the web process of the test client): Pillow's load,
    for every format and plugin. The uploads' own bytes are made before."""
    calls: list[str | None] = []
    originals = {ImageFile.ImageFile: ImageFile.ImageFile.load, Image.Image: Image.Image.load}

    def spy(cls):
        def load(self, *args, **kwargs):
            calls.append(self.format)
            return originals[cls](self, *args, **kwargs)

        return load

    for cls in originals:
        monkeypatch.setattr(cls, "load", spy(cls))
    return calls


def queued_jobs(app) -> int:
    jobs = app.extensions[EXTENSION_KEY].jobs
    return sum(jobs.queue(name).count for name in MEDIA_QUEUES)


@pytest.mark.parametrize("path", PATHS)
def test_a_png_bomb_is_refused_fast_and_never_decoded(
    app, client, uploaders, storage_keys, decoded, path
):
    """The 350 KB PNG of 10954 x 10954 pixels (360 MB decoded) that was accepted with 202."""
    bomb = png_bomb(10954)
    before, queued = storage_keys(), queued_jobs(app)
    started = time.perf_counter()
    response = send(client, uploaders[path], bomb, "IMG_0002.png")
    elapsed = time.perf_counter() - started
    assert response.status_code == 413, response.get_json()
    body = response.get_json()
    assert (body["code"], body["faq"]) == ("IMAGE_TOO_LARGE", 21)
    assert "像素" in body["message"]
    assert (body["format"], body["width"], body["height"]) == ("PNG", 10954, 10954)
    assert decoded == []  # not a pixel, in the web process
    assert queued_jobs(app) == queued  # and nothing for a worker to decode
    assert storage_keys() == before
    assert elapsed < 1.0, f"{elapsed:.2f} s"


def test_a_bomb_in_a_base_photo_zip_is_a_report_line(app, client, factory, decoded):
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    student = factory.student(school)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{student.student_no}.png", png_bomb(10954))
    queued = queued_jobs(app)
    response = client.post(
        "/api/v1/students/base-photos",
        headers=teacher.headers,
        data={"file": (io.BytesIO(archive.getvalue()), "photos.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    [line] = response.get_json()["files"]
    assert (line["status"], line["code"]) == ("error", "IMAGE_TOO_LARGE"), line
    assert decoded == [] and queued_jobs(app) == queued


@pytest.fixture(scope="module")
def phone_photos() -> dict[str, bytes]:
    """A real 48 MP photo (8000 x 6000, baseline, as phones write it), and the header of a
    108 MP one (12000 x 9000; its pixels are not real: only intake sees it)."""
    return {"48 MP": plain_jpeg(8000, 6000), "108 MP": jpeg_claiming(12000, 9000)}


@pytest.mark.parametrize("path", PATHS)
def test_48_and_108_megapixel_phone_photos_are_accepted(
    client, uploaders, phone_photos, decoded, path
):
    for name, data in phone_photos.items():
        response = send(client, uploaders[path], data)
        assert response.status_code == 202, (name, response.get_json())
    assert decoded == []


def test_a_48_megapixel_photo_from_the_phone_becomes_a_ready_photo(
    app, client, uploaders, phone_photos, run_media_jobs
):
    response = send(client, uploaders["answer-photo"], phone_photos["48 MP"])
    assert response.status_code == 202, response.get_json()
    run_media_jobs()
    with app.app_context():
        from server.domain.exams import AnswerPhoto

        photo = app.extensions[EXTENSION_KEY].sessions().get(AnswerPhoto, response.get_json()["id"])
        assert (photo.status, photo.width, photo.height) == ("ready", 1600, 1200)


def damaged_png() -> bytes:
    """A whole PNG (it reaches IEND) whose compressed pixels are garbage: intake, which reads
    headers only, accepts it; the job's decode finds the damage."""
    data = encode(upright_scene(640, 480), "PNG")
    start = data.find(b"IDAT") + 200
    return (
        data[:start]
        + bytes(byte ^ 0x5A for byte in data[start : start + 2000])
        + data[start + 2000 :]
    )


@pytest.mark.parametrize("path", PATHS)
def test_damage_found_by_the_job_is_reported_and_nothing_kept(
    app, client, uploaders, storage_keys, run_media_jobs, path
):
    from rq.registry import FailedJobRegistry

    from server.domain.exams import AnswerPhoto
    from server.domain.faces import BasePhoto, FaceCheck
    from server.domain.faces.models import BasePhotoRequest
    from server.domain.proctoring import Snapshot

    run_media_jobs()  # the fixture's base photo
    before = set(storage_keys())
    response = send(client, uploaders[path], damaged_png(), "IMG_0003.png")
    assert response.status_code == 202, response.get_json()
    row_id = response.get_json()["id"]
    run_media_jobs()
    model, outcome = {
        "face-check": (FaceCheck, {"status": "failed", "reason": "unsupported"}),
        "base-photo": (BasePhoto, {"status": "unusable", "reason": "unsupported"}),
        "base-photo-request": (BasePhotoRequest, {"quality_reason": "unsupported"}),
        "desktop-snapshot": (
            Snapshot,
            {"status": "analysed", "findings": {"reason": "unreadable"}},
        ),
        "phone-snapshot": (Snapshot, {"status": "analysed", "findings": {"reason": "unreadable"}}),
        "answer-photo": (AnswerPhoto, {"status": "rejected", "reason": "unreadable"}),
    }[path]
    with app.app_context():
        row = app.extensions[EXTENSION_KEY].sessions().get(model, row_id)
        assert {name: getattr(row, name) for name in outcome} == outcome
    assert not [key for key in set(storage_keys()) - before if "/original-" in key]
    jobs = app.extensions[EXTENSION_KEY].jobs
    for name in MEDIA_QUEUES:
        assert FailedJobRegistry(queue=jobs.queue(name)).count == 0
