"""The WeChat adapter against a fake WeChat (tests/fakes/wechat.py): in-process through
`responses`, or over loopback HTTP where the real urllib3 path (timeouts, logging) matters."""

from __future__ import annotations

import logging
import socket

import pytest
import redis

from server.adapters.qr import make_qr_renderer
from server.adapters.wechat import WeChat, WeChatError, WeChatNotConfigured, make_wechat
from tests.fakes.wechat import APPID, PAGE, SECRET, WXACODE_PNG, FakeWeChat, FakeWeChatServer

BASE = "https://wechat-gateway.test/"


@pytest.fixture
def fake():
    with FakeWeChat().mock(BASE) as fake:
        yield fake


def adapter(redis_client=None, api_base: str = BASE, **kwargs) -> WeChat:
    return WeChat(APPID, SECRET, api_base, redis_client, **kwargs)


@pytest.fixture
def shared_redis(service_urls):
    client = redis.Redis.from_url(service_urls[1])
    yield client
    client.close()


def test_code_to_session(fake):
    session = adapter().code_to_session("ok-o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
    assert session.openid == "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
    assert session.unionid is None
    assert session.session_key == "sk-o6_bmjrPTlm6_2sgVt7hMZOPfL2M-secret"
    assert "session_key" not in repr(session) and "secret" not in repr(session)
    [call] = fake.requests  # no access token: jscode2session does not need one
    assert call.path == "sns/jscode2session"
    assert call.query == {
        "appid": APPID,
        "secret": SECRET,
        "js_code": "ok-o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "grant_type": "authorization_code",
    }
    assert fake.token_fetches == 0


def test_code_to_session_with_unionid(fake):
    session = adapter().code_to_session("union-oABC")
    assert (session.openid, session.unionid) == ("oABC", "u-oABC")


@pytest.mark.parametrize(
    "code, expected, errcode",
    [
        ("used", "WECHAT_CODE_USED", 40163),
        ("invalid", "WECHAT_CODE_INVALID", 40029),
        ("busy", "WECHAT_BUSY", -1),
        ("limited", "WECHAT_RATE_LIMITED", 45011),
    ],
)
def test_code_to_session_errors(fake, code, expected, errcode):
    with pytest.raises(WeChatError) as caught:
        adapter().code_to_session(code)
    assert (caught.value.code, caught.value.errcode) == (expected, errcode)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_empty_code_is_refused_without_a_call(fake):
    with pytest.raises(WeChatError) as caught:
        adapter().code_to_session("")
    assert caught.value.code == "WECHAT_CODE_INVALID"
    assert fake.requests == []


def test_wrong_secret(fake):
    with pytest.raises(WeChatError) as caught:
        WeChat(APPID, "not-the-secret", BASE).code_to_session("ok-o1")
    assert (caught.value.code, caught.value.errcode) == ("WECHAT_ERROR", 40125)
    with pytest.raises(WeChatError) as caught:  # the token endpoint checks them too
        WeChat(APPID, "not-the-secret", BASE).wxa_code_unlimited("s1", PAGE)
    assert (caught.value.code, caught.value.errcode) == ("WECHAT_ERROR", 40125)


def test_wxacode_posts_env_version_and_check_path(fake):
    image = adapter().wxa_code_unlimited("AbC123-._~", PAGE, env_version="trial", check_path=False)
    assert image == WXACODE_PNG
    [call] = fake.calls("wxa/getwxacodeunlimit")
    assert call.body == {
        "scene": "AbC123-._~",
        "page": PAGE,
        "env_version": "trial",
        "check_path": False,
    }
    assert call.query == {"access_token": "TOKEN-1"}
    assert fake.token_fetches == 1


def test_wxacode_unknown_page(fake):
    wechat = adapter()
    with pytest.raises(WeChatError) as caught:
        wechat.wxa_code_unlimited("s1", "pages/missing/index")
    assert (caught.value.code, caught.value.errcode) == ("WECHAT_PAGE_INVALID", 41030)
    # WeChat checks the page only with check_path (unpublished pages in trial/develop).
    assert (
        wechat.wxa_code_unlimited("s1", "pages/missing/index", "develop", check_path=False)
        == WXACODE_PNG
    )


@pytest.mark.parametrize(
    "errcode, expected",
    [
        (-1, "WECHAT_BUSY"),
        (45011, "WECHAT_RATE_LIMITED"),
        (45009, "WECHAT_RATE_LIMITED"),
        (40097, "WECHAT_ERROR"),
    ],
)
def test_wxacode_errors(fake, errcode, expected):
    fake.fail_wxacode(errcode)
    with pytest.raises(WeChatError) as caught:
        adapter().wxa_code_unlimited("s1", PAGE)
    assert (caught.value.code, caught.value.errcode) == (expected, errcode)


def test_token_fetched_once_and_shared_through_redis(fake, shared_redis):
    first, second = adapter(shared_redis), adapter(shared_redis)
    assert first.wxa_code_unlimited("s1", PAGE) == WXACODE_PNG
    assert second.wxa_code_unlimited("s2", PAGE) == WXACODE_PNG
    assert first.wxa_code_unlimited("s3", PAGE) == WXACODE_PNG
    assert fake.token_fetches == 1
    assert [c.query["access_token"] for c in fake.calls("wxa/getwxacodeunlimit")] == ["TOKEN-1"] * 3
    key = f"wechatpy:{APPID}_access_token"
    assert shared_redis.get(key) == b'"TOKEN-1"'
    assert 7200 - 300 - 5 <= shared_redis.ttl(key) <= 7200 - 300  # renewed 5 min early


def test_a_burst_of_processes_fetches_the_token_once(shared_redis):
    import threading

    workers = 8
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def one(base_url: str) -> None:
        wechat = adapter(redis.Redis(connection_pool=shared_redis.connection_pool), base_url)
        barrier.wait()
        try:
            wechat.wxa_code_unlimited("burst", PAGE)
        except BaseException as error:
            errors.append(error)

    with FakeWeChatServer() as server:
        threads = [threading.Thread(target=one, args=(server.base_url,)) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(server.fake.calls("wxa/getwxacodeunlimit")) == workers
    assert server.fake.token_fetches == 1  # the Redis lock: one fetch, the others read it


def test_expired_token_is_refreshed_and_the_call_retried_once(fake, shared_redis):
    first, second = adapter(shared_redis), adapter(shared_redis)
    first.wxa_code_unlimited("s1", PAGE)
    fake.expire_tokens()
    assert first.wxa_code_unlimited("s2", PAGE) == WXACODE_PNG
    assert fake.token_fetches == 2
    assert [c.query["access_token"] for c in fake.calls("wxa/getwxacodeunlimit")] == [
        "TOKEN-1",
        "TOKEN-1",
        "TOKEN-2",
    ]
    # The other process reads the new token from Redis: no 42001, no fetch.
    second.wxa_code_unlimited("s3", PAGE)
    assert fake.token_fetches == 2


def test_a_token_refreshed_elsewhere_is_not_fetched_again(fake, shared_redis):
    first, second = adapter(shared_redis), adapter(shared_redis)
    first.wxa_code_unlimited("s1", PAGE)
    # `second` is told TOKEN-1 is stale after `first` already stored a new one.
    fake.expire_tokens()
    first.wxa_code_unlimited("s2", PAGE)
    assert second._refresh_token(stale="TOKEN-1") == "TOKEN-2"
    assert fake.token_fetches == 2


def test_token_errors_retry_only_once(fake):
    fake.fail_wxacode(42001, 42001, 42001)
    with pytest.raises(WeChatError) as caught:
        adapter().wxa_code_unlimited("s1", PAGE)
    assert caught.value.errcode == 42001  # wechatpy's own auto_retry would recurse here
    assert fake.token_fetches == 2
    assert len(fake.calls("wxa/getwxacodeunlimit")) == 2


def test_gateway_error_status_is_unavailable():
    import responses

    with responses.RequestsMock() as rsps:
        rsps.add("GET", BASE + "sns/jscode2session", status=502, body="Bad Gateway")
        with pytest.raises(WeChatError) as caught:
            adapter().code_to_session("ok-o1")
    assert (caught.value.code, caught.value.errcode) == ("WECHAT_UNAVAILABLE", None)


def test_network_down_is_unavailable():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    wechat = adapter(api_base=f"http://127.0.0.1:{port}/")
    for call in (
        lambda: wechat.code_to_session("ok-o1"),
        lambda: wechat.wxa_code_unlimited("s1", PAGE),
    ):
        with pytest.raises(WeChatError) as caught:
            call()
        assert (caught.value.code, caught.value.errcode) == ("WECHAT_UNAVAILABLE", None)
        assert SECRET not in str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        wechat = adapter(api_base=f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.3)
        with pytest.raises(WeChatError) as caught:
            wechat.code_to_session("ok-o1")
    assert caught.value.code == "WECHAT_UNAVAILABLE"


def test_not_configured():
    for appid, secret in ((None, None), ("", SECRET), (APPID, "")):
        with pytest.raises(WeChatNotConfigured) as caught:
            WeChat(appid, secret)
        assert caught.value.code == "WECHAT_NOT_CONFIGURED"
        assert make_wechat(appid, secret) is None
    with pytest.raises(WeChatNotConfigured):
        make_qr_renderer("wxacode", wechat=None, page=PAGE)


def test_over_loopback_http_without_logging_secrets(caplog):
    caplog.set_level(logging.DEBUG)
    with FakeWeChatServer() as server:
        wechat = WeChat(APPID, SECRET, server.base_url)
        session = wechat.code_to_session("ok-oLoop")
        image = wechat.wxa_code_unlimited("loop-1", PAGE, "release", True)
    assert session.openid == "oLoop"
    assert image == WXACODE_PNG
    assert [c.path for c in server.fake.requests] == [
        "sns/jscode2session",
        "cgi-bin/token",
        "wxa/getwxacodeunlimit",
    ]
    assert "jscode2session" in caplog.text  # urllib3 did log the requests...
    for secret in (SECRET, session.session_key, "TOKEN-1", "ok-oLoop"):
        assert secret not in caplog.text  # ...with the credentials redacted
    assert SECRET not in repr(wechat)
