"""The web companion over the API (FAQ 21, 22 outside WeChat): a phone browser turns a scanned
scene into a web phone session and the pairing at once, then uploads through the phone
endpoints; nothing is created for a scene that cannot be redeemed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.app import create_app
from server.domain import catalogue
from server.domain.actors import Actor, Role
from server.domain.companion import Pairing
from server.domain.companion.models import Phone
from server.domain.error_catalogue import CATALOGUE
from tests.conftest import make_settings
from tests.fakes.wechat import APPID, SECRET, FakeWeChat, FakeWeChatServer
from tests.photos import camera_jpeg

ESSAY_RULE = [{"type": "essay", "count": 2, "score": 10}]
ESSAYS = [
    {"type": "essay", "stem": "简述考试诚信的重要性。", "answer": "参考要点：公平", "score": 10},
    {"type": "essay", "stem": "写出勾股定理并证明。", "answer": "参考要点：面积法", "score": 10},
]


@pytest.fixture(scope="module")
def fake_wechat():
    with FakeWeChatServer(FakeWeChat(pages={"pages/scan/entry/index"})) as server:
        yield server


def companion_settings(service_urls, fake_wechat, **overrides):
    return make_settings(
        service_urls,
        WECHAT_APPID=APPID,
        WECHAT_SECRET=SECRET,
        WECHAT_API_BASE=fake_wechat.base_url,
        PUBLIC_BASE_URL="https://exam.example.edu.cn",
        **overrides,
    )


@pytest.fixture(scope="module")
def app(service_urls, fake_wechat):
    return create_app(companion_settings(service_urls, fake_wechat))


def start_attempt(client, factory, exam, student) -> tuple[dict, int]:
    candidate = factory.login_student(student)
    response = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=candidate.headers)
    assert response.status_code in (200, 201), response.get_json()
    return candidate.headers, response.get_json()["attempt_id"]


@pytest.fixture
def desk(client, factory):
    """A candidate at the desktop in an open attempt of two essay questions:
    (candidate headers, attempt id, exam); the exam's school is desk.school."""
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, ESSAYS)
    factory.paper_rule(exam, ESSAY_RULE)
    headers, attempt_id = start_attempt(client, factory, exam, student)
    factory.desk_school = school
    return headers, attempt_id, exam


