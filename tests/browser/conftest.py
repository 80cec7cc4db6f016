"""Browser tests: Debian's Chromium driven by Playwright against the real server (gunicorn with
gevent workers, RQ workers with the face models, PostgreSQL, Redis), with a fake camera that
shows a real face photo. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from infra.services import API_COMMAND, free_port, stop_process, wait_for_port
from tests.conftest import make_settings, service_env

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def y4m_from_photo(photo: Path, target: Path, size=(640, 480), frames: int = 10) -> Path:
    """A Y4M clip (what Chromium's fake capture device plays, looping) of `photo` centred on
    grey."""
    width, height = size
    canvas = Image.new("RGB", size, (128, 128, 128))
    image = Image.open(photo).convert("RGB")
    image.thumbnail((width, height))
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    y, cb, cr = (np.asarray(channel, dtype=np.uint8) for channel in canvas.convert("YCbCr").split())
    frame = b"FRAME\n" + y.tobytes() + cb[::2, ::2].tobytes() + cr[::2, ::2].tobytes()
    target.write_bytes(
        f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames
    )
    return target


@pytest.fixture(scope="session")
def fake_wechat():
    """WeChat's servers, faked on loopback: the phone client logs in with code "ok-<openid>"."""
    from tests.fakes.wechat import FakeWeChat, FakeWeChatServer

    with FakeWeChatServer(FakeWeChat(pages={"pages/scan/entry/index"})) as server:
        yield server


@pytest.fixture(scope="session")
def browser_settings(service_urls, fake_wechat):
    from tests.fakes.wechat import APPID, SECRET

    return make_settings(
        service_urls,
        SWEEP_INTERVAL_SECONDS=5,
        GRADING_RETRY_AFTER_SECONDS=5,
        WECHAT_APPID=APPID,
        WECHAT_SECRET=SECRET,
        WECHAT_API_BASE=fake_wechat.base_url,
    )


@pytest.fixture(scope="module")
def live_server(browser_settings):
    """gunicorn (2 gevent workers), an RQ worker with the scheduler and a media worker; yields
    the base URL. They share the test database and Redis, emptied before each test. Per module:
    its RQ workers must not outlive the browser tests and take other tests' jobs."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(
        browser_settings,
        PUBLIC_BASE_URL=base_url,
        PORT=port,
        WEB_CONCURRENCY=2,
        WECHAT_APPID=browser_settings.WECHAT_APPID,
        WECHAT_SECRET=browser_settings.WECHAT_SECRET,
        WECHAT_API_BASE=browser_settings.WECHAT_API_BASE,
        # The exam page sends a webcam frame every 2 s here (?snapshot_seconds=2), not every
        # minute: room for that under the per-candidate limit.
        DESKTOP_SNAPSHOT_LIMIT="100 per minute",
    )
    processes = [
        subprocess.Popen(
            list(API_COMMAND),
            cwd=ROOT,
            env=env,
        )
    ]
    processes.append(
        subprocess.Popen(
            [sys.executable, "-m", "workers.worker", "--with-scheduler"], cwd=ROOT, env=env
        )
    )
    processes.append(
        subprocess.Popen([sys.executable, "-m", "workers.worker", "--media"], cwd=ROOT, env=env)
    )
    try:
        wait_for_port(port, timeout=60, process=processes[0])
        yield base_url
    finally:
        for process in reversed(processes):
            stop_process(process)


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory) -> Path:
    """Yao Ming in front of the webcam (his base photo in the tests is yaoming.jpg)."""
    from server.adapters import faces
    from tests.face_photos import PLAYERS, face_crop, yao_in_players

    engine = faces.warm_up()
    crop = Image.open(io.BytesIO(face_crop(engine, PLAYERS, yao_in_players(engine))))
    path = tmp_path_factory.mktemp("camera") / "yao.png"
    crop.save(path)
    return y4m_from_photo(path, path.with_suffix(".y4m"))


@pytest.fixture(scope="session")
def browser(fake_camera):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={fake_camera}",
            ],
        )
        yield chromium
        chromium.close()


class ConsoleErrors(list):
    """Console errors and uncaught page errors seen during a test; the test fails on any."""


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},
        permissions=["camera"],
    )
    page = context.new_page()
    errors = ConsoleErrors()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the page as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
