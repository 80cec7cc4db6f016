"""QR codes for the phone companion: a plain QR code of ``<public base URL>/m/<scene>``, or a
WeChat mini-program code (wxacode) fetched through the WeChat adapter. Chosen by name
(``make_qr_renderer``); both return a ``RenderedCode``.

Every candidate of an exam may ask for a code in the same minute, so rendering is cheap and
cached. Our encoder (``server/adapters/qr_encoder.py``, tested module for module against the
``qrcode`` package) builds the module matrix from a layout precomputed per version and mask,
with a fixed mask pattern and a version sized once for the longest URL: choosing the mask is
what costs in ``qrcode.make`` (eight full matrices, each scored). Any mask is valid per
ISO/IEC 18004; mask 2 (``j % 3 == 0``) is the one ``qrcode`` itself picks most often for our
URLs and has the lowest mean penalty score (measured over random 32-char scenes at versions 4,
6, 7 and 9). The PNG (1-bit greyscale) is written here with numpy and zlib; bench/qr_render.py
compares it with ``qrcode``'s default and segno.

A scene's code never changes, so the PNG is rendered once per process and kept in a small LRU:
a repeated request for a still-valid code costs a dictionary look-up. Nothing is imported or
rendered at import time.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import quote

if TYPE_CHECKING:  # the WeChat adapter is only needed for wxacode
    from server.adapters.wechat import WeChat

Mode = Literal["qrcode", "wxacode"]

MASK_PATTERN = 2  # see the module docstring
BOX_SIZE = 10  # pixels per module, as qrcode's default: 490 px for a version 6 code
BORDER = 4  # the quiet zone the spec asks for, in modules
MAX_SCENE_LENGTH = 32
# WeChat's scene alphabet (no "%"); the plain renderer accepts the same scenes.
SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")
# Left as they are in the /m/<scene> path segment; "/", "?" and "#" would change the URL's
# meaning, so they are percent-encoded (a longer URL may then need a larger version).
_PATH_SAFE = "!$&'()*+,;=:@-._~"
PNG_CACHE_SIZE = 2048  # ~1 KB per plain code
WXACODE_CACHE_SIZE = 256  # WeChat's images are tens of KB
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class InvalidScene(ValueError):
    """A scene that is empty, longer than 32 characters or outside WeChat's alphabet."""


def validate_scene(scene: str) -> str:
    if not isinstance(scene, str) or not SCENE.fullmatch(scene):
        raise InvalidScene(f"invalid scene: {scene!r}")
    return scene


def min_version(length: int) -> int:
    """The smallest QR version holding `length` bytes in byte mode at error correction M."""
    from server.adapters import qr_encoder

    return qr_encoder.min_version(length, "M")


def qr_matrix(data: str, version: int | None = None, mask_pattern: int = MASK_PATTERN):
    """The module matrix (bool, True = dark), without quiet zone, of `data` as one byte-mode
    segment at error correction M. `version` is a minimum: data that does not fit gets the next
    version that holds it."""
    from server.adapters import qr_encoder

    encoded = data.encode()
    return qr_encoder.encode(
        encoded, max(version or 1, min_version(len(encoded))), "M", mask_pattern
    )


def render_png(
    data: str,
    *,
    version: int | None = None,
    box_size: int = BOX_SIZE,
    border: int = BORDER,
    mask_pattern: int = MASK_PATTERN,
) -> bytes:
    """A 1-bit greyscale PNG of the QR code for `data` (uncached; see cached_png)."""
    import numpy as np

    matrix = qr_matrix(data, version, mask_pattern)
    count = matrix.shape[0] + 2 * border
    modules = np.zeros((count, count), dtype=bool)
    modules[border : border + matrix.shape[0], border : border + matrix.shape[0]] = matrix
    side = count * box_size
    # Pack one pixel row per module row (white = 1), 1/box_size of the packing work of a full
    # bitmap. Its first PNG row has filter 0 (none); the box_size - 1 repeats have filter 2
    # ("up"): all-zero differences, which zlib's fastest level squeezes as well as its default
    # level does the plain rows, at a quarter of the time.
    packed = np.packbits(np.repeat(~modules, box_size, axis=1), axis=1)
    rows = np.zeros((count, box_size, packed.shape[1] + 1), dtype=np.uint8)
    rows[:, 0, 1:] = packed
    rows[:, 1:, 0] = 2
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