def code(client, candidate, attempt_id, n=1, purpose="answer_photo") -> dict:
    response = client.post(
        f"/api/v1/attempts/{attempt_id}/questions/{n}/qrcode",
        headers=candidate,
        json={"purpose": purpose},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def web_pair(client, scene, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/pairings/web", json={"scene": scene}, headers=headers)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def upload(client, token, pairing_id, data, upload_id="w-1", kind="photos"):
    return client.post(
        f"/api/v1/pairings/{pairing_id}/{kind}",
        headers=bearer(token),
        data={"file": (io.BytesIO(data), "photo.jpg"), "upload_id": upload_id},
        content_type="multipart/form-data",
    )


def phones(app) -> list[Phone]:
    with app.app_context():
        from server.app_services import services

        session = services().sessions()
        try:
            return list(session.scalars(select(Phone).order_by(Phone.id)))
        finally:
            session.close()


def event_types(client, candidate, attempt_id) -> list[str]:
    response = client.get(f"/api/v1/attempts/{attempt_id}/events?after=0", headers=candidate)
    return [event["type"] for event in response.get_json()["events"]]


def test_a_scanned_scene_is_a_web_phone_session_and_its_pairing(client, app, desk):
    candidate, attempt_id, _exam = desk
    scene = code(client, candidate, attempt_id)["scene"]
    response = web_pair(client, scene)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 3600
    assert (body["attempt_id"], body["question"], body["purpose"]) == (
        attempt_id,
        1,
        "answer_photo",
    )
    (phone,) = phones(app)
    assert phone.id == body["phone_id"]
    assert phone.openid.startswith("web:") and len(phone.openid) == 36 and phone.unionid is None
    assert "paired" in event_types(client, candidate, attempt_id)
    # The desktop's next request gets a fresh code: this one is spent.
    assert code(client, candidate, attempt_id)["scene"] != scene

    # Uploads through the phone endpoints, with the web phone's token.
    accepted = upload(client, body["access_token"], body["pairing_id"], camera_jpeg(1600, 1200))
    assert accepted.status_code == 202, accepted.get_json()
    again = upload(client, body["access_token"], body["pairing_id"], camera_jpeg(1600, 1200))
    assert again.status_code == 202 and again.get_json()["id"] == accepted.get_json()["id"]
    assert "upload_received" in event_types(client, candidate, attempt_id)


def test_a_web_second_camera_sends_snapshots(client, app, desk):
    candidate, attempt_id, _exam = desk
    scene = code(client, candidate, attempt_id, purpose="second_camera")["scene"]
    body = web_pair(client, scene).get_json()
    assert body["purpose"] == "second_camera"
    sent = upload(
        client, body["access_token"], body["pairing_id"], camera_jpeg(640, 480), kind="snapshots"
    )
    assert sent.status_code == 202, sent.get_json()
    # An answer photo on the second camera's pairing is refused.
    wrong = upload(client, body["access_token"], body["pairing_id"], camera_jpeg(640, 480))
    assert wrong.status_code == 409 and wrong.get_json()["code"] == "PAIRING_WRONG_PURPOSE"


def test_a_scene_that_cannot_be_redeemed_makes_no_phone(client, app, desk, fake_wechat):
    candidate, attempt_id, _exam = desk

    def refused(scene: str, status: int, code_name: str) -> None:
        response = web_pair(client, scene)
        assert response.status_code == status, response.get_json()
        assert response.get_json()["code"] == code_name
        assert response.get_json()["message"] == CATALOGUE[code_name].message
        assert "access_token" not in response.get_json()

    genuine = code(client, candidate, attempt_id, n=1)["scene"]
    # Forged: a changed character breaks the signature; an unknown but well-formed one is
    # refused the same way.
    forged = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    refused(forged, 404, "PAIRING_NOT_FOUND")
    refused("x" * 32, 404, "PAIRING_NOT_FOUND")

    # Used by another phone (the mini program).
    wechat = client.post("/api/v1/auth/wechat", json={"code": "ok-wechat-1"}).get_json()
    used = client.post(
        "/api/v1/pairings", headers=bearer(wechat["access_token"]), json={"scene": genuine}
    )
    assert used.status_code == 200
    refused(genuine, 409, "PAIRING_USED")

    # Expired.
    late = code(client, candidate, attempt_id, n=2)["scene"]
    with app.app_context():
        from server.app_services import services

        session = services().sessions()
        session.query(Pairing).filter_by(scene=late).one().expires_at -= timedelta(minutes=10)
        session.commit()
        session.close()
    refused(late, 410, "PAIRING_EXPIRED")

    # Ended by the candidate before anyone scanned it.
    unscanned = code(client, candidate, attempt_id, n=2, purpose="second_camera")
    with app.app_context():
        from server.app_services import services

        session = services().sessions()
        pairing_id = session.query(Pairing).filter_by(scene=unscanned["scene"]).one().id
        session.close()
    assert client.delete(f"/api/v1/pairings/{pairing_id}", headers=candidate).status_code == 204
    refused(unscanned["scene"], 410, "PAIRING_ENDED")

    # The attempt was handed in.
    last = code(client, candidate, attempt_id, n=1, purpose="second_camera")["scene"]
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=candidate).status_code in (
        200,
        202,
    )
    refused(last, 409, "ATTEMPT_SUBMITTED")

    assert [phone.openid for phone in phones(app)] == ["wechat-1"]  # no web phone at all


def test_the_same_browser_is_the_same_phone_when_it_scans_again(client, app, factory, desk):
    candidate, attempt_id, exam = desk
    first_scene = code(client, candidate, attempt_id, n=1)["scene"]
    first = web_pair(client, first_scene).get_json()
    token = first["access_token"]

    # Its own code again: the same pairing; without the token it is another phone's scan.
    again = web_pair(client, first_scene, token)
    assert again.status_code == 200
    assert (again.get_json()["phone_id"], again.get_json()["pairing_id"]) == (
        first["phone_id"],
        first["pairing_id"],
    )
    assert web_pair(client, first_scene).get_json()["code"] == "PAIRING_USED"

    # The next question's code: the same phone.
    second = web_pair(client, code(client, candidate, attempt_id, n=2)["scene"], token).get_json()
    assert second["phone_id"] == first["phone_id"] and second["pairing_id"] != first["pairing_id"]
    assert len(phones(app)) == 1

    # Another candidate of the same exam: this phone serves one candidate per exam.
    neighbour = factory.student(factory.desk_school)
    with factory.app.app_context():
        catalogue.enrol(factory.session, Actor(0, Role.ADMIN, None), exam.id, [neighbour.id])
    other_candidate, other_attempt = start_attempt(client, factory, exam, neighbour)
    other_scene = code(client, other_candidate, other_attempt)["scene"]
    in_use = web_pair(client, other_scene, token)
    assert in_use.status_code == 409 and in_use.get_json()["code"] == "PHONE_IN_USE"
    assert len(phones(app)) == 1  # refused: no phone made for it either
    # The scene was not spent: another phone still pairs with it.
    assert web_pair(client, other_scene).status_code == 200
    assert len(phones(app)) == 2


def test_a_token_that_is_not_a_live_web_phone_makes_a_new_phone(client, app, desk):
    candidate, attempt_id, _exam = desk
    # A candidate's own token is no phone: a new web phone, never the candidate's account.
    fresh = web_pair(client, code(client, candidate, attempt_id, n=1)["scene"], None)
    token = fresh.get_json()["access_token"]
    by_candidate = client.post(
        "/api/v1/pairings/web",
        json={"scene": code(client, candidate, attempt_id, n=2)["scene"]},
        headers=candidate,
    )
    assert by_candidate.status_code == 200
    assert by_candidate.get_json()["phone_id"] != fresh.get_json()["phone_id"]
    # A logged-out web phone is a new phone too.
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    logged_out = web_pair(
        client, code(client, candidate, attempt_id, n=1, purpose="second_camera")["scene"], token
    )
    assert logged_out.status_code == 200
    assert logged_out.get_json()["phone_id"] not in {
        fresh.get_json()["phone_id"],
        by_candidate.get_json()["phone_id"],
    }
    assert all(phone.openid.startswith("web:") for phone in phones(app))


def test_a_web_phone_token_opens_only_the_phone_endpoints(client, app, desk):
    candidate, attempt_id, _exam = desk
    body = web_pair(client, code(client, candidate, attempt_id)["scene"]).get_json()
    phone = bearer(body["access_token"])
    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/exams"),
        ("GET", f"/api/v1/attempts/{attempt_id}/questions/1"),
        ("PUT", f"/api/v1/attempts/{attempt_id}/answers/1"),
        ("POST", f"/api/v1/attempts/{attempt_id}/submit"),
        ("GET", f"/api/v1/attempts/{attempt_id}/events"),
        ("POST", f"/api/v1/attempts/{attempt_id}/questions/1/qrcode"),
        ("GET", "/api/v1/batches"),
        ("GET", "/api/v1/schools"),
    ]:
        response = client.open(path, method=method, headers=phone, json={})
        assert response.status_code == 403, (method, path, response.get_json())
        assert response.get_json()["code"] == "FORBIDDEN"
    # It may end its own pairing; then its uploads stop.
    assert client.delete(f"/api/v1/pairings/{body['pairing_id']}", headers=phone).status_code == 204
    ended = upload(client, body["access_token"], body["pairing_id"], camera_jpeg(800, 600))
    assert ended.status_code == 410 and ended.get_json()["code"] == "PAIRING_ENDED"
    assert "unpaired" in event_types(client, candidate, attempt_id)


