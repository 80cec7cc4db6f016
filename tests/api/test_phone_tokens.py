"""Issue 14.1: a phone session (the mini program's token from /auth/wechat) opens the companion
endpoints and nothing else. Account and phone tokens are distinct kinds (a signed claim): a
view open to any signed-in caller admits accounts only; a phone only where Role.PHONE is named.
"""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.app import create_app
from server.bootstrap import ensure_admin
from tests.api.test_openapi_operations import PUBLIC
from tests.conftest import make_settings
from tests.fakes.wechat import APPID, SECRET, FakeWeChat, FakeWeChatServer

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
# What the mini program calls with its phone session (miniprogram/services/pairing.js), and
# ending that session. Its ID-photo requests use the candidate's own login instead.
PHONE_OPERATIONS = {"redeem", "upload_photo", "upload_snapshot", "unpair", "logout"}


@pytest.fixture(scope="module")
def fake_wechat():
    with FakeWeChatServer(FakeWeChat(pages={"pages/scan/entry/index"})) as server:
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


def phone_login(client, openid: str = "phone-1") -> dict:
    response = client.post("/api/v1/auth/wechat", json={"code": f"ok-{openid}"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return {"Authorization": f"Bearer {body['access_token']}", "phone_id": body["phone_id"]}


def test_a_phone_token_is_not_the_account_with_the_same_id(client, factory, app):
    """The reported hole: /me answered the users row whose id equals the phone's (the admin's),
    and /me/password was an unthrottled password oracle against it."""
    with app.app_context():
        ensure_admin(factory.session, factory.services.passwords, "root", "admin-password-1")
    admin_id = factory.login("root", "admin-password-1").user.id
    phone = phone_login(client)
    assert phone.pop("phone_id") == admin_id  # the same number, as in the report
    me = client.get("/api/v1/me", headers=phone)
    assert me.status_code == 403 and me.get_json()["code"] == "FORBIDDEN"
    assert "username" not in me.get_json()
    password = client.post(
        "/api/v1/me/password",
        headers=phone,
        json={"old_password": "guess", "new_password": "whatever-long"},
    )
    assert password.status_code == 403 and password.get_json()["code"] == "FORBIDDEN"


def test_a_phone_token_opens_the_companion_endpoints_and_nothing_else(client, app):
    """Every operation of the OpenAPI, called with a phone token: the companion ones get past
    the token check (their own answer: an unknown scene or pairing), all others 401/403."""
    phone = phone_login(client)
    phone.pop("phone_id")
    spec = client.get("/api/v1/openapi.json").get_json()
    admitted = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or operation["operationId"] in PUBLIC | {"logout"}:
                continue  # (logging out would end the session: the last test does)
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = client.open(url, method=method.upper(), headers=phone, json={})
            if operation["operationId"] in PHONE_OPERATIONS:
                assert response.status_code not in (401, 403), (method, path)
                admitted.add(operation["operationId"])
            else:
                assert response.status_code in (401, 403), (method, path, response.get_json())
    assert admitted == PHONE_OPERATIONS - {"logout"}


def test_an_account_token_does_not_open_the_phone_endpoints(client, factory):
    school = factory.school()
    candidate = factory.login_student(factory.student(school))
    response = client.post("/api/v1/pairings", headers=candidate.headers, json={"scene": "x" * 20})
    assert response.status_code == 403


def test_a_token_whose_kind_does_not_match_its_role_is_invalid(client, app):
    """Even signed with the key: a phone's id claimed as an account, or an old token without a
    kind, is no token at all."""
    settings = app.extensions["examcloud"].settings
    serializer = URLSafeTimedSerializer(settings.secret_key, salt="access-token")
    base = {"u": 1, "s": None, "j": "session-1", "g": 0}
    for payload in (
        {**base, "k": "account", "r": "phone"},
        {**base, "k": "phone", "r": "admin"},
        {**base, "r": "admin"},  # no kind: a token from before issue 14
    ):
        token = serializer.dumps(payload)
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.get_json()["code"] == "TOKEN_INVALID"


def test_a_phone_session_can_end_itself(client):
    phone = phone_login(client)
    phone.pop("phone_id")
    assert client.post("/api/v1/auth/logout", headers=phone).status_code == 204
    response = client.post("/api/v1/pairings", headers=phone, json={"scene": "x" * 20})
    assert response.status_code == 401 and response.get_json()["code"] == "SESSION_ENDED"
