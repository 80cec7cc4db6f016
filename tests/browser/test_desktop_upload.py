"""从本电脑上传 on the desktop exam page (issue 15, FAQ 21), in Chromium against the real server: a
candidate whose phone has no network chooses answer photos on the computer. Each file gets a
progress bar; the accepted ones appear as thumbnails the way a phone's photos do (photo_ready from
the media worker); a bad file shows the server's Chinese message and leaves the others alone.
Under the plain QR code, its URL for a phone browser (the web companion)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from server.domain.error_catalogue import CATALOGUE
from server.domain.identity import default_password
from tests.browser.conftest import screenshot
from tests.browser.support import LiveApi, expect_image_loaded, expected_console_errors
from tests.factories import SAMPLE_BANK
from tests.photos import camera_jpeg, encode, upright_scene

pytestmark = pytest.mark.slow
RULE = [
    {"type": "single", "count": 1, "score": 5},
    {"type": "essay", "count": 1, "score": 20},
]


def enter_exam(page, live_server, factory):
    """A candidate logged in on the exam page, in an open exam of a single-choice and an essay
    question (no entry face check), on the essay question. Returns (attempt id, essay n, API)."""
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, RULE)
    page.goto("/exam/")
    page.get_by_label("用户名（学号或身份证号）").fill(student.student_no)
    page.get_by_label("密码", exact=True).fill(default_password(student.id_number))
    page.get_by_role("button", name="登录").click()
    page.locator(f"#exam-list tr[data-exam-id='{exam.id}']").get_by_role(
        "button", name="进入考试"
    ).click()
    expect(page.locator("#view-exam")).to_be_visible(timeout=30000)
    attempt_id = page.evaluate("() => ExamPage.app.state.attempt.id")
    api = LiveApi(live_server, page.evaluate("() => sessionStorage.getItem('exam-token')"))
    essay = next(
        n
        for n in (1, 2)
        if api.get(f"/attempts/{attempt_id}/questions/{n}", expect_status=200)["type"] == "essay"
    )
    page.locator(f"#nav-list [data-n='{essay}']").click()
    expect(page.locator("#question")).to_have_attribute("data-type", "essay")
    return attempt_id, essay, api


def test_photos_chosen_on_this_computer_arrive_like_phone_photos(
    page, live_server, factory, tmp_path
):
    attempt_id, essay, api = enter_exam(page, live_server, factory)

    # Under the plain QR code: the URL a phone browser opens, to copy or open.
    expect(page.locator("#qr-image")).to_be_visible(timeout=15000)
    link = page.locator("#qr-link")
    expect(link).to_contain_text("没有微信？用手机浏览器扫码即可（网页版手机伴侣）")
    scene = page.locator("#qr-box").get_attribute("data-scene")
    expect(page.locator("#qr-url")).to_have_text(f"{live_server}/m/{scene}")
    expect(page.locator("#qr-url")).to_have_attribute("href", f"{live_server}/m/{scene}")

    # A 12 MP camera JPEG (several MB, sent as it is), a PNG screenshot and a cut file.
    large = tmp_path / "IMG_4032.jpg"
    large.write_bytes(camera_jpeg(4000, 3000, orientation=6))
    assert large.stat().st_size > 2_000_000
    small = tmp_path / "草稿.png"
    small.write_bytes(encode(upright_scene(800, 600, seed=3), "PNG"))
    cut = tmp_path / "broken.jpg"
    cut.write_bytes(camera_jpeg(1200, 900)[:4000])

    with expected_console_errors(page, "status of 415"):
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="从本电脑上传").click()
        assert chooser.value.is_multiple()
        chooser.value.set_files([str(large), str(cut), str(small)])

        uploads = page.locator("#desk-uploads li")
        expect(uploads).to_have_count(3)
        error = uploads.nth(1)
        expect(error).to_have_attribute("data-state", "failed", timeout=30000)
        expect(error).to_contain_text("broken.jpg")
        expect(error).to_contain_text(CATALOGUE["UNSUPPORTED_IMAGE"].message)
        expect(error).to_contain_text("FAQ 21")
        # Said once, beside its file: not again in a toast (the 消息 list still logs it).
        expect(page.locator("#event-log")).to_contain_text(
            "照片上传失败（第 " + str(essay) + " 题）"
        )
        expect(page.locator("#toasts")).not_to_contain_text("照片上传失败")
        for index in (0, 2):  # the others went through, whole, and their copies were made
            expect(uploads.nth(index)).to_have_attribute("data-state", "ready", timeout=60000)
            expect(uploads.nth(index)).to_contain_text("已上传")
            assert uploads.nth(index).locator("progress").get_attribute("value") == "100"

        # Both appear as thumbnails, as a phone's photos do.
        thumbs = page.locator("#photo-list img.thumb")
        expect(thumbs).to_have_count(2, timeout=30000)
        for index in range(2):
            expect_image_loaded(page, thumbs.nth(index), timeout=30000)
    screenshot(page, "exam-desktop-upload")

    # The server has them on the question, the large one upright and downscaled.
    photos = api.get(f"/attempts/{attempt_id}/questions/{essay}", expect_status=200)["photos"]
    assert [photo["status"] for photo in photos] == ["ready", "ready"]
    natural = "img => [img.naturalWidth, img.naturalHeight]"
    assert page.evaluate(natural, thumbs.nth(0).element_handle()) == [1200, 1600]
    assert page.evaluate(natural, thumbs.nth(1).element_handle()) == [800, 600]
    # Removed here as a phone's photo is.
    page.locator("#photo-list li").first.get_by_role("button", name="删除").click()
    expect(thumbs).to_have_count(1)
