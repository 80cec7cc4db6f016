"""The web companion in Chromium (FAQ 21, 22 outside WeChat): the desktop exam page shows a
question's QR code, a phone browser (mobile emulation, a second context) opens the code's link,
pairs, compresses and uploads answer photos that appear on the desktop, keeps a photo through a
cut network and a reload (IndexedDB) and sends it once the network is back; and a second run
with the phone as the second camera (Chromium's fake camera)."""

from __future__ import annotations

import base64
import io
import re

import cv2
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.domain.companion import Pairing
from server.domain.error_catalogue import CATALOGUE
from server.domain.identity import default_password
from server.domain.proctoring import Snapshot
from tests.browser.conftest import ConsoleErrors, screenshot
from tests.browser.support import LiveApi, expected_console_errors, student_api
from tests.conftest import wait_until
from tests.factories import SAMPLE_BANK
from tests.photos import BLUE, RED, camera_jpeg

pytestmark = pytest.mark.slow
ESSAY_ONLY = [{"type": "essay", "count": 1, "score": 20}]
# A mid-range Android phone: what the page is designed for.
MOBILE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
PHOTO_UPLOADS = "**/api/v1/pairings/*/photos"


@pytest.fixture
def phone(browser, live_server):
    """A phone's browser: a second context with mobile emulation (and camera permission)."""
    context = browser.new_context(base_url=live_server, permissions=["camera"], **MOBILE)
    page = context.new_page()
    errors = ConsoleErrors()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"phone console errors: {errors}"


def log_in(page, student) -> None:
    page.get_by_label("用户名（学号或身份证号）").fill(student.student_no)
    page.get_by_label("密码", exact=True).fill(default_password(student.id_number))
    page.get_by_role("button", name="登录").click()


def decoded_qr(data_url: str) -> str:
    png = base64.b64decode(data_url.split(",", 1)[1])
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    return cv2.QRCodeDetectorAruco().detectAndDecode(image)[0]


# Chromium does not show a test the body of a request made of a Blob: the test records the file
# part of each upload as XMLHttpRequest.send is handed it.
SENT_FILES = """() => {
  const files = [];
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    if (body instanceof FormData && body.get("file")) files.push(body.get("file"));
    return send.call(this, body);
  };
  window.sentFiles = () => Promise.all(files.map((file) => new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.split(",")[1]);
    reader.readAsDataURL(file);
  })));
}"""


def sent_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()
    return image


def near(pixel, colour, tolerance: int = 60) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def queued(phone_page, pairing_id: int) -> int:
    return phone_page.evaluate(
        "async (id) => (await WebCompanion.queue.forPairing(id)).length", pairing_id
    )