def test_the_page_is_served_without_caching_or_referrer(client, desk):
    candidate, attempt_id, _exam = desk
    scene = code(client, candidate, attempt_id)["scene"]
    response = client.get(f"/m/{scene}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert "/static/m/app.js" in page and "结束配对" in page and "拍照" in page
    assert scene not in page  # the page reads it from its address; it is never echoed
    assert client.get("/m/").status_code == 200  # where the page goes once the scene is used
    assert client.get("/static/m/app.js").status_code == 200


def test_the_setting_turns_the_web_companion_off(client, app, service_urls, fake_wechat, desk):
    candidate, attempt_id, _exam = desk
    scene = code(client, candidate, attempt_id)["scene"]
    off = create_app(
        companion_settings(service_urls, fake_wechat, WEB_COMPANION_ENABLED=False)
    ).test_client()
    page = off.get(f"/m/{scene}")
    assert page.status_code == 200 and "请使用微信扫一扫" in page.get_data(as_text=True)
    assert "/static/m/app.js" not in page.get_data(as_text=True)
    refused = off.post("/api/v1/pairings/web", json={"scene": scene})
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "WEB_COMPANION_DISABLED"
    assert "微信" in refused.get_json()["message"]
    assert phones(app) == []
    # The code is untouched: the mini program still pairs with it.
    wechat = off.post("/api/v1/auth/wechat", json={"code": "ok-wechat-2"}).get_json()
    paired = off.post(
        "/api/v1/pairings", headers=bearer(wechat["access_token"]), json={"scene": scene}
    )
    assert paired.status_code == 200


def test_scans_are_rate_limited_per_client_address(service_urls, fake_wechat, desk):
    limited = create_app(
        companion_settings(service_urls, fake_wechat, LOGIN_ADDRESS_LIMIT="3 per minute")
    )
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/api/v1/pairings/web", json={"scene": "x" * 32}).status_code == 404
    refused = client.post("/api/v1/pairings/web", json={"scene": "x" * 32})
    assert refused.status_code == 429 and refused.get_json()["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1
    # Another address has its own window.
    other = client.post(
        "/api/v1/pairings/web", json={"scene": "x" * 32}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 404
