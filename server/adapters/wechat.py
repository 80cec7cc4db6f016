"""WeChat for the mini-program: login (code2session) and mini-program codes (getwxacodeunlimit),
through wechatpy 1.8.18, with WeChat's error codes mapped to our own stable codes.

How wechatpy 1.8.18 is bent to fit (read from its source):

- URLs: ``BaseWeChatClient._request`` joins ``api_base_url`` (passed by the API object, here
  ``WeChatWxa.API_BASE_URL``, a class attribute naming api.weixin.qq.com) or else the client's
  ``API_BASE_URL`` (``.../cgi-bin/``) with the endpoint; ``fetch_access_token`` has its own
  hard-coded ``https://api.weixin.qq.com/cgi-bin/token``. So ``WECHAT_API_BASE`` is set on the
  client *and* on its own ``wxa`` object (each client gets fresh API objects), and the token is
  fetched here.
- Token refresh: with ``auto_retry`` on, ``_handle_result`` refetches the token and retries on
  40001/40014/42001 -- recursively, with no limit, so a gateway that keeps answering 42001 would
  fetch tokens until the stack runs out. It is turned off; ``_with_token`` retries once.
- Non-JSON answers: ``_decode_result`` returns the ``requests.Response`` itself when the body is
  not JSON, and ``_handle_result`` returns it untouched (``result_processor`` is only applied to
  dicts). getwxacodeunlimit answers image bytes on success and a JSON error with HTTP 200 on
  failure, so its result is either a Response (the image) or an exception.
- Timeouts: ``_request`` passes the client's ``timeout`` to requests (wechatpy's own token fetch
  passes none, one more reason to fetch it here); connection errors and timeouts come out as
  requests' exceptions, HTTP error statuses as ``WeChatClientException(errcode=None)``.
- ``code_to_session`` in wechatpy adds an access token to the jscode2session call, which does
  not need one: logins would then depend on the token endpoint (and its IP allow-list). The same
  GET is made here with the parameters as a list, which ``_request`` leaves without a token.

The access token lives in Redis (wechatpy's RedisStorage, key ``wechatpy:<appid>_access_token``)
so every process shares one; it is stored for ``expires_in`` minus 5 minutes (WeChat keeps an
old token valid for 5 minutes after a new one is issued, so the rollover is smooth), and a
Redis lock makes a burst of processes that find it missing fetch it once.

Never logged: the secret, session keys, tokens and login codes. requests' exceptions carry the
URL (with the secret in its query), so they are never chained onto our errors, and urllib3's
debug line with the URL is redacted.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com/"
TIMEOUT_SECONDS = 5.0
TOKEN_PREFIX = "wechatpy"
TOKEN_EARLY_SECONDS = 300  # stored for expires_in minus this
ENV_VERSIONS = ("release", "trial", "develop")
MAX_CODE_LENGTH = 256  # WeChat's login codes are 32 characters; this only bounds the query

# WeChat errcode -> our stable code; anything not here is WECHAT_ERROR.
ERROR_CODES = {
    40029: "WECHAT_CODE_INVALID",
    40163: "WECHAT_CODE_USED",
    45011: "WECHAT_RATE_LIMITED",  # per-minute limit
    45009: "WECHAT_RATE_LIMITED",  # daily quota
    -1: "WECHAT_BUSY",
    41030: "WECHAT_PAGE_INVALID",
}
# Invalid / wrong-type / expired access token: refresh it and retry once.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})

T = TypeVar("T")


class WeChatError(Exception):
    """A WeChat call that failed; `code` is ours (WECHAT_...), `errcode` WeChat's or None."""

    def __init__(self, code: str, errcode: int | None = None, errmsg: str = "") -> None:
        super().__init__(
            f"{code} (errcode {errcode}): {errmsg}"
            if errcode is not None
            else f"{code}: {errmsg}"
            if errmsg
            else code
        )
        self.code = code
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatNotConfigured(WeChatError):
    def __init__(self) -> None:
        super().__init__(
            "WECHAT_NOT_CONFIGURED", None, "WECHAT_APPID and WECHAT_SECRET are not set"
        )


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str | None
    session_key: str = field(repr=False)


