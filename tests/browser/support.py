"""What the browser tests share: the live server's API as one logged-in person (staff, student or
the phone of the mini program), a base photo put in place through it, the console errors a test
expects, and checks of what the page shows (a loaded picture, Chinese glyphs)."""

from __future__ import annotations

import contextlib
import re

import requests
from playwright.sync_api import Page, expect

from tests.conftest import wait_until
from tests.face_photos import YAOMING
from tests.factories import STAFF_PASSWORD


class LiveApi:
    """The public API of the live server, as one logged-in person."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.authorize(token)

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> LiveApi:
        api = cls(base_url)
        api.authorize(
            api.post(
                "/auth/login", json={"username": username, "password": password}, expect_status=200
            )["access_token"]
        )
        return api

    def authorize(self, token: str) -> None:
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expect_status: int | tuple = (200, 201, 202), **kwargs):
        response = self.session.request(
            method, f"{self.base_url}/api/v1{path}", timeout=20, **kwargs
        )
        allowed = expect_status if isinstance(expect_status, tuple) else (expect_status,)
        assert response.status_code in allowed, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.call("PUT", path, **kwargs)

    def upload(
        self,
        method: str,
        path: str,
        data: bytes,
        name: str = "photo.jpg",
        mime: str = "image/jpeg",
        **kwargs,
    ):
        return self.call(method, path, files={"file": (name, data, mime)}, **kwargs)


def teacher_api(base_url: str, teacher) -> LiveApi:
    return LiveApi.login(base_url, teacher.username, STAFF_PASSWORD)


def student_api(base_url: str, student) -> LiveApi:
    from server.domain.identity import default_password

    return LiveApi.login(base_url, student.student_no, default_password(student.id_number))


class Phone(LiveApi):
    """The mini program, as far as the server can tell: WeChat login (the fake WeChat accepts the
    code "ok-<openid>"), redeem a scene, upload."""

    def __init__(self, base_url: str, openid: str) -> None:
        super().__init__(base_url)
        self.authorize(
            self.post("/auth/wechat", json={"code": f"ok-{openid}"}, expect_status=200)[
                "access_token"
            ]
        )

    def pair(self, scene: str) -> dict:
        return self.post("/pairings", json={"scene": scene}, expect_status=200)

    def upload(self, pairing_id: int, jpeg: bytes, name: str = "answer.jpg") -> dict:
        return super().upload(
            "POST", f"/pairings/{pairing_id}/photos", jpeg, name, expect_status=202
        )


def upload_base_photo(base_url: str, teacher, student, timeout: float = 60.0) -> dict:
    """Yao Ming's photo as the student's base photo, through the live server; waits until the
    media worker has made it active and returns the active photo."""
    staff = teacher_api(base_url, teacher)
    staff.upload("PUT", f"/students/{student.id}/base-photo", YAOMING.read_bytes(), "yaoming.jpg")
    return wait_until(
        lambda: staff.get(f"/students/{student.id}/base-photo")["active"],
        timeout=timeout,
        interval=0.3,
    )


# What Chromium logs on its own for a request that failed at the network level or answered
# 4xx/5xx. These entries come from the browser's network stack, not from the page's scripts.
RESOURCE_ERROR = re.compile(r"^Failed to load resource: ")


@contextlib.contextmanager
def expected_console_errors(page: Page, *patterns: str):
    """Inside the block, Chromium's own "Failed to load resource" lines that match one of
    `patterns` are expected (a refused login answers 401; fetches fail while offline) and are
    taken out of the page fixture's error list; anything else still fails the test."""
    errors = page.console_errors
    before = len(errors)
    yield
    seen = errors[before:]
    expected = [
        text
        for text in seen
        if RESOURCE_ERROR.search(text) and any(pattern in text for pattern in patterns)
    ]
    del errors[before:]
    errors.extend(text for text in seen if text not in expected)


def expect_image_loaded(page: Page, locator, timeout: float = 15_000) -> None:
    """The <img> is on screen and its picture has actually loaded."""
    expect(locator).to_be_visible(timeout=timeout)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=locator.element_handle(), timeout=timeout
    )


def assert_chinese_rendered(page: Page, text: str) -> None:
    """Each character of `text` is drawn with a real glyph in the page's font (not blank, not the
    box every missing glyph shares)."""
    result = page.evaluate(
        """(text) => {
          const font = getComputedStyle(document.body).fontFamily;
          const canvas = document.createElement("canvas");
          canvas.width = 64; canvas.height = 64;
          const g = canvas.getContext("2d");
          const draw = (ch) => {
            g.clearRect(0, 0, 64, 64);
            g.font = `40px ${font}`;
            g.fillText(ch, 4, 48);
            return Array.from(g.getImageData(0, 0, 64, 64).data).join(",");
          };
          const missing = draw("\\u{10FFFD}");
          const drawn = Array.from(text).map(draw);
          return {
            distinct: new Set(drawn).size,
            chars: drawn.length,
            missing: drawn.filter((pixels) => pixels === missing).length,
            blank: drawn.filter((pixels) => !/[1-9]/.test(pixels)).length,
          };
        }""",
        text,
    )
    assert result["distinct"] == len(set(text)), result
    assert result["missing"] == 0 and result["blank"] == 0, result
