"""Base photos (FAQ 7, 8): teacher uploads, zips, replacement requests; stored photos are clean."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from PIL import Image

from server.adapters import faces
from tests import face_photos
from tests.photos import GPS_IFD, camera_jpeg

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


@pytest.fixture(scope="module")
def engine():
    return faces.warm_up()


@pytest.fixture
def school_setup(factory):
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    student = factory.student(school)
    return school, teacher, student


def multipart(data: bytes, name: str = "photo.jpg") -> dict:
    return {"data": {"file": (io.BytesIO(data), name)}, "content_type": "multipart/form-data"}


def put_base_photo(client, teacher, student_id, data, name="base.jpg"):
    return client.put(
        f"/api/v1/students/{student_id}/base-photo",
        headers=teacher.headers,
        **multipart(data, name),
    )


def base_state(client, teacher, student_id) -> dict:
    return client.get(
        f"/api/v1/students/{student_id}/base-photo", headers=teacher.headers
    ).get_json()


def download(client, url: str) -> bytes:
    response = client.get(url)  # a signed link: no token sent
    assert response.status_code == 200, url
    assert response.mimetype == "image/jpeg"
    return response.data


def test_teacher_upload_becomes_active_upright_and_without_gps(
    client, school_setup, run_media_jobs
):
    _school, teacher, student = school_setup
    # A portrait phone photo stored sideways (EXIF orientation 6) with GPS, and Yao Ming's face
    # pasted in so the photo is usable as a base photo.
    face = Image.open(face_photos.YAOMING).convert("RGB")
    phone = Image.open(io.BytesIO(camera_jpeg(2000, 1500, orientation=6)))
    phone.paste(face.resize((900, 1100)).rotate(90, expand=True), (400, 300))
    exif = phone.getexif()
    buffer = io.BytesIO()
    phone.save(buffer, "JPEG", exif=exif)
    response = put_base_photo(client, teacher, student.id, buffer.getvalue())
    assert response.status_code == 202 and response.get_json()["status"] == "processing"
    run_media_jobs()
    state = base_state(client, teacher, student.id)
    assert state["active"]["status"] == "active", state
    stored = Image.open(io.BytesIO(download(client, state["active"]["url"])))
    assert stored.size == (1200, 1600)  # upright portrait, long edge 1600
    assert not stored.getexif() and not stored.getexif().get_ifd(GPS_IFD)


def test_unusable_photo_keeps_the_previous_one_active(client, school_setup, run_media_jobs):
    _school, teacher, student = school_setup
    put_base_photo(client, teacher, student.id, face_photos.YAOMING.read_bytes())
    run_media_jobs()
    first = base_state(client, teacher, student.id)["active"]
    put_base_photo(client, teacher, student.id, face_photos.T1.read_bytes())  # six people
    run_media_jobs()
    state = base_state(client, teacher, student.id)
    assert state["active"]["id"] == first["id"]
    assert (state["latest"]["status"], state["latest"]["reason"]) == ("unusable", "multiple_faces")


def test_a_new_photo_replaces_the_old_which_is_kept(client, school_setup, run_media_jobs, app):
    _school, teacher, student = school_setup
    put_base_photo(client, teacher, student.id, face_photos.YAOMING.read_bytes())
    run_media_jobs()
    first = base_state(client, teacher, student.id)["active"]
    put_base_photo(client, teacher, student.id, face_photos.darkened(face_photos.YAOMING, 0.8))
    run_media_jobs()
    second = base_state(client, teacher, student.id)["active"]
    assert second["id"] != first["id"]
    from server.app_services import EXTENSION_KEY
    from server.domain.faces import BasePhoto

    with app.app_context():
        old = app.extensions[EXTENSION_KEY].sessions().get(BasePhoto, first["id"])
        assert old.status == "replaced" and old.replaced_at is not None
        assert old.embedding is None and old.photo_key  # the picture stays, the biometrics go


def test_other_schools_students_are_not_found(client, factory, school_setup):
    _school, _teacher, student = school_setup
    stranger = factory.login_teacher(factory.teacher(factory.school()))
    response = put_base_photo(client, stranger, student.id, face_photos.YAOMING.read_bytes())
    assert response.status_code == 404
    assert (
        client.get(
            f"/api/v1/students/{student.id}/base-photo", headers=stranger.headers
        ).status_code
        == 404
    )


def test_candidates_cannot_upload_base_photos(client, factory, school_setup):
    _school, _teacher, student = school_setup
    candidate = factory.login_student(student)
    assert (
        put_base_photo(client, candidate, student.id, face_photos.YAOMING.read_bytes()).status_code
        == 403
    )


def bomb() -> bytes:
    """A small PNG that claims 30000 x 30000 pixels."""
    buffer = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, name, status, code",
    [
        (b"", "empty.jpg", 415, "UNSUPPORTED_IMAGE"),
        (b"student photo list\n" * 50, "photo.jpg", 415, "UNSUPPORTED_IMAGE"),
        (face_photos.YAOMING.read_bytes()[:5000], "cut.jpg", 415, "UNSUPPORTED_IMAGE"),
        (bomb(), "bomb.png", 413, "IMAGE_TOO_LARGE"),
        (b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024), "huge.jpg", 413, "UPLOAD_TOO_LARGE"),
    ],
    ids=["empty", "text", "truncated", "bomb", "30MB"],
)
def test_bad_uploads_are_refused_cleanly(
    client, school_setup, storage_keys, data, name, status, code
):
    _school, teacher, student = school_setup
    before = storage_keys()
    response = put_base_photo(client, teacher, student.id, data, name)
    assert response.status_code == status
    assert response.get_json()["code"] == code
    assert storage_keys() == before
    assert base_state(client, teacher, student.id)["latest"] is None


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_import_reports_each_file(client, factory, school_setup, run_media_jobs):
    school, teacher, student = school_setup
    second = factory.student(school, student_no="S-ZIP-2")
    third = factory.student(school, student_no="S-ZIP-3")
    archive = make_zip(
        {
            f"照片/{student.student_no}.jpg": face_photos.YAOMING.read_bytes(),
            f"{second.student_no.lower()}.JPG": face_photos.face_crop(
                faces.warm_up(), face_photos.GDP, 0
            ),
            "NOBODY.jpg": face_photos.YAOMING.read_bytes(),
            f"{third.student_no}.jpg": b"not a photo",
            "__MACOSX/._x.jpg": b"resource fork",
            "readme.txt": b"ignored",
        }
    )
    response = client.post(
        "/api/v1/students/base-photos", headers=teacher.headers, **multipart(archive, "p.zip")
    )
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    by_file = {item["file"]: item for item in report["files"]}
    assert (report["total"], report["accepted"]) == (4, 2)
    assert by_file[f"照片/{student.student_no}.jpg"]["status"] == "accepted"
    assert by_file[f"{second.student_no.lower()}.JPG"]["status"] == "accepted"
    assert by_file["NOBODY.jpg"]["code"] == "STUDENT_NOT_FOUND"
    assert by_file[f"{third.student_no}.jpg"]["code"] == "UNSUPPORTED_IMAGE"
    run_media_jobs()
    assert base_state(client, teacher, student.id)["active"] is not None
    assert base_state(client, teacher, second.id)["active"] is not None


def test_zip_bomb_and_garbage_are_refused(client, school_setup):
    _school, teacher, _student = school_setup
    garbage = client.post(
        "/api/v1/students/base-photos", headers=teacher.headers, **multipart(b"PK no zip", "a.zip")
    )
    assert garbage.status_code == 422 and garbage.get_json()["code"] == "ZIP_BAD_FILE"
    # 600 MB of zeros compresses to well under a megabyte.
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("S00001.jpg", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(600):
            member.write(chunk)
    response = client.post(
        "/api/v1/students/base-photos",
        headers=teacher.headers,
        **multipart(buffer.getvalue(), "bomb.zip"),
    )
    assert response.status_code == 413 and response.get_json()["code"] == "UPLOAD_TOO_LARGE"


def test_a_large_zip_is_read_from_disk_not_memory(client, school_setup, tmp_path):
    """A school's zip far above the single-upload limit: the upload is spooled to a temporary
    file and read where it lies, so the request allocates a small fraction of its size."""
    import tracemalloc

    _school, teacher, student = school_setup
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{student.student_no}.jpg", face_photos.YAOMING.read_bytes())
        with archive.open("课堂录像.mp4", "w", force_zip64=True) as video:  # not a photo
            chunk = b"\0" * (1024 * 1024)
            for _ in range(150):
                video.write(chunk)
    boundary = "examcloud-zip-boundary"
    body = tmp_path / "body"
    with body.open("wb") as out, path.open("rb") as zipped:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="photos.zip"\r\nContent-Type: application/zip\r\n\r\n'.encode()
        )
        shutil.copyfileobj(zipped, out)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    size = body.stat().st_size
    assert size > 150 * 1024 * 1024
    tracemalloc.start()
    try:
        with body.open("rb") as stream:
            response = client.post(
                "/api/v1/students/base-photos",
                headers=teacher.headers,
                input_stream=stream,
                content_length=size,
                content_type=f"multipart/form-data; boundary={boundary}",
            )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["total"], response.get_json()["accepted"]) == (1, 1)
    assert peak < size / 8, f"{peak / 2**20:.1f} MiB allocated for a {size / 2**20:.0f} MiB zip"


def test_a_zip_of_countless_entries_is_refused_before_they_are_listed(client, school_setup):
    _school, teacher, _student = school_setup
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(12_000):  # folders: nothing in them, but each one an entry
            archive.writestr(zipfile.ZipInfo(f"d{index}/"), b"")
    response = client.post(
        "/api/v1/students/base-photos",
        headers=teacher.headers,
        **multipart(buffer.getvalue(), "many.zip"),
    )
    assert response.status_code == 422 and response.get_json()["code"] == "ZIP_TOO_MANY_FILES"


# --- replacement requests (FAQ 7) ---


def request_photo(client, candidate, data):
    return client.post(
        "/api/v1/me/base-photo-requests", headers=candidate.headers, **multipart(data)
    )


def test_request_is_scored_and_approval_replaces_the_base_photo(
    client, factory, school_setup, engine, run_media_jobs
):
    _school, teacher, student = school_setup
    put_base_photo(client, teacher, student.id, face_photos.YAOMING.read_bytes())
    run_media_jobs()
    old = base_state(client, teacher, student.id)["active"]
    candidate = factory.login_student(student)
    created = request_photo(client, candidate, face_photos.yao_capture(engine))
    assert created.status_code == 202 and created.get_json()["status"] == "pending"
    run_media_jobs()
    pending = client.get(
        "/api/v1/base-photo-requests?status=pending", headers=teacher.headers
    ).get_json()
    assert [item["id"] for item in pending] == [created.get_json()["id"]]
    item = pending[0]
    assert item["score"] > item["threshold"] and item["student_no"] == student.student_no
    assert download(client, item["current_photo_url"]) and download(client, item["photo_url"])

    approved = client.post(
        f"/api/v1/base-photo-requests/{item['id']}/approve",
        headers=teacher.headers,
        json={"note": "本人核实"},
    )
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert approved.get_json()["decided_by"] == teacher.user.id
    state = base_state(client, teacher, student.id)
    assert state["active"]["id"] != old["id"] and state["active"]["source"] == "request"
    again = client.post(
        f"/api/v1/base-photo-requests/{item['id']}/reject", headers=teacher.headers, json={}
    )
    assert again.status_code == 409 and again.get_json()["code"] == "REQUEST_DECIDED"
    mine = client.get("/api/v1/me/base-photo-requests", headers=candidate.headers).get_json()
    assert [(r["id"], r["status"]) for r in mine] == [(item["id"], "approved")]


def test_rejection_keeps_the_base_photo(client, factory, school_setup, engine, run_media_jobs):
    _school, teacher, student = school_setup
    put_base_photo(client, teacher, student.id, face_photos.YAOMING.read_bytes())
    run_media_jobs()
    old = base_state(client, teacher, student.id)["active"]
    candidate = factory.login_student(student)
    request_id = request_photo(
        client, candidate, face_photos.other_person_capture(engine)
    ).get_json()["id"]
    run_media_jobs()
    listed = client.get("/api/v1/base-photo-requests", headers=teacher.headers).get_json()
    assert listed[0]["score"] < listed[0]["threshold"]  # a different face: the teacher sees it
    rejected = client.post(
        f"/api/v1/base-photo-requests/{request_id}/reject",
        headers=teacher.headers,
        json={"note": "不是本人"},
    )
    assert rejected.get_json()["status"] == "rejected"
    assert base_state(client, teacher, student.id)["active"]["id"] == old["id"]


def test_a_photo_without_a_face_cannot_be_approved(client, factory, school_setup, run_media_jobs):
    _school, teacher, student = school_setup
    candidate = factory.login_student(student)
    request_id = request_photo(client, candidate, face_photos.black_frame()).get_json()["id"]
    early = client.post(
        f"/api/v1/base-photo-requests/{request_id}/approve", headers=teacher.headers, json={}
    )
    assert early.status_code == 409 and early.get_json()["code"] == "REQUEST_NOT_READY"
    run_media_jobs()
    item = client.get("/api/v1/base-photo-requests", headers=teacher.headers).get_json()[0]
    assert (item["quality_reason"], item["score"]) == ("too_dark", None)
    refused = client.post(
        f"/api/v1/base-photo-requests/{request_id}/approve", headers=teacher.headers, json={}
    )
    assert refused.status_code == 409 and refused.get_json()["code"] == "BASE_PHOTO_UNUSABLE"


def test_requests_are_school_scoped(client, factory, school_setup, engine):
    _school, _teacher, student = school_setup
    candidate = factory.login_student(student)
    request_id = request_photo(client, candidate, face_photos.yao_capture(engine)).get_json()["id"]
    stranger = factory.login_teacher(factory.teacher(factory.school()))
    assert client.get("/api/v1/base-photo-requests", headers=stranger.headers).get_json() == []
    response = client.post(
        f"/api/v1/base-photo-requests/{request_id}/approve", headers=stranger.headers, json={}
    )
    assert response.status_code == 404


def test_signed_links_expire_and_cannot_be_forged(client, school_setup, run_media_jobs):
    _school, teacher, student = school_setup
    put_base_photo(client, teacher, student.id, face_photos.YAOMING.read_bytes())
    run_media_jobs()
    url = base_state(client, teacher, student.id)["active"]["url"]
    assert client.get(url).status_code == 200
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert client.get(forged).status_code == 404
    path, _, _query = url.partition("?")
    assert client.get(path + "?expires=1&signature=" + "0" * 64).status_code == 404
