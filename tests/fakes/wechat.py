"""A fake of WeChat's server API, the three endpoints we call, with their documented payloads.

One ``FakeWeChat`` holds the behaviour and the record of requests; it is served either

- in-process, through ``responses`` (``fake.mock(base_url)`` or ``fake.register(rsps, base_url)``),
  for tests that call the adapter directly; or
- over loopback HTTP (``FakeWeChatServer``: stdlib ``http.server`` in a thread on 127.0.0.1 and
  a free port), for end-to-end tests where the API runs in another process (set
  ``WECHAT_API_BASE`` to ``server.base_url``).

Endpoints and behaviour:

- ``GET cgi-bin/token``: checks grant_type, appid (40013) and secret (40125); issues a new token
  ``TOKEN-<n>`` valid for ``token_expires_in`` (older tokens stay valid, as WeChat keeps them for
  5 minutes); ``token_fetches`` counts the successful fetches.
- ``GET sns/jscode2session`` (no access token needed; answers ``text/plain`` like WeChat): checks
  appid/secret, then by the code: ``ok-<openid>`` -> openid and session_key,
  ``union-<openid>`` -> also unionid ``u-<openid>``, ``used`` -> 40163, ``invalid`` (or anything
  else) -> 40029, ``busy`` -> -1, ``limited`` -> 45011.
- ``POST wxa/getwxacodeunlimit?access_token=``: unknown token 40001, expired token 42001
  (``expire_tokens()``); a bad scene or env_version 40097; with check_path (the default) a page
  not in ``pages`` 41030; errcodes queued with ``fail_wxacode(...)`` come next; else a real PNG
  (``WXACODE_PNG``) as ``image/png``.

Errors are JSON with HTTP 200, as WeChat sends them.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

APPID = "wx0123456789abcdef"
SECRET = "fake-secret-0123456789abcdef01234"
PAGE = "pages/pair/index"
ENV_VERSIONS = ("release", "trial", "develop")
_SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")


def _tiny_png(side: int = 8) -> bytes:
    """A real side x side 8-bit greyscale PNG (a checkerboard), made without the code under test."""
    rows = b"".join(b"\x00" + bytes(255 * ((x + y) % 2) for x in range(side)) for y in range(side))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


WXACODE_PNG = _tiny_png()

_ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40013: "invalid appid",
    40029: "invalid code",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    41030: "invalid page",
    42001: "access_token expired",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
}
_CODE_ERRORS = {"used": 40163, "invalid": 40029, "busy": -1, "limited": 45011}


@dataclass
class Recorded:
    method: str
    path: str  # relative to the base URL, e.g. "cgi-bin/token"
    query: dict[str, str]
    body: dict | None  # the JSON body, if any


@dataclass
class FakeWeChat:
    appid: str = APPID
    secret: str = field(default=SECRET, repr=False)
    pages: set[str] = field(default_factory=lambda: {PAGE})
    token_expires_in: int = 7200
    requests: list[Recorded] = field(default_factory=list)
    token_fetches: int = 0
    _tokens: dict[str, bool] = field(default_factory=dict, repr=False)  # token -> still valid
    _wxacode_errors: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- controls and assertions ---

    def expire_tokens(self) -> None:
        """Every token issued so far now answers 42001."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, False)

    def fail_wxacode(self, *errcodes: int) -> None:
        """The next getwxacodeunlimit calls answer these errcodes, in order."""
        with self._lock:
            self._wxacode_errors.extend(errcodes)

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # --- the server ---

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[int, dict, bytes]:
        """(status, headers, body) for a request to `path` (relative to the base URL)."""
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        with self._lock:
            self.requests.append(Recorded(method, path, dict(query), payload))
            if method == "GET" and path == "cgi-bin/token":
                return self._token(query)
            if method == "GET" and path == "sns/jscode2session":
                return self._code2session(query)
            if method == "POST" and path == "wxa/getwxacodeunlimit":
                return self._wxacode(query, payload)
        return 404, {"Content-Type": "text/plain"}, b"not found"

    @staticmethod
    def _json(
        data: dict, content_type: str = "application/json; encoding=utf-8"
    ) -> tuple[int, dict, bytes]:
        return 200, {"Content-Type": content_type}, json.dumps(data).encode()

    def _error(self, errcode: int, content_type: str = "application/json; encoding=utf-8"):
        return self._json(
            {"errcode": errcode, "errmsg": f"{_ERRMSG.get(errcode, 'error')} rid: fake"},
            content_type,
        )

    def _credentials_error(self, query: dict[str, str]) -> int | None:
        if query.get("appid") != self.appid:
            return 40013
        if query.get("secret") != self.secret:
            return 40125
        return None

    def _token(self, query: dict[str, str]):
        if query.get("grant_type") != "client_credential":
            return self._error(40002)
        if errcode := self._credentials_error(query):
            return self._error(errcode)
        self.token_fetches += 1
        token = f"TOKEN-{self.token_fetches}"
        self._tokens[token] = True
        return self._json({"access_token": token, "expires_in": self.token_expires_in})

    def _code2session(self, query: dict[str, str]):
        text = "text/plain"  # what WeChat actually sends for this JSON
        if query.get("grant_type") != "authorization_code":
            return self._error(40002, text)
        if errcode := self._credentials_error(query):
            return self._error(errcode, text)
        code = query.get("js_code", "")
        for prefix in ("ok-", "union-"):
            if code.startswith(prefix) and len(code) > len(prefix):
                openid = code[len(prefix) :]
                answer = {"openid": openid, "session_key": f"sk-{openid}-secret"}
                if prefix == "union-":
                    answer["unionid"] = f"u-{openid}"
                return self._json(answer, text)
        return self._error(_CODE_ERRORS.get(code, 40029), text)

    def _wxacode(self, query: dict[str, str], payload: dict | None):
        valid = self._tokens.get(query.get("access_token", ""))
        if valid is None:
            return self._error(40001)
        if not valid:
            return self._error(42001)
        if self._wxacode_errors:
            return self._error(self._wxacode_errors.pop(0))
        payload = payload or {}
        if not _SCENE.fullmatch(str(payload.get("scene", ""))):
            return self._error(40097)
        if payload.get("env_version", "release") not in ENV_VERSIONS:
            return self._error(40097)
        if payload.get("check_path", True) and payload.get("page") not in self.pages:
            return self._error(41030)
        return 200, {"Content-Type": "image/png"}, WXACODE_PNG

    # --- serving it through responses ---

    def register(self, rsps, base_url: str) -> None:
        """Register the endpoints on a ``responses.RequestsMock`` under `base_url`."""
        base = base_url.rstrip("/") + "/"

        def callback(request):
            parts = urlsplit(request.url)
            path = parts.path[len(urlsplit(base).path) :]
            body = request.body or b""
            return self.handle(
                request.method,
                path,
                dict(parse_qsl(parts.query)),
                body.encode() if isinstance(body, str) else body,
            )

        for method, path in (
            ("GET", "cgi-bin/token"),
            ("GET", "sns/jscode2session"),
            ("POST", "wxa/getwxacodeunlimit"),
        ):
            rsps.add_callback(method, base + path, callback=callback)

    @contextlib.contextmanager
    def mock(self, base_url: str = "https://api.weixin.qq.com/") -> Iterator[FakeWeChat]:
        """Serve this fake through ``responses`` while the block runs (other URLs are refused)."""
        import responses

        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            self.register(rsps, base_url)
            yield self


class FakeWeChatServer:
    """The fake over real HTTP on 127.0.0.1 (a free port), in a daemon thread."""

    def __init__(self, fake: FakeWeChat | None = None) -> None:
        self.fake = fake or FakeWeChat()
        fake_wechat = self.fake

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, content = fake_wechat.handle(
                    self.command, parts.path.lstrip("/"), dict(parse_qsl(parts.query)), body
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _serve

            def log_message(self, format, *args):  # quiet; the fake records requests itself
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread: threading.Thread | None = None

    def start(self) -> FakeWeChatServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-wechat", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeWeChatServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