class WeChat:
    """One mini-program's server API. Nothing connects (or imports wechatpy) until first use."""

    def __init__(
        self,
        appid: str | None,
        secret: str | None,
        api_base: str | None = DEFAULT_API_BASE,
        redis: Any = None,
        *,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        """`redis`: a redis client or URL for the shared token; None keeps it per process."""
        if not appid or not secret:
            raise WeChatNotConfigured()
        self.appid = appid
        self._secret = secret
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/") + "/"
        self.timeout = timeout
        if isinstance(redis, str):
            import redis as redis_module

            redis = redis_module.Redis.from_url(redis)
        self._redis = redis
        self._client = None
        self._lock = threading.Lock()
        _redact_urllib3_log()

    def __repr__(self) -> str:
        return f"WeChat(appid={self.appid!r}, api_base={self.api_base!r})"

    @property
    def client(self):
        """The wechatpy client (built on first use)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self):
        from wechatpy.session.memorystorage import MemoryStorage
        from wechatpy.session.redisstorage import RedisStorage

        storage = (
            RedisStorage(self._redis, prefix=TOKEN_PREFIX)
            if self._redis is not None
            else MemoryStorage()
        )
        return _client_class()(
            self.appid,
            self._secret,
            api_base=self.api_base,
            session=storage,
            timeout=self.timeout,
            fetch_token=self._refresh_token,
        )

    # --- calls ---

    def code_to_session(self, code: str) -> Session:
        """wx.login()'s code -> the user's openid (and unionid, session_key)."""
        if not isinstance(code, str) or not code or len(code) > MAX_CODE_LENGTH:
            raise WeChatError("WECHAT_CODE_INVALID", 40029, "invalid code")
        params = [
            ("appid", self.appid),
            ("secret", self._secret),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ]
        with _mapped_errors():
            # A list, not a dict: wechatpy adds an access token to dict params only.
            result = self.client.wxa._get("sns/jscode2session", params=params)
        if (
            not isinstance(result, dict)
            or not result.get("openid")
            or not result.get("session_key")
        ):
            raise WeChatError("WECHAT_ERROR", None, "jscode2session answered no openid")
        return Session(result["openid"], result.get("unionid") or None, result["session_key"])

    def wxa_code_unlimited(
        self, scene: str, page: str, env_version: str = "release", check_path: bool = True
    ) -> bytes:
        """A mini-program code opening `page` with `scene`: image bytes (JPEG, or PNG)."""
        if env_version not in ENV_VERSIONS:
            raise ValueError(f"env_version must be one of {ENV_VERSIONS}")
        data = {
            "scene": scene,
            "page": page,
            "env_version": env_version,
            "check_path": bool(check_path),
        }

        def call(token: str):
            # wechatpy 1.8.18's get_wxa_code_unlimited has no env_version / check_path.
            return self.client.wxa._post(
                "wxa/getwxacodeunlimit", params={"access_token": token}, data=data
            )

        with _mapped_errors():
            result = self._with_token(call)
        if isinstance(result, dict):  # JSON without an error code: not an image
            raise WeChatError(
                "WECHAT_ERROR", result.get("errcode"), "getwxacodeunlimit answered no image"
            )
        image = result.content
        if not image.startswith((b"\xff\xd8", b"\x89PNG")):
            raise WeChatError("WECHAT_ERROR", None, "getwxacodeunlimit answered no image")
        return image

    # --- the access token ---

    def _with_token(self, call: Callable[[str], T]) -> T:
        """call(token); on a token error, refresh the token (unless another process already
        did) and call once more."""
        from wechatpy.exceptions import WeChatClientException

        token = self.client.access_token
        try:
            return call(token)
        except WeChatClientException as error:
            if error.errcode not in TOKEN_ERRCODES:
                raise
            logger.info(
                "WeChat rejected the access token (errcode %s); refreshing it", error.errcode
            )
        return call(self._refresh_token(stale=token))

    def _refresh_token(self, stale: str | None = None) -> str:
        """A token other than `stale`: the one another process stored meanwhile, or a new one."""
        client = self.client
        lock = None
        if self._redis is not None:
            lock = self._redis.lock(
                f"{TOKEN_PREFIX}:{self.appid}_access_token:lock",
                timeout=3 * self.timeout,
                blocking_timeout=2 * self.timeout,
            )
            if not lock.acquire():
                lock = None  # the holder is stuck: fetch anyway rather than fail
        try:
            current = client.session.get(client.access_token_key)
            if current and current != stale:
                return current
            return self._fetch_token()
        finally:
            if lock is not None:
                from redis.exceptions import LockError

                with contextlib.suppress(LockError):  # expired while we fetched: nothing to undo
                    lock.release()

    def _fetch_token(self) -> str:
        client = self.client
        params = [
            ("grant_type", "client_credential"),
            ("appid", self.appid),
            ("secret", self._secret),
        ]
        result = client.get(self.api_base + "cgi-bin/token", params=params)  # list: no token added
        if not isinstance(result, dict) or not result.get("access_token"):
            raise WeChatError("WECHAT_ERROR", None, "cgi-bin/token answered no access_token")
        expires_in = int(result.get("expires_in") or 7200)
        client.session.set(
            client.access_token_key,
            result["access_token"],
            max(60, expires_in - TOKEN_EARLY_SECONDS),
        )
        # wechatpy trusts a stored token while expires_at is None; the store's TTL expires it.
        client.expires_at = None
        logger.info("fetched a WeChat access token for %s", self.appid)
        return result["access_token"]


@lru_cache(maxsize=1)
def _client_class():
    """wechatpy's WeChatClient with every URL on our API base and the token fetched by us."""
    from wechatpy import WeChatClient

    class Client(WeChatClient):
        def __init__(
            self,
            appid: str,
            secret: str,
            *,
            api_base: str,
            session,
            timeout: float,
            fetch_token: Callable[[], str],
        ) -> None:
            super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
            self.API_BASE_URL = api_base + "cgi-bin/"
            self.wxa.API_BASE_URL = api_base  # shadows the class attribute naming WeChat's host
            self._fetch_token = fetch_token

        def fetch_access_token(self):
            # wechatpy calls this when the store has no token (expires_at stays None).
            return {"access_token": self._fetch_token()}

    return Client


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """wechatpy's and requests' exceptions -> WeChatError, never chained: requests' messages
    hold the URL, and the URL holds the secret."""
    import requests
    from wechatpy.exceptions import WeChatClientException

    try:
        yield
    except WeChatClientException as error:
        if error.errcode is None:  # an HTTP error status (a gateway's 502, say)
            status = getattr(error.response, "status_code", None)
            code = "WECHAT_UNAVAILABLE" if status is None or status >= 500 else "WECHAT_ERROR"
            raise WeChatError(code, None, f"HTTP {status}") from None
        errcode = int(error.errcode)
        raise WeChatError(
            ERROR_CODES.get(errcode, "WECHAT_ERROR"), errcode, str(error.errmsg)
        ) from None
    except (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    ) as error:
        raise WeChatError("WECHAT_UNAVAILABLE", None, type(error).__name__) from None
    except requests.RequestException as error:
        raise WeChatError("WECHAT_ERROR", None, type(error).__name__) from None


_SECRETS_IN_URL = re.compile(r"((?:secret|js_code|access_token)=)[^&\s\"']*")


class _RedactFilter(logging.Filter):
    """urllib3 logs each request's URL at DEBUG; WeChat wants the secret in the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "=" in message:
            redacted = _SECRETS_IN_URL.sub(r"\1***", message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


_redact_lock = threading.Lock()


def _redact_urllib3_log() -> None:
    """Once per process, at the first adapter (not at import)."""
    target = logging.getLogger("urllib3.connectionpool")
    with _redact_lock:
        if not any(isinstance(existing, _RedactFilter) for existing in target.filters):
            target.addFilter(_RedactFilter())


def make_wechat(
    appid: str | None,
    secret: str | None,
    api_base: str | None = DEFAULT_API_BASE,
    redis: Any = None,
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> WeChat | None:
    """The adapter, or None when WeChat is not configured (the plain QR code still works)."""
    try:
        return WeChat(appid, secret, api_base, redis, timeout=timeout)
    except WeChatNotConfigured:
        return None


__all__ = [
    "DEFAULT_API_BASE",
    "ERROR_CODES",
    "Session",
    "WeChat",
    "WeChatError",
    "WeChatNotConfigured",
    "make_wechat",
]