def test_a_phone_browser_uploads_answer_photos_through_a_network_cut(
    page, phone, live_server, factory
):
    school = factory.school()
    student = factory.student(school, name="姚明")
    exam = factory.exam(school, students=[student], face_check_required=False)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, ESSAY_ONLY)

    # The desktop: the essay question and its QR code, whose plain form is the page's link.
    page.goto("/exam/")
    log_in(page, student)
    page.locator(f"#exam-list tr[data-exam-id='{exam.id}']").get_by_role(
        "button", name="进入考试"
    ).click()
    qr = page.locator("#qr-image")
    expect(qr).to_be_visible(timeout=15000)
    scene = qr.get_attribute("data-scene")
    url = f"{live_server}/m/{scene}"
    assert decoded_qr(qr.get_attribute("src")) == url

    # The phone opens it: paired, and the scene is gone from its address.
    phone.goto(url)
    expect(phone.locator("#title")).to_have_text("已连接电脑", timeout=15000)
    expect(phone.locator("#status")).to_have_text("第 1 题 · 拍照上传答案")
    assert scene not in phone.url and re.search(r"/m/\?pairing=\d+$", phone.url)
    pairing_id = int(phone.evaluate("() => document.body.dataset.pairingId"))
    expect(page.locator("#phone-status")).to_have_text("手机已连接", timeout=15000)
    screenshot(phone, "web-companion-01-paired")

    # Two camera originals from the album: a 12 MP landscape and a portrait stored rotated
    # (EXIF orientation 6), as phones write them.
    # What the page hands to the network: each upload's file part, read back afterwards.
    phone.evaluate(SENT_FILES)
    originals = [camera_jpeg(4000, 3000), camera_jpeg(4000, 3000, orientation=6, seed=2)]
    phone.locator("#pick-photos").set_input_files(
        [
            {"name": f"IMG_000{i}.jpg", "mimeType": "image/jpeg", "buffer": data}
            for i, data in enumerate(originals, 1)
        ]
    )
    rows = phone.locator("#queue li")
    expect(rows).to_have_count(2)
    expect(phone.locator("#queue li[data-status='done']")).to_have_count(2, timeout=30000)
    expect(rows.first.locator(".label")).to_have_text("已上传")
    thumbnails = page.locator("#photo-list img[data-photo-id]")
    expect(thumbnails).to_have_count(2, timeout=30000)
    screenshot(phone, "web-companion-02-uploaded")

    # What left the phone: compressed to a 1600 px long edge, upright, far smaller.
    sent = [base64.b64decode(data) for data in phone.evaluate("() => window.sentFiles()")]
    assert len(sent) == 2
    landscape, portrait = (sent_jpeg(body) for body in sent)
    assert landscape.size == (1600, 1200) and portrait.size == (1200, 1600)
    for body, original in zip(sent, originals, strict=True):
        print(f"web companion upload: {len(original)} bytes original -> {len(body)} sent")
        assert len(body) < len(original) / 3
    # The upright picture has red top-left and blue top-right: the rotation was applied.
    rgb = portrait.convert("RGB")
    assert near(rgb.getpixel((20, 20)), RED) and near(rgb.getpixel((1180, 20)), BLUE)

    # A third photo while the uploads cannot get through: it stays on the phone.
    with expected_console_errors(phone, "net::ERR_INTERNET_DISCONNECTED", "net::ERR_FAILED"):
        phone.route(PHOTO_UPLOADS, lambda route: route.abort("internetdisconnected"))
        phone.locator("#take-photo").set_input_files(
            {"name": "IMG_0003.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(3000, 4000)}
        )
        expect(phone.locator("#queue li[data-status='waiting']")).to_have_count(1, timeout=15000)
        assert queued(phone, pairing_id) == 1
        # Reloaded (a killed tab comes back the same way): the photo is still listed.
        phone.reload()
        expect(phone.locator("#title")).to_have_text("已连接电脑")
        expect(phone.locator("#queue li")).to_have_count(1)
        expect(phone.locator("#queue li[data-status='waiting']")).to_have_count(1, timeout=15000)
        expect(phone.locator("#retry-all")).to_be_visible()
        assert queued(phone, pairing_id) == 1
        screenshot(phone, "web-companion-03-waiting")
        # The network comes back: the phone goes offline and online again, uploads get through.
        phone.context.set_offline(True)
        phone.unroute(PHOTO_UPLOADS)
        phone.context.set_offline(False)
        expect(phone.locator("#queue li[data-status='done']")).to_have_count(1, timeout=30000)
    expect(thumbnails).to_have_count(3, timeout=30000)
    assert queued(phone, pairing_id) == 0
    candidate = LiveApi(live_server, page.evaluate("() => sessionStorage.getItem('exam-token')"))
    attempt_id = page.evaluate("() => ExamPage.app.state.attempt.id")
    photos = candidate.get(f"/attempts/{attempt_id}/questions/1", expect_status=200)["photos"]
    assert len(photos) == 3  # nothing lost, nothing twice

    # The phone ends the pairing.
    phone.get_by_role("button", name="结束配对").click()
    expect(phone.locator("#title")).to_have_text("配对已结束")
    with factory.app.app_context():
        assert factory.session.get(Pairing, pairing_id).ended_at is not None
    screenshot(phone, "web-companion-04-ended")


def test_a_phone_browser_as_the_second_camera(phone, live_server, factory):
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student], face_check_required=False)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, ESSAY_ONLY)
    candidate = student_api(live_server, student)
    attempt_id = candidate.post(f"/exams/{exam.id}/attempts")["attempt_id"]
    code = candidate.post(
        f"/attempts/{attempt_id}/questions/1/qrcode", json={"purpose": "second_camera"}
    )

    phone.goto(code["url"])
    expect(phone.locator("#status")).to_have_text("第 1 题 · 第二机位", timeout=15000)
    status = phone.locator("#camera-status")
    expect(status).to_have_attribute("data-state", "live", timeout=15000)
    expect(phone.locator("#snapshot-count")).to_have_text("2", timeout=20000)  # every 5 s

    def phone_snapshots() -> int:
        with factory.app.app_context():
            session = factory.session
            session.expire_all()
            return session.scalar(
                select(func.count())
                .select_from(Snapshot)
                .where(Snapshot.attempt_id == attempt_id, Snapshot.source == "phone")
            )

    assert phone_snapshots() >= 2
    with factory.app.app_context():
        pairing = factory.session.scalar(select(Pairing).where(Pairing.scene == code["scene"]))
        assert pairing.last_snapshot_at > pairing.redeemed_at
    screenshot(phone, "web-companion-05-second-camera")

    # The camera stops (another app took it): it is opened again and frames go on.
    phone.evaluate(
        "() => WebCompanion.app.state.camera.stream.getVideoTracks().forEach((t) => t.stop())"
    )
    expect(status).to_contain_text("重新打开", timeout=10000)
    expect(status).to_have_attribute("data-state", "live", timeout=15000)
    before = phone_snapshots()
    wait_until(lambda: phone_snapshots() > before, timeout=20, interval=0.5)

    # The candidate hands in: the phone says so and stops.
    with expected_console_errors(phone, "409"):
        candidate.post(f"/attempts/{attempt_id}/submit")
        expect(phone.locator("#title")).to_have_text("考试已交卷", timeout=15000)
    expect(phone.locator("#camera-panel")).to_be_hidden()


