"""QR rendering: our PNGs decode back to their URL with a real decoder (OpenCV's), are cached,
and the wxacode renderer passes its arguments to WeChat (the fake of tests/fakes/wechat.py)."""

from __future__ import annotations

import io
import random
import string
from urllib.parse import unquote

import numpy as np
import pytest
from PIL import Image

from server.adapters.qr import (
    InvalidScene,
    PlainQrRenderer,
    RenderedCode,
    WxaCodeRenderer,
    make_qr_renderer,
    min_version,
    render_png,
)
from server.adapters.wechat import WeChat
from tests.fakes.wechat import APPID, PAGE, SECRET, WXACODE_PNG, FakeWeChat

BASE = "https://exam.example-university.edu.cn"
WECHAT_CHARSET = string.digits + string.ascii_letters + "!#$&'()*+,/:;=?@-._~"
URL_SAFE = string.ascii_letters + string.digits + "-_"


def decode(png: bytes) -> str:
    import cv2

    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None, "not a PNG OpenCV can read"
    # The ArUco-based detector: the classic one misses ~3 % of valid codes (the qrcode
    # package's own included), which made tests fail by chance.
    text, points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    assert points is not None, "no QR code found"
    return text


def random_scene(alphabet: str = URL_SAFE, length: int = 32, seed: int | None = None) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def test_plain_code_decodes_to_the_pairing_url():
    renderer = PlainQrRenderer(BASE + "/")
    scene = random_scene(seed=1)
    code = renderer.render(scene)
    assert code == RenderedCode("qrcode", code.png, f"{BASE}/m/{scene}", "image/png")
    assert decode(code.png) == f"{BASE}/m/{scene}"


def test_the_decoder_reads_qrcodes_default_too():
    import qrcode

    url = f"{BASE}/m/{random_scene(seed=2)}"
    out = io.BytesIO()
    qrcode.make(url).save(out, "PNG")
    assert decode(out.getvalue()) == url


def test_many_scenes_decode():
    renderer = PlainQrRenderer(BASE)
    for seed in range(20):
        scene = random_scene(seed=100 + seed, length=16 + seed % 17)
        assert decode(renderer.render(scene).png) == f"{BASE}/m/{scene}"


def test_png_layout():
    renderer = PlainQrRenderer(BASE)
    assert (
        renderer.version == min_version(len(BASE) + 3 + 32) == 5
    )  # 73 bytes; version 5-M holds 84
    with Image.open(io.BytesIO(renderer.render(random_scene(seed=3)).png)) as image:
        assert image.mode == "1"  # 1-bit greyscale
        side = (4 * renderer.version + 17 + 2 * 4) * 10  # modules + quiet zone, 10 px each
        assert image.size == (side, side)
        pixels = np.asarray(image)
    assert pixels[:40].all() and pixels[:, :40].all()  # a white 4-module border
    assert not pixels[40:110, 40].any()  # the finder pattern's dark left edge


def test_version_is_sized_for_a_60_char_base_url():
    base = "https://" + "e" * 40 + ".edu.cn/exam"  # 60 characters
    assert len(base) == 60
    renderer = PlainQrRenderer(base)
    assert renderer.version == 6  # 95 bytes; version 6-M holds 106
    scene = random_scene(seed=4)
    assert decode(renderer.render(scene).png) == f"{base}/m/{scene}"


def test_same_scene_same_bytes_from_the_cache():
    renderer = PlainQrRenderer(BASE)
    scene = random_scene(seed=5)
    first = renderer.render(scene)
    before = renderer.cache_info()
    second = PlainQrRenderer(BASE).render(scene)  # another renderer instance shares the cache
    after = renderer.cache_info()
    assert second.png == first.png
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)
    # And uncached rendering is deterministic (fixed mask and version).
    assert render_png(first.url, version=renderer.version) == first.png


def test_full_wechat_charset_scene_fits():
    renderer = PlainQrRenderer("https://" + "e" * 40 + ".edu.cn/exam")
    scene = random_scene(WECHAT_CHARSET, seed=6)
    scene = "/?#" + scene[3:]  # the three that need escaping in a URL path
    assert len(scene) == 32
    code = renderer.render(scene)
    assert "%2F%3F%23" in code.url  # "/", "?", "#" escaped; the rest left as they are
    decoded = decode(code.png)
    assert decoded == code.url
    assert unquote(decoded.rsplit("/m/", 1)[1]) == scene
    worst = "#" * 32  # every character escaped: 96 characters, a larger version, still fine
    assert unquote(decode(renderer.render(worst).png).rsplit("/m/", 1)[1]) == worst


@pytest.mark.parametrize("scene", ["", "x" * 33, "100%", "考试", "a b", None])
def test_invalid_scenes(scene):
    with pytest.raises(InvalidScene):
        PlainQrRenderer(BASE).render(scene)


def test_make_qr_renderer_by_name():
    assert isinstance(make_qr_renderer("qrcode", public_base_url=BASE), PlainQrRenderer)
    with pytest.raises(ValueError):
        make_qr_renderer("barcode", public_base_url=BASE)
    with pytest.raises(ValueError):
        make_qr_renderer("qrcode")


def test_wxacode_renderer_fetches_from_wechat_once():
    base = "https://wechat-gateway.test/"
    with FakeWeChat().mock(base) as fake:
        wechat = WeChat(APPID, SECRET, base)
        renderer = make_qr_renderer(
            "wxacode", wechat=wechat, page="/" + PAGE, env_version="develop", check_path=False
        )
        assert isinstance(renderer, WxaCodeRenderer)
        scene = "aB3$&=?x"
        code = renderer.render(scene)
        assert code == RenderedCode(
            "wxacode", WXACODE_PNG, f"{PAGE}?scene=aB3%24%26%3D%3Fx", "image/png"
        )
        assert renderer.render(scene).png == WXACODE_PNG  # cached: WeChat is not asked again
        [call] = fake.calls("wxa/getwxacodeunlimit")
        assert call.body == {
            "scene": scene,
            "page": PAGE,
            "env_version": "develop",
            "check_path": False,
        }
        assert renderer.cache_info().hits == 1
