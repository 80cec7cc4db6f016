"""The phone companion over the API (FAQ 21, 22): QR codes, WeChat login, pairing, answer photos,
the second camera and the event log. WeChat is faked at the HTTP layer on loopback."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import cv2
import numpy as np
import pytest
from PIL import Image

from server.app import create_app
from server.domain.companion import Pairing
from tests.conftest import make_settings
from tests.factories import SAMPLE_BANK
from tests.fakes.wechat import APPID, SECRET, FakeWeChat, FakeWeChatServer
from tests.photos import GPS_IFD, camera_jpeg

SCENE_ALPHABET = set(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~"
)
PHOTO_RULE = [
    {"type": "single", "count": 1, "score": 5},
    {"type": "essay", "count": 1, "score": 20},
]


@pytest.fixture(scope="module")
def fake_wechat():
    fake = FakeWeChat(pages={"pages/scan/entry/index"})
    with FakeWeChatServer(fake) as server:
        yield server


@pytest.fixture(scope="module")
def settings(service_urls, fake_wechat):
    return make_settings(
        service_urls,
        WECHAT_APPID=APPID,
        WECHAT_SECRET=SECRET,
        WECHAT_API_BASE=fake_wechat.base_url,
        PUBLIC_BASE_URL="https://exam.example.edu.cn",
    )


@pytest.fixture(scope="module")
def app(settings):
    return create_app(settings)


def open_attempt(client, factory):
    """A candidate at the desktop in an open attempt of a single-choice and an essay question:
    (candidate, attempt id, exam, school)."""
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, PHOTO_RULE)
    candidate = factory.login_student(student)
    attempt_id = client.post(
        f"/api/v1/exams/{exam.id}/attempts", headers=candidate.headers
    ).get_json()["attempt_id"]
    return candidate, attempt_id, exam, school


@pytest.fixture
def desk(client, factory):
    return open_attempt(client, factory)


def qrcode(client, candidate, attempt_id, n=2, purpose="answer_photo"):
    return client.post(
        f"/api/v1/attempts/{attempt_id}/questions/{n}/qrcode",
        headers=candidate.headers,
        json={"purpose": purpose},
    )


def phone(client, openid: str) -> dict:
    response = client.post("/api/v1/auth/wechat", json={"code": f"ok-{openid}"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def pair(client, phone_headers, scene):
    return client.post("/api/v1/pairings", headers=phone_headers, json={"scene": scene})


def upload(client, phone_headers, pairing_id, data, upload_id="u-1", kind="photos"):
    return client.post(
        f"/api/v1/pairings/{pairing_id}/{kind}",
        headers=phone_headers,
        data={"file": (io.BytesIO(data), "IMG_0001.jpg"), "upload_id": upload_id},
        content_type="multipart/form-data",
    )


def events(client, candidate, attempt_id, after="0") -> list[dict]:
    response = client.get(
        f"/api/v1/attempts/{attempt_id}/events?after={after}", headers=candidate.headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["events"]


def essay_position(client, candidate, attempt_id) -> int:
    for n in (1, 2):
        if (
            client.get(
                f"/api/v1/attempts/{attempt_id}/questions/{n}", headers=candidate.headers
            ).get_json()["type"]
            == "essay"
        ):
            return n
    raise AssertionError("no essay question in the paper")


# --- QR codes ---


def test_a_code_is_reissued_while_valid_and_per_question(client, desk):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    first = qrcode(client, candidate, attempt_id, n).get_json()
    assert len(first["scene"]) == 32 and set(first["scene"]) <= SCENE_ALPHABET
    assert (
        first["mode"] == "qrcode"
        and first["url"] == f"https://exam.example.edu.cn/m/{first['scene']}"
    )
    image = cv2.imdecode(
        np.frombuffer(base64.b64decode(first["png"]), np.uint8), cv2.IMREAD_GRAYSCALE
    )
    # OpenCV's classic detector misses ~3 % of valid codes (the qrcode package's too); its
    # ArUco-based one read every one of 400 random scenes.
    assert cv2.QRCodeDetectorAruco().detectAndDecode(image)[0] == first["url"]
    assert qrcode(client, candidate, attempt_id, n).get_json()["scene"] == first["scene"]
    other = qrcode(client, candidate, attempt_id, n, "second_camera").get_json()
    assert other["scene"] != first["scene"]


@pytest.mark.parametrize(
    "body, content_type, status, errors",
    [
        (b"", "application/json", 422, {"purpose": ["Missing data for required field."]}),
        (
            b'{"purpose": "selfie"}',
            "application/json",
            422,
            {"purpose": ["Must be one of: answer_photo, second_camera."]},
        ),
        (
            b'{"purpose": "answer_photo", "n": 3}',
            "application/json",
            422,
            {"n": ["Unknown field."]},
        ),
        (b'["answer_photo"]', "application/json", 422, {"_schema": ["Invalid input type."]}),
        (b'{"purpose": ', "application/json", 400, {"json": ["Invalid JSON body."]}),
        (
            b'{"purpose": "answer_photo"}',
            "text/plain",
            422,
            {"purpose": ["Missing data for required field."]},
        ),
    ],
    ids=["empty", "unknown-purpose", "extra-field", "not-an-object", "broken-json", "not-json"],
)
def test_a_bad_code_request_is_a_clear_error(client, desk, body, content_type, status, errors):
    candidate, attempt_id, _exam, _school = desk
    response = client.post(
        f"/api/v1/attempts/{attempt_id}/questions/1/qrcode",
        data=body,
        headers=candidate.headers | {"Content-Type": content_type},
    )
    assert response.status_code == status
    assert response.get_json()["errors"] == errors and response.get_json()["message"]


def test_a_code_near_its_expiry_is_replaced(client, desk, app):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    first = qrcode(client, candidate, attempt_id, n).get_json()
    from server.app_services import EXTENSION_KEY

    services = app.extensions[EXTENSION_KEY]
    with app.app_context():
        session = services.sessions()
        row = session.query(Pairing).filter_by(scene=first["scene"]).one()
        row.expires_at = row.created_at + timedelta(seconds=30)  # under a minute left
        session.commit()
    services.issued_codes.forget(first["scene"])
    assert qrcode(client, candidate, attempt_id, n).get_json()["scene"] != first["scene"]


def test_codes_only_for_the_candidates_own_open_attempt(client, factory, desk):
    candidate, attempt_id, _exam, school = desk
    single = 3 - essay_position(client, candidate, attempt_id)
    assert (
        qrcode(client, candidate, attempt_id, single).get_json()["code"]
        == "QUESTION_TAKES_NO_PHOTO"
    )
    assert qrcode(client, candidate, attempt_id, 9).get_json()["code"] == "QUESTION_NOT_FOUND"
    stranger = factory.login_student(factory.student(school))
    assert qrcode(client, stranger, attempt_id).status_code == 404
    client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=candidate.headers)
    late = qrcode(client, candidate, attempt_id, 3 - single)
    assert late.status_code == 409 and late.get_json()["code"] == "ATTEMPT_SUBMITTED"


# --- WeChat login ---


@pytest.mark.parametrize(
    "code, status, error",
    [
        ("invalid", 401, "WECHAT_CODE_INVALID"),
        ("used", 401, "WECHAT_CODE_USED"),
        ("limited", 429, "WECHAT_RATE_LIMITED"),
        ("busy", 503, "WECHAT_BUSY"),
    ],
)
def test_wechat_errors_are_clear(client, code, status, error):
    response = client.post("/api/v1/auth/wechat", json={"code": code})
    assert response.status_code == status
    assert response.get_json()["code"] == error and response.get_json()["message"]


def test_without_wechat_credentials_the_login_says_so(service_urls):
    unconfigured = create_app(make_settings(service_urls)).test_client()
    response = unconfigured.post("/api/v1/auth/wechat", json={"code": "ok-x"})
    assert response.status_code == 503 and response.get_json()["code"] == "WECHAT_NOT_CONFIGURED"


# --- pairing ---


def test_pairing_is_single_use_and_tells_the_desktop(client, desk):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    scene = qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    mine = phone(client, "phone-a")
    paired = pair(client, mine, scene)
    assert paired.status_code == 200
    body = paired.get_json()
    assert (body["attempt_id"], body["question"], body["purpose"]) == (
        attempt_id,
        n,
        "answer_photo",
    )
    assert pair(client, mine, scene).status_code == 200  # the same phone scanning again
    second = pair(client, phone(client, "phone-b"), scene)
    assert second.status_code == 409 and second.get_json()["code"] == "PAIRING_USED"
    assert [e["type"] for e in events(client, candidate, attempt_id)] == ["paired"]
    # A redeemed code is not handed out again: the desktop gets a fresh one.
    assert qrcode(client, candidate, attempt_id, n).get_json()["scene"] != scene


def test_expired_forged_and_unknown_scenes(client, desk, app):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    scene = qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    mine = phone(client, "phone-c")
    forged = scene[:-1] + ("A" if scene[-1] != "A" else "B")
    assert pair(client, mine, forged).get_json()["code"] == "PAIRING_NOT_FOUND"
    assert pair(client, mine, "x" * 32).status_code == 404
    from server.app_services import EXTENSION_KEY

    with app.app_context():
        session = app.extensions[EXTENSION_KEY].sessions()
        session.query(Pairing).filter_by(scene=scene).one().expires_at -= timedelta(minutes=10)
        session.commit()
    expired = pair(client, mine, scene)
    assert expired.status_code == 410 and expired.get_json()["code"] == "PAIRING_EXPIRED"
    assert "刷新二维码" in expired.get_json()["message"]


def test_one_phone_cannot_serve_two_candidates_of_an_exam(client, factory, desk):
    candidate, attempt_id, exam, school = desk
    n = essay_position(client, candidate, attempt_id)
    shared = phone(client, "phone-shared")
    assert (
        pair(
            client, shared, qrcode(client, candidate, attempt_id, n).get_json()["scene"]
        ).status_code
        == 200
    )
    neighbour = factory.student(school)
    from server.domain import catalogue
    from server.domain.actors import Actor

    with factory.app.app_context():
        catalogue.enrol(factory.session, Actor(0, "admin", None), exam.id, [neighbour.id])
    other = factory.login_student(neighbour)
    other_attempt = client.post(
        f"/api/v1/exams/{exam.id}/attempts", headers=other.headers
    ).get_json()["attempt_id"]
    other_n = essay_position(client, other, other_attempt)
    refused = pair(
        client, shared, qrcode(client, other, other_attempt, other_n).get_json()["scene"]
    )
    assert refused.status_code == 409 and refused.get_json()["code"] == "PHONE_IN_USE"


# --- unpairing ---


def live_row(client, factory, school, exam, attempt_id) -> dict:
    teacher = factory.login_teacher(factory.teacher(school))
    rows = client.get(f"/api/v1/exams/{exam.id}/live", headers=teacher.headers).get_json()
    return next(row for row in rows if row["attempt_id"] == attempt_id)


def test_the_phone_unpairs_and_its_uploads_end_at_once(client, factory, desk):
    candidate, attempt_id, exam, school = desk
    n = essay_position(client, candidate, attempt_id)
    scene = qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    mine = phone(client, "phone-unpair")
    pairing_id = pair(client, mine, scene).get_json()["pairing_id"]
    assert upload(client, mine, pairing_id, camera_jpeg(800, 600)).status_code == 202
    assert live_row(client, factory, school, exam, attempt_id)["phones_paired"] == 1

    assert client.delete(f"/api/v1/pairings/{pairing_id}", headers=mine).status_code == 204
    refused = upload(client, mine, pairing_id, camera_jpeg(800, 600), upload_id="u-2")
    assert refused.status_code == 410 and refused.get_json()["code"] == "PAIRING_ENDED"
    assert "重新扫码" in refused.get_json()["message"]
    unpaired = events(client, candidate, attempt_id)[-1]
    assert unpaired["type"] == "unpaired"
    assert unpaired["data"] == {
        "pairing_id": pairing_id,
        "n": n,
        "purpose": "answer_photo",
        "by": "phone",
    }
    assert live_row(client, factory, school, exam, attempt_id)["phones_paired"] == 0
    # Scanning the old code again does not revive it; the desktop's next code is a new one.
    rescanned = pair(client, mine, scene)
    assert rescanned.status_code == 410 and rescanned.get_json()["code"] == "PAIRING_ENDED"
    fresh = qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    assert fresh != scene and pair(client, mine, fresh).status_code == 200
    # Again: nothing changes, nothing more is told; anyone else's: not found.
    assert client.delete(f"/api/v1/pairings/{pairing_id}", headers=mine).status_code == 204
    assert [e["type"] for e in events(client, candidate, attempt_id)].count("unpaired") == 1
    stranger = client.delete(f"/api/v1/pairings/{pairing_id}", headers=phone(client, "phone-x"))
    assert stranger.status_code == 404 and stranger.get_json()["code"] == "PAIRING_NOT_FOUND"


def test_the_candidate_ends_the_second_camera_from_the_desktop(client, factory, desk):
    candidate, attempt_id, exam, school = desk
    scene = qrcode(client, candidate, attempt_id, 1, "second_camera").get_json()["scene"]
    mine = phone(client, "phone-camera")
    pairing_id = pair(client, mine, scene).get_json()["pairing_id"]
    frame = camera_jpeg(640, 480)
    assert upload(client, mine, pairing_id, frame, kind="snapshots").status_code == 202
    assert live_row(client, factory, school, exam, attempt_id)["second_camera"] == "active"

    neighbour = factory.login_student(factory.student(school))
    teacher = factory.login_teacher(factory.teacher(school))
    assert (
        client.delete(f"/api/v1/pairings/{pairing_id}", headers=neighbour.headers).status_code
        == 404
    )
    assert (
        client.delete(f"/api/v1/pairings/{pairing_id}", headers=teacher.headers).status_code == 403
    )
    ended = client.delete(f"/api/v1/pairings/{pairing_id}", headers=candidate.headers)
    assert ended.status_code == 204 and ended.data == b""
    late = upload(client, mine, pairing_id, frame, kind="snapshots")
    assert late.status_code == 410 and late.get_json()["code"] == "PAIRING_ENDED"
    assert events(client, candidate, attempt_id)[-1]["data"]["by"] == "candidate"
    assert live_row(client, factory, school, exam, attempt_id)["second_camera"] is None
    # Ending it is not a way out of being watched: its silence is flagged like any other.
    from server.app_services import EXTENSION_KEY
    from server.domain import companion
    from server.domain.clock import utcnow

    services = client.application.extensions[EXTENSION_KEY]
    with client.application.app_context():
        later = utcnow() + services.pairing_policy.second_camera_grace + timedelta(seconds=1)
        assert companion.flag_lost_second_cameras(
            services.sessions(), services.pairing_policy, services.events, now=later
        ) == [pairing_id]
    flags = live_row(client, factory, school, exam, attempt_id)["flags"]
    assert [flag["kind"] for flag in flags] == ["second_camera_lost"]
    assert "ended_at" in flags[0]["detail"]


def test_an_unscanned_code_the_candidate_ends_cannot_be_scanned(client, desk):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    code = qrcode(client, candidate, attempt_id, n).get_json()
    from server.domain.companion import Pairing

    with client.application.app_context():
        from server.app_services import EXTENSION_KEY

        pairing_id = (
            client.application.extensions[EXTENSION_KEY]
            .sessions()
            .query(Pairing)
            .filter_by(scene=code["scene"])
            .one()
            .id
        )
    assert (
        client.delete(f"/api/v1/pairings/{pairing_id}", headers=candidate.headers).status_code
        == 204
    )
    scanned = pair(client, phone(client, "phone-late"), code["scene"])
    assert scanned.status_code == 410 and scanned.get_json()["code"] == "PAIRING_ENDED"
    assert qrcode(client, candidate, attempt_id, n).get_json()["scene"] != code["scene"]
    assert "unpaired" not in [e["type"] for e in events(client, candidate, attempt_id)]


# --- answer photos ---


def test_a_phone_photo_reaches_the_question_clean_and_once(client, desk, run_media_jobs):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    mine = phone(client, "phone-d")
    pairing_id = pair(
        client, mine, qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    ).get_json()["pairing_id"]
    photo = camera_jpeg(4000, 3000, orientation=6)
    first = upload(client, mine, pairing_id, photo, upload_id="retry-me")
    assert first.status_code == 202 and first.get_json()["status"] == "processing"
    retried = upload(
        client, mine, pairing_id, photo, upload_id="retry-me"
    )  # the network dropped the answer
    assert retried.get_json()["id"] == first.get_json()["id"]
    run_media_jobs()
    kinds = [e["type"] for e in events(client, candidate, attempt_id)]
    assert kinds == ["paired", "upload_received", "photo_ready"]
    ready = events(client, candidate, attempt_id)[-1]["data"]
    assert (ready["n"], ready["width"], ready["height"]) == (n, 1200, 1600)
    stored = Image.open(io.BytesIO(client.get(ready["url"]).data))
    assert stored.size == (1200, 1600) and not stored.getexif().get_ifd(GPS_IFD)
    question = client.get(
        f"/api/v1/attempts/{attempt_id}/questions/{n}", headers=candidate.headers
    ).get_json()
    assert [(p["id"], p["status"]) for p in question["photos"]] == [
        (first.get_json()["id"], "ready")
    ]
    removed = client.delete(
        f"/api/v1/attempts/{attempt_id}/photos/{first.get_json()['id']}", headers=candidate.headers
    )
    assert removed.status_code == 200
    question = client.get(
        f"/api/v1/attempts/{attempt_id}/questions/{n}", headers=candidate.headers
    ).get_json()
    assert question["photos"] == []


@pytest.mark.parametrize(
    "data, status, code",
    [
        (b"", 415, "UNSUPPORTED_IMAGE"),
        (b"just text, named IMG_0001.jpg\n" * 20, 415, "UNSUPPORTED_IMAGE"),
        (camera_jpeg(1200, 900)[:4000], 415, "UNSUPPORTED_IMAGE"),
        (b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024), 413, "UPLOAD_TOO_LARGE"),
    ],
    ids=["empty", "text", "truncated", "30MB"],
)
def test_refused_uploads_are_reported_on_the_desktop(client, desk, data, status, code):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    mine = phone(client, "phone-e")
    pairing_id = pair(
        client, mine, qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    ).get_json()["pairing_id"]
    response = upload(client, mine, pairing_id, data)
    assert response.status_code == status and response.get_json()["code"] == code
    if status == 415:  # a 413 body is refused by the server before the view reads it
        rejected = [
            e for e in events(client, candidate, attempt_id) if e["type"] == "upload_rejected"
        ]
        assert rejected and rejected[0]["data"]["reason"] == code


def test_a_photo_damaged_inside_is_rejected_after_its_202(
    client, desk, run_media_jobs, storage_keys
):
    # The intake checks the container (a cut file is refused at once, above); the pixels are
    # decoded once, by the job, which finds the damage, tells the desktop and keeps nothing.
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    mine = phone(client, "phone-i")
    pairing_id = pair(
        client, mine, qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    ).get_json()["pairing_id"]
    whole = io.BytesIO()
    Image.effect_noise((640, 480), 64).convert("RGB").save(whole, "PNG")
    data = whole.getvalue()
    start = data.find(b"IDAT") + 200
    damaged = (
        data[:start]
        + bytes(byte ^ 0x5A for byte in data[start : start + 2000])
        + data[start + 2000 :]
    )
    stored_before = storage_keys()
    accepted = upload(client, mine, pairing_id, damaged, upload_id="damaged-1")
    assert accepted.status_code == 202 and accepted.get_json()["status"] == "processing"
    photo_id = accepted.get_json()["id"]
    run_media_jobs()
    rejected = events(client, candidate, attempt_id)[-1]
    assert rejected["type"] == "upload_rejected"
    assert rejected["data"]["photo_id"] == photo_id and rejected["data"]["n"] == n
    assert (
        rejected["data"]["reason"] == "UNSUPPORTED_IMAGE"
        and "重新拍照" in rejected["data"]["message"]
    )
    question = client.get(
        f"/api/v1/attempts/{attempt_id}/questions/{n}", headers=candidate.headers
    ).get_json()
    assert question["photos"] == []
    assert storage_keys() == stored_before
    retried = upload(client, mine, pairing_id, damaged, upload_id="damaged-1")
    assert (retried.get_json()["id"], retried.get_json()["status"]) == (photo_id, "rejected")


def test_uploads_need_this_phones_pairing_of_an_open_attempt(client, desk):
    candidate, attempt_id, _exam, _school = desk
    n = essay_position(client, candidate, attempt_id)
    mine = phone(client, "phone-f")
    pairing_id = pair(
        client, mine, qrcode(client, candidate, attempt_id, n).get_json()["scene"]
    ).get_json()["pairing_id"]
    photo = camera_jpeg(800, 600)
    assert upload(client, phone(client, "phone-g"), pairing_id, photo).status_code == 404
    assert (
        upload(client, candidate.headers, pairing_id, photo).status_code == 403
    )  # not a phone session
    wrong = upload(client, mine, pairing_id, photo, kind="snapshots")
    assert wrong.status_code == 409 and wrong.get_json()["code"] == "PAIRING_WRONG_PURPOSE"
    client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=candidate.headers)
    late = upload(client, mine, pairing_id, photo)
    assert late.status_code == 409 and late.get_json()["code"] == "ATTEMPT_SUBMITTED"


# --- second camera ---


def test_a_silent_second_camera_is_flagged(client, desk):
    candidate, attempt_id, _exam, _school = desk
    mine = phone(client, "phone-h")
    scene = qrcode(client, candidate, attempt_id, 1, "second_camera").get_json()["scene"]
    pairing_id = pair(client, mine, scene).get_json()["pairing_id"]
    frame = upload(client, mine, pairing_id, camera_jpeg(640, 480), kind="snapshots")
    assert frame.status_code == 202 and frame.get_json()["source"] == "phone"
    from server.app_services import EXTENSION_KEY
    from server.domain import companion
    from server.domain.clock import utcnow

    services = client.application.extensions[EXTENSION_KEY]
    with client.application.app_context():
        session = services.sessions()
        policy = services.pairing_policy
        assert companion.flag_lost_second_cameras(session, policy, services.events) == []
        later = utcnow() + policy.second_camera_grace + timedelta(seconds=1)
        assert companion.flag_lost_second_cameras(session, policy, services.events, now=later) == [
            pairing_id
        ]
        assert (
            companion.flag_lost_second_cameras(session, policy, services.events, now=later) == []
        )  # once
    kinds = [e["type"] for e in events(client, candidate, attempt_id)]
    assert kinds[-2:] == ["second_camera_lost", "flag_raised"]


# --- the event log ---


def test_event_pages_are_private_and_validated(client, factory, desk):
    candidate, attempt_id, _exam, school = desk
    stranger = factory.login_student(factory.student(school))
    assert (
        client.get(
            f"/api/v1/attempts/{attempt_id}/events?after=0", headers=stranger.headers
        ).status_code
        == 404
    )
    bad = client.get(
        f"/api/v1/attempts/{attempt_id}/events?after=yesterday", headers=candidate.headers
    )
    assert bad.status_code == 422
    n = essay_position(client, candidate, attempt_id)
    pair(
        client,
        phone(client, "phone-i"),
        qrcode(client, candidate, attempt_id, n).get_json()["scene"],
    )
    first = events(client, candidate, attempt_id)
    assert events(client, candidate, attempt_id, after=first[-1]["id"]) == []


def test_wxacode_mode_asks_wechat_for_the_code(service_urls, fake_wechat, factory_for):
    client, factory = factory_for(
        QR_MODE="wxacode",
        WECHAT_APPID=APPID,
        WECHAT_SECRET=SECRET,
        WECHAT_API_BASE=fake_wechat.base_url,
    )
    candidate, attempt_id, _exam, _school = open_attempt(client, factory)
    code = qrcode(client, candidate, attempt_id, 1, "second_camera").get_json()
    assert code["mode"] == "wxacode" and code["url"].startswith("pages/scan/entry/index?scene=")
    posted = fake_wechat.fake.calls("wxa/getwxacodeunlimit")[-1].body
    assert posted["scene"] == code["scene"] and posted["page"] == "pages/scan/entry/index"
    assert posted["env_version"] == "release" and posted["check_path"] is True
    fake_wechat.fake.fail_wxacode(41030)
    failed = qrcode(client, candidate, attempt_id, 2, "second_camera")
    assert failed.status_code == 503 and failed.get_json()["code"] == "WECHAT_PAGE_INVALID"


@pytest.fixture
def factory_for(service_urls):
    from tests.factories import Factory

    def build(**overrides):
        other = create_app(make_settings(service_urls, **overrides))
        client = other.test_client()
        return client, Factory(other, client)

    return build


def test_the_stream_replays_after_last_event_id_keeps_alive_and_ends(factory_for, service_urls):
    client, factory = factory_for(EVENT_KEEPALIVE_SECONDS=0.2, EVENT_STREAM_MAX_SECONDS=1)
    candidate, attempt_id, _exam, _school = open_attempt(client, factory)
    from server.app_services import EXTENSION_KEY

    log = client.application.extensions[EXTENSION_KEY].events  # the app's publisher
    first = log.publish(attempt_id, "paired", {"n": 1})
    log.publish(attempt_id, "photo_ready", {"n": 1, "url": "https://example.invalid/p.jpg"})
    response = client.get(
        f"/api/v1/attempts/{attempt_id}/events",
        headers={**candidate.headers, "Last-Event-ID": first},
    )
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)  # the stream ends after EVENT_STREAM_MAX_SECONDS
    assert body.startswith(": connected")
    assert "event: photo_ready" in body and "event: paired" not in body
    assert ": keepalive" in body