def test_refusals_are_shown_in_chinese_and_a_refused_photo_can_be_deleted(
    browser, phone, live_server, factory
):
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student], face_check_required=False)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, ESSAY_ONLY)
    candidate = student_api(live_server, student)
    attempt_id = candidate.post(f"/exams/{exam.id}/attempts")["attempt_id"]
    code = candidate.post(
        f"/attempts/{attempt_id}/questions/1/qrcode", json={"purpose": "answer_photo"}
    )
    phone.goto(code["url"])
    expect(phone.locator("#title")).to_have_text("已连接电脑", timeout=15000)
    pairing_id = int(phone.evaluate("() => document.body.dataset.pairingId"))

    # Another phone opens the same code: it was used.
    other = browser.new_context(base_url=live_server, **MOBILE)
    try:
        stranger = other.new_page()
        stranger.goto(code["url"])
        expect(stranger.locator("#title")).to_have_text("二维码已被使用", timeout=15000)
        expect(stranger.locator("#status")).to_have_text(CATALOGUE["PAIRING_USED"].message)
        assert code["scene"] not in stranger.url
    finally:
        other.close()

    # A file that is no picture: the page cannot shrink it, the server refuses it for good.
    with expected_console_errors(phone, "415"):
        phone.locator("#pick-photos").set_input_files(
            {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture at all"}
        )
        failed = phone.locator("#queue li[data-status='failed']")
        expect(failed).to_have_count(1, timeout=15000)
    expect(failed.locator(".label")).to_have_text(CATALOGUE["UNSUPPORTED_IMAGE"].message)
    expect(phone.get_by_role("button", name="全部重试")).to_be_visible()
    assert queued(phone, pairing_id) == 1
    failed.get_by_role("button", name="删除").click()
    expect(phone.locator("#queue li")).to_have_count(0)
    assert queued(phone, pairing_id) == 0

    # Handed in: the next photo is refused and the page says why.
    candidate.post(f"/attempts/{attempt_id}/submit")
    with expected_console_errors(phone, "409"):
        phone.locator("#take-photo").set_input_files(
            {"name": "late.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(1200, 900)}
        )
        expect(phone.locator("#title")).to_have_text("考试已交卷", timeout=15000)
    expect(phone.locator("#take-photo")).to_be_disabled()
    screenshot(phone, "web-companion-06-submitted")