# Thread-safe (functools' lock); the key is the data and the layout arguments.
cached_png = lru_cache(maxsize=PNG_CACHE_SIZE)(render_png)


def image_content_type(image: bytes) -> str:
    if image.startswith(_PNG_SIGNATURE):
        return "image/png"
    if image.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "application/octet-stream"


@dataclass(frozen=True)
class RenderedCode:
    mode: Mode
    png: bytes = field(repr=False)  # image bytes; a wxacode may be a JPEG, see content_type
    url: str  # what the code opens: the /m/ URL, or the mini-program page with its scene
    content_type: str = "image/png"


class QrRenderer(Protocol):
    mode: Mode

    def render(self, scene: str) -> RenderedCode:
        """The code for `scene`; the same scene gives the same bytes (cached)."""


class PlainQrRenderer:
    """A QR code of ``<public_base_url>/m/<scene>``, any phone camera can open it."""

    mode: Mode = "qrcode"

    def __init__(
        self, public_base_url: str, *, box_size: int = BOX_SIZE, border: int = BORDER
    ) -> None:
        self.base_url = public_base_url.rstrip("/")
        self.box_size = box_size
        self.border = border
        # One version for every scene of this server, so all its codes look alike.
        self.version = min_version(len(self.url_for("x" * MAX_SCENE_LENGTH).encode()))

    def url_for(self, scene: str) -> str:
        return f"{self.base_url}/m/{quote(scene, safe=_PATH_SAFE)}"

    def render(self, scene: str) -> RenderedCode:
        url = self.url_for(validate_scene(scene))
        png = cached_png(url, version=self.version, box_size=self.box_size, border=self.border)
        return RenderedCode(self.mode, png, url)

    @staticmethod
    def cache_info():
        return cached_png.cache_info()


class WxaCodeRenderer:
    """A mini-program code (WeChat's getwxacodeunlimit) opening `page` with the scene."""

    mode: Mode = "wxacode"

    def __init__(
        self,
        wechat_client: WeChat,
        page: str,
        env_version: str = "release",
        check_path: bool = True,
    ) -> None:
        if not page:
            raise ValueError("wxacode needs the mini-program page that handles the scene")
        self.wechat = wechat_client
        self.page = page.lstrip("/")  # WeChat rejects a leading slash (41030)
        self.env_version = env_version
        self.check_path = check_path
        # Per renderer: the image depends on this app's page and version. Errors are not cached.
        self._fetch = lru_cache(maxsize=WXACODE_CACHE_SIZE)(self._fetch_uncached)

    def _fetch_uncached(self, scene: str) -> bytes:
        return self.wechat.wxa_code_unlimited(scene, self.page, self.env_version, self.check_path)

    def url_for(self, scene: str) -> str:
        # The page reads it from options.scene, URI-encoded as here.
        return f"{self.page}?scene={quote(scene, safe='')}"

    def render(self, scene: str) -> RenderedCode:
        image = self._fetch(validate_scene(scene))
        return RenderedCode(self.mode, image, self.url_for(scene), image_content_type(image))

    def cache_info(self):
        return self._fetch.cache_info()


def make_qr_renderer(
    mode: str,
    *,
    public_base_url: str = "",
    wechat: WeChat | None = None,
    page: str = "",
    env_version: str = "release",
    check_path: bool = True,
) -> QrRenderer:
    """The renderer named by `mode` ("qrcode" or "wxacode")."""
    if mode == "qrcode":
        if not public_base_url:
            raise ValueError("the plain QR code needs the public base URL")
        return PlainQrRenderer(public_base_url)
    if mode == "wxacode":
        if wechat is None:
            from server.adapters.wechat import WeChatNotConfigured

            raise WeChatNotConfigured()
        return WxaCodeRenderer(wechat, page, env_version, check_path)
    raise ValueError(f"unknown QR mode {mode!r}")


__all__ = [
    "InvalidScene",
    "PlainQrRenderer",
    "QrRenderer",
    "RenderedCode",
    "WxaCodeRenderer",
    "cached_png",
    "make_qr_renderer",
    "min_version",
    "render_png",
    "validate_scene",
]
