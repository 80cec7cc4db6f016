"""The desktop exam page (考生端) in Chromium against the real server: login, the server-time line,
the exam list, the face check with a fake camera (Yao Ming against his base photo), answering with
autosave and the offline queue, the per-question QR code, a phone uploading a photo that appears
live, webcam snapshots, submit and the result."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.domain.error_catalogue import CATALOGUE
from server.domain.exams import RESULT_MESSAGES
from server.domain.identity import default_password
from server.domain.proctoring import Snapshot
from tests.browser.conftest import screenshot
from tests.browser.support import (
    LiveApi,
    Phone,
    assert_chinese_rendered,
    expect_image_loaded,
    expected_console_errors,
    student_api,
    upload_base_photo,
)
from tests.conftest import wait_until
from tests.factories import SAMPLE_BANK, SAMPLE_RULE
from tests.photos import camera_jpeg

pytestmark = pytest.mark.slow
SAVE = "#save-status"


def log_in(page, student) -> None:
    page.get_by_label("用户名（学号或身份证号）").fill(student.student_no)
    page.get_by_label("密码", exact=True).fill(default_password(student.id_number))
    page.get_by_role("button", name="登录").click()


def test_refused_login_shows_the_faq_answer(page, live_server, factory):
    school = factory.school()
    student = factory.student(school)
    page.goto("/exam/")
    expect(page.locator("#login-hint")).to_contain_text("默认密码为身份证号后6位")
    with expected_console_errors(page, "status of 401"):
        page.get_by_label("用户名（学号或身份证号）").fill(student.student_no)
        page.get_by_label("密码", exact=True).fill("wrong-password")
        page.get_by_role("button", name="登录").click()
        error = page.locator("#login-error")
        expect(error).to_contain_text(CATALOGUE["INVALID_CREDENTIALS"].message)
        expect(error).to_contain_text("FAQ 12")
    expect(page.locator("#view-login")).to_be_visible()
    screenshot(page, "exam-00-login-refused")


def test_pc_clock_skew_is_pointed_out(page, live_server):
    page.clock.set_system_time(datetime.now(UTC) + timedelta(minutes=10))
    page.goto("/exam/")
    expect(page.locator("#server-time")).to_contain_text(
        re.compile(r"服务器时间（北京时间）：\d{4}")
    )
    warning = page.locator("#skew-warning")
    expect(warning).to_contain_text("本机时间比北京时间快约 10 分钟")
    expect(warning).to_contain_text("请核对电脑的时间是否与北京时间一致")
    expect(warning).to_contain_text("FAQ 4")


def test_exam_day(page, live_server, factory, fake_wechat):
    school = factory.school()
    teacher = factory.teacher(school)
    student = factory.student(school, name="姚明")
    exam = factory.exam(school, students=[student], face_check_required=True)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    upload_base_photo(live_server, teacher, student)

    # Login, with the server's time shown (the PC clock is right here: no warning).
    page.goto("/exam/?snapshot_seconds=2")
    expect(page.locator("#server-time")).to_contain_text(
        re.compile(r"服务器时间（北京时间）：\d{4}")
    )
    expect(page.locator("#skew-warning")).to_be_hidden()
    expect(page.get_by_role("heading", name="考生登录")).to_be_visible()
    assert_chinese_rendered(page, "考生登录密码")
    screenshot(page, "exam-01-login")
    log_in(page, student)

    # The exam list.
    row = page.locator(f"#exam-list tr[data-exam-id='{exam.id}']")
    expect(row).to_contain_text("高等数学")
    expect(row).to_contain_text("可进入")
    expect(row).to_contain_text("考试进行中，可以进入考试")
    expect(page.locator("#account-name")).to_contain_text("姚明")
    screenshot(page, "exam-02-exam-list")

    # The face check: base photo beside the live camera, then a capture that passes.
    row.get_by_role("button", name="进入考试").click()
    expect(page.get_by_role("heading", name="人脸识别")).to_be_visible()
    base_photo = page.locator("#base-photo")
    expect(base_photo).to_be_visible(timeout=15000)
    expect(page.locator("#face-capture")).to_be_enabled(timeout=15000)  # the camera shows frames
    assert page.evaluate("() => document.getElementById('face-video').videoWidth") > 0
    screenshot(page, "exam-03-face-check")
    page.locator("#face-capture").click()
    expect(page.locator("#view-exam")).to_be_visible(timeout=60000)
    expect(page.locator("#countdown")).to_contain_text(re.compile(r"剩余时间 \d\d:\d\d:\d\d"))

    attempt_id = page.evaluate("() => ExamPage.app.state.attempt.id")
    candidate = LiveApi(live_server, page.evaluate("() => sessionStorage.getItem('exam-token')"))

    def question(n: int) -> dict:
        return candidate.get(f"/attempts/{attempt_id}/questions/{n}", expect_status=200)

    # Every question is fetched in the background, so the paper stays available offline.
    nav = page.locator("#nav-list")
    expect(nav.locator("[data-loaded='true']")).to_have_count(len(SAMPLE_RULE), timeout=15000)
    position = {question(n)["type"]: n for n in range(1, len(SAMPLE_RULE) + 1)}

    def go(kind: str) -> None:
        nav.locator(f"[data-n='{position[kind]}']").click()
        expect(page.locator("#question")).to_have_attribute("data-type", kind)

    status = page.locator(SAVE)

    # A single-choice answer is autosaved.
    go("single")
    page.get_by_label("北京").check()
    expect(nav.locator(f"[data-n='{position['single']}']")).to_have_attribute(
        "data-answered", "true"
    )
    wait_until(lambda: question(position["single"])["saved_answer"] == "B")
    expect(status).to_have_text("已保存")

    # Offline: answers are kept on this computer and the indicator says so.
    with expected_console_errors(page, "net::ERR_INTERNET_DISCONNECTED"):
        page.context.set_offline(True)
        expect(status).to_have_text("离线，恢复网络后自动保存")
        go("fill")
        page.get_by_label("第 1 空").fill("3.14")
        page.get_by_label("第 2 空").fill("H2O")
        go("multiple")
        page.locator("#q-answer input[value='A']").check()
        page.locator("#q-answer input[value='C']").check()
        go("fill")  # navigation flushes; offline it stays queued
        expect(page.get_by_label("第 2 空")).to_have_value("H2O")
        expect(status).to_have_attribute("data-state", "offline")
        expect(nav.locator(f"[data-n='{position['fill']}']")).to_have_class(
            re.compile(r"\bunsaved\b")
        )
        page.wait_for_timeout(1200)  # longer than the autosave pause: nothing may have left
        assert question(position["fill"])["saved_answer"] is None
        assert question(position["multiple"])["saved_answer"] is None
        queued = page.evaluate(
            f"() => JSON.parse(localStorage.getItem('examcloud.answers.{attempt_id}')).pending"
        )
        assert set(queued) == {str(position["fill"]), str(position["multiple"])}
        screenshot(page, "exam-04-offline")
        page.context.set_offline(False)
        expect(status).to_have_text("已保存", timeout=15000)
    wait_until(lambda: question(position["fill"])["saved_answer"] == ["3.14", "H2O"])
    wait_until(lambda: question(position["multiple"])["saved_answer"] == ["A", "C"])
    expect(nav.locator(".unsaved")).to_have_count(0)

    # The essay question: its QR code, a phone pairs and uploads, the photo appears live.
    go("essay")
    qr = page.locator("#qr-image")
    expect(qr).to_be_visible(timeout=15000)
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    scene = qr.get_attribute("data-scene")
    assert scene and 16 <= len(scene) <= 32
    page.get_by_label("作答区").fill("诚信是考试的基础。")
    assert (
        page.evaluate("() => ExamPage.app.state.feed.mode") == "stream"
    )  # fetch-read SSE, no fallback

    phone = Phone(live_server, "phone-yao")
    pairing = phone.pair(scene)
    assert pairing["question"] == position["essay"]
    expect(page.locator("#phone-status")).to_have_text("手机已连接", timeout=15000)
    first = phone.upload(pairing["pairing_id"], camera_jpeg(4000, 3000))
    expect_image_loaded(
        page, page.locator(f"#photo-list img[data-photo-id='{first['id']}']"), timeout=30000
    )
    expect(page.locator("#event-log")).to_contain_text("照片已上传")

    # A second photo, removed again from the desktop.
    second = phone.upload(pairing["pairing_id"], camera_jpeg(1200, 900), name="second.jpg")
    second_item = page.locator(f"#photo-list li[data-photo-id='{second['id']}']")
    expect_image_loaded(page, second_item.locator("img"), timeout=30000)
    second_item.get_by_role("button", name=re.compile("删除")).click()
    expect(second_item).to_have_count(0)
    wait_until(lambda: [p["id"] for p in question(position["essay"])["photos"]] == [first["id"]])
    expect(status).to_have_text("已保存")
    wait_until(lambda: question(position["essay"])["saved_answer"] == "诚信是考试的基础。")
    screenshot(page, "exam-05-question-qr-photo")

    # The webcam sent snapshots during the exam.
    expect(page.locator("body")).to_have_attribute(
        "data-snapshots", re.compile(r"^[1-9]\d*$"), timeout=15000
    )
    with factory.app.app_context():
        sent = factory.session.scalar(
            select(func.count())
            .select_from(Snapshot)
            .where(Snapshot.attempt_id == attempt_id, Snapshot.source == "desktop")
        )
    assert sent >= 1

    # Submit, then the result: the objective score once grading is done (FAQ 17).
    page.get_by_role("button", name="交卷").click()
    dialog = page.locator("#submit-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("还有 1 题未作答")  # the judge question
    dialog.get_by_role("button", name="确认交卷").click()
    expect(page.get_by_role("heading", name="成绩")).to_be_visible()
    score = page.locator("#result-score")
    expect(score).to_contain_text("客观分：15 分", timeout=60000)
    expect(page.locator("#result-status")).to_have_text(RESULT_MESSAGES["published"])
    screenshot(page, "exam-06-result")

    # Back on the list the exam is finished, with the 客观分 button FAQ 17 speaks of.
    page.get_by_role("button", name="返回待考列表").click()
    expect(row).to_contain_text("已交卷")
    row.get_by_role("button", name="客观分").click()
    expect(score).to_contain_text("客观分：15 分")


def test_without_face_check_the_exam_starts_at_once_and_a_reload_resumes(
    page, live_server, factory
):
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student], face_check_required=False)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)

    page.goto("/exam/")
    log_in(page, student)
    page.locator(f"#exam-list tr[data-exam-id='{exam.id}']").get_by_role(
        "button", name="进入考试"
    ).click()
    expect(page.locator("#view-exam")).to_be_visible()  # straight in: no face check for this exam
    attempt_id = page.evaluate("() => ExamPage.app.state.attempt.id")
    candidate = LiveApi(live_server, page.evaluate("() => sessionStorage.getItem('exam-token')"))
    nav = page.locator("#nav-list")
    expect(nav.locator("[data-loaded='true']")).to_have_count(len(SAMPLE_RULE), timeout=15000)
    fill = next(
        n
        for n in range(1, len(SAMPLE_RULE) + 1)
        if candidate.get(f"/attempts/{attempt_id}/questions/{n}", expect_status=200)["type"]
        == "fill"
    )

    def saved() -> dict:
        return candidate.get(f"/attempts/{attempt_id}/questions/{fill}", expect_status=200)

    nav.locator(f"[data-n='{fill}']").click()
    page.get_by_label("第 1 空").fill("3")
    page.get_by_label("第 2 空").fill("H2O")
    page.reload()  # before the autosave pause is over: the answer waits in localStorage

    # Same session: resumed on the same question without a new check; the queued answer is sent.
    expect(page.locator("#view-exam")).to_be_visible()
    expect(page.locator("#question")).to_have_attribute("data-n", str(fill))
    expect(page.get_by_label("第 2 空")).to_have_value("H2O")
    wait_until(lambda: saved()["saved_answer"] == ["3", "H2O"])  # queued before the reload
    # client_seq carries on after the reload, so a new edit outranks the old one.
    page.get_by_label("第 1 空").fill("3.14")
    wait_until(lambda: saved()["saved_answer"] == ["3.14", "H2O"])  # the edit after the reload
    assert saved()["saved_seq"] >= 2

    # The candidate carries on at another computer (FAQ 10): this one is told and stops saving.
    elsewhere = student_api(live_server, student)
    assert elsewhere.post(f"/exams/{exam.id}/attempts", expect_status=200)["resumed"] is True
    with expected_console_errors(page, "status of 409"):
        page.get_by_label("第 2 空").fill("CO2")
        expect(page.locator("#exam-alert")).to_contain_text(CATALOGUE["ATTEMPT_MOVED"].message)
        expect(page.locator(SAVE)).to_have_text("本机已停止保存")
        expect(page.get_by_label("第 2 空")).to_be_disabled()
    kept = elsewhere.get(f"/attempts/{attempt_id}/questions/{fill}", expect_status=200)
    assert kept["saved_answer"] == ["3.14", "H2O"]
    screenshot(page, "exam-07-attempt-moved")


def test_the_event_stream_parser(page, live_server):
    """The SSE parser as the page uses it, fed the way a network delivers: arbitrary chunks."""
    page.goto("/exam/")
    events = page.evaluate("""() => {
        const seen = [];
        const retries = [];
        const parser = new ExamPage.SseParser(
            (event) => seen.push(event), (ms) => retries.push(ms)
        );
        const text = ": connected\\r\\nretry: 2500\\r\\n\\r\\n"
            + "id: 1-0\\r\\nevent: paired\\r\\ndata: {\\"n\\": 5}\\r\\n\\r\\n"
            + ": keepalive\\n\\n"
            + "id: 2-0\\nevent: photo_ready\\ndata: {\\"n\\": 5,"
            + "\\ndata:  \\"url\\": \\"/x\\"}\\n\\n"
            + "event: ignored-without-data\\n\\n"
            + "id: 3-0\\revent:upload_rejected\\r"
            + "data:{\\"reason\\": \\"UNSUPPORTED_IMAGE\\"}\\r\\r";
        for (let i = 0; i < text.length; i += 3) parser.push(text.slice(i, i + 3));
        return {seen, retries};
    }""")
    assert events["retries"] == [2500]
    assert events["seen"] == [
        {"id": "1-0", "type": "paired", "data": '{"n": 5}'},
        {"id": "2-0", "type": "photo_ready", "data": '{"n": 5,\n "url": "/x"}'},
        {"id": "3-0", "type": "upload_rejected", "data": '{"reason": "UNSUPPORTED_IMAGE"}'},
    ]


def test_events_fall_back_to_polling_when_streaming_fails(page, live_server, factory, fake_wechat):
    school = factory.school()
    student = factory.student(school)
    exam = factory.exam(school, students=[student], face_check_required=False)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, [{"type": "essay", "count": 1, "score": 20}])
    # A proxy that buffers or mangles the stream: the answer is not an event stream.
    page.route(
        lambda url: "/events" in url and "after=" not in url,
        lambda route: route.fulfill(status=200, content_type="text/html", body="<html></html>"),
    )

    page.goto("/exam/")
    log_in(page, student)
    page.locator(f"#exam-list tr[data-exam-id='{exam.id}']").get_by_role(
        "button", name="进入考试"
    ).click()
    qr = page.locator("#qr-image")
    expect(qr).to_be_visible(timeout=15000)
    page.wait_for_function(
        "() => ExamPage.app.state.feed && ExamPage.app.state.feed.mode === 'polling'", timeout=15000
    )

    phone = Phone(live_server, "phone-poll")
    pairing = phone.pair(qr.get_attribute("data-scene"))
    expect(page.locator("#phone-status")).to_have_text("手机已连接", timeout=10000)
    photo = phone.upload(pairing["pairing_id"], camera_jpeg(1600, 1200))
    expect(page.locator(f"#photo-list img[data-photo-id='{photo['id']}']")).to_be_visible(
        timeout=30000
    )
