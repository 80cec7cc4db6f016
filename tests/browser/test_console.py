"""The teacher console (管理端) in Chromium against the real server and workers: the base-photo
request queue (FAQ 7), the review queue (监考待审, FAQ 18), student import and the exam list's
"paper rule missing" mark (FAQ 14), and the live view of an exam in progress."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from server.adapters import faces
from tests import face_photos
from tests.browser.console_helpers import navigate, open_console, shot
from tests.browser.support import (
    assert_chinese_rendered,
    expect_image_loaded,
    expected_console_errors,
    student_api,
    teacher_api,
    upload_base_photo,
)
from tests.conftest import wait_until
from tests.factories import RIGHT_ANSWERS, SAMPLE_BANK, valid_id

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::FutureWarning")]

# Objective questions only: the published score needs no marking.
OBJECTIVE_RULE = [
    {"type": "single", "count": 1, "score": 5},
    {"type": "multiple", "count": 1, "score": 5},
    {"type": "judge", "count": 1, "score": 5},
    {"type": "fill", "count": 1, "score": 5},
]


def test_teacher_approves_a_replacement_base_photo(page, live_server, factory):
    school = factory.school()
    teacher = factory.teacher(school)
    student = factory.student(school, name="姚明")
    staff = teacher_api(live_server, teacher)

    first_base = upload_base_photo(live_server, teacher, student)
    assert first_base["source"] != "request"

    candidate = student_api(live_server, student)
    request = candidate.upload(
        "POST", "/me/base-photo-requests", face_photos.yao_capture(faces.warm_up()), "id.jpg"
    )
    assert request["status"] == "pending"
    scored = wait_until(
        lambda: next(
            (
                item
                for item in staff.get("/base-photo-requests?status=pending")
                if item["id"] == request["id"] and item["scored"]
            ),
            None,
        ),
        timeout=60,
        interval=0.3,
    )
    assert scored["score"] is not None and scored["score"] > 0.45, scored

    open_console(page, live_server, teacher, route="students")
    expect(page.locator("[data-count='photo-requests']")).to_have_text("1")
    navigate(page, "photo-requests")
    card = page.locator(f"[data-request-id='{request['id']}']")
    expect(card).to_contain_text("姚明")
    expect_image_loaded(page, card.locator("[data-photo='current'] img"))
    expect_image_loaded(page, card.locator("[data-photo='proposed'] img"))
    expect(card.locator(".score")).to_contain_text(f"相似度 {scored['score']:.2f}")
    expect(card.locator(".score")).to_contain_text("高于 0.45 视为同一人")
    assert_chinese_rendered(page, "底照申请相似度")
    shot(page, "console-photo-requests")

    card.locator("input.note").fill("本人核对无误")
    card.get_by_role("button", name="批准，替换底照").click()
    expect(page.locator("#view .alert-ok")).to_contain_text("已批准")
    expect(card).to_have_count(0)
    expect(page.locator("#photo-request-queue")).to_contain_text("没有待审核的底照申请")
    expect(page.locator("[data-count='photo-requests']")).to_be_hidden()

    state = staff.get(f"/students/{student.id}/base-photo")
    assert state["active"]["source"] == "request"
    assert state["active"]["id"] != first_base["id"]
    decided = staff.get("/base-photo-requests?status=approved")
    assert [(item["id"], item["decision_note"]) for item in decided] == [
        (request["id"], "本人核对无误")
    ]

    # Student management shows the new base photo, from the request.
    navigate(page, "students")
    page.locator(f"tr[data-student-id='{student.id}']").get_by_role("button", name="底照").click()
    panel = page.locator(f"[data-student-panel='{student.id}']")
    expect(panel).to_contain_text("学生申请")
    expect(panel.locator("[data-latest-status='active']")).to_contain_text("已启用")
    expect_image_loaded(page, panel.locator("img"))


def test_teacher_approves_a_flagged_attempt(page, live_server, factory):
    school = factory.school()
    teacher = factory.teacher(school)
    student = factory.student(school, name="李雷")
    exam = factory.exam(school, students=[student], face_check_required=False)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, OBJECTIVE_RULE)

    candidate = student_api(live_server, student)
    attempt = candidate.post(f"/exams/{exam.id}/attempts")
    attempt_id = attempt["attempt_id"]
    for n in range(1, attempt["question_count"] + 1):
        question = candidate.get(f"/attempts/{attempt_id}/questions/{n}")
        candidate.put(
            f"/attempts/{attempt_id}/answers/{n}",
            json={"answer": RIGHT_ANSWERS[question["type"]], "client_seq": 1},
        )
    candidate.upload(
        "POST", f"/attempts/{attempt_id}/snapshots", face_photos.black_frame(), "frame.jpg"
    )
    candidate.post(f"/attempts/{attempt_id}/submit")
    result = wait_until(
        lambda: (body := candidate.get(f"/attempts/{attempt_id}/result"))["status"]
        not in ("in_progress", "grading")
        and body,
        timeout=60,
        interval=0.3,
    )
    assert result["status"] == "pending_review", result

    open_console(page, live_server, teacher, route="reviews")
    card = page.locator(f"[data-attempt-id='{attempt_id}']")
    expect(card).to_contain_text("李雷")
    expect(card.locator(".objective")).to_contain_text("20")
    flag = card.locator("[data-flag-kind='camera_blocked']")
    expect(flag).to_contain_text("摄像头被遮挡或黑屏")
    expect_image_loaded(page, flag.locator("img"))
    assert_chinese_rendered(page, "监考待审摄像头被遮挡")
    shot(page, "console-reviews")

    card.locator("input.note").fill("考生已说明：摄像头盖子未打开，核实为本人")
    card.get_by_role("button", name="通过，公布成绩").click()
    expect(page.locator("#view .alert-ok")).to_contain_text("成绩已公布")
    expect(page.locator("#review-queue")).to_contain_text("没有待审核的答卷")

    assert candidate.get(f"/attempts/{attempt_id}/result")["status"] == "published"
    page.click(".tabs a:has-text('已审核')")
    expect(page.locator(f"[data-attempt-id='{attempt_id}']")).to_contain_text("通过")


def test_students_import_report_and_exams_without_paper_rule(page, live_server, factory):
    school = factory.school()
    teacher = factory.teacher(school)
    existing = factory.student(school, student_no="2024001", name="张三")
    ready = factory.exam(school)
    factory.questions(ready, SAMPLE_BANK)
    factory.paper_rule(ready, OBJECTIVE_RULE)
    missing = factory.exam(school)
    factory.questions(missing, SAMPLE_BANK)

    # A wrong password: the server's own message.
    page.goto(f"{live_server}/console/#/students")
    page.fill("#login-username", teacher.username)
    page.fill("#login-password", "wrong-password")
    with expected_console_errors(page, "status of 401"):
        page.click("#login-submit")
        expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    open_console(page, live_server, teacher, route="students")

    csv_text = (
        "\n".join(
            [
                "学号,证件号,姓名",
                f"2024001,{existing.id_number},张三",  # unchanged
                f"2024002,{valid_id(901)},李四",  # new
                "2024003,123,王五",  # bad ID number
                f"2024004,{valid_id(902)},",  # no name
            ]
        )
        + "\n"
    )
    page.set_input_files(
        "#student-import-file",
        files=[
            {
                "name": "students.csv",
                "mimeType": "text/csv",
                "buffer": csv_text.encode("utf-8"),
            }
        ],
    )
    page.click("#student-import-submit")
    report = page.locator("#student-import-report")
    expect(report.locator(".report-summary")).to_have_text(
        "共 4 行：新建 1 人，未变 1 人，错误 2 行"
    )
    expect(report.locator("tr.row-error")).to_have_count(2)
    expect(report.locator("tr.row-error").nth(0)).to_contain_text("第 4 行")
    expect(report.locator("tr.row-error").nth(0)).to_contain_text("证件号")
    expect(report.locator("tr.row-error").nth(1)).to_contain_text("第 5 行")
    expect(report.locator("tr.row-error").nth(1)).to_contain_text("缺少姓名")
    expect(page.locator("[data-student-no='2024002']")).to_contain_text("李四")

    # FAQ 1/12: the teacher finds the student and resets the password.
    page.fill("#student-search", "李四")
    page.press("#student-search", "Enter")
    expect(page.locator("#students-table tbody tr:not(.detail-row)")).to_have_count(1)
    page.locator("[data-student-no='2024002']").get_by_role("button", name="重置密码").click()
    expect(page.locator("#view .alert-ok")).to_contain_text(
        "已将 李四（2024002）的密码重置为默认密码"
    )
    page.fill("#student-search", "")
    page.press("#student-search", "Enter")
    expect(page.locator("#students-table tbody tr:not(.detail-row)")).to_have_count(2)
    assert_chinese_rendered(page, "学生管理导入证件号")
    shot(page, "console-students")

    # Base photos in bulk (FAQ 8): a zip of <student_no>.jpg, with a per-file report.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("2024001.jpg", face_photos.YAOMING.read_bytes())
        bundle.writestr("2099999.jpg", face_photos.YAOMING.read_bytes())
    page.set_input_files(
        "#base-photo-zip",
        files=[{"name": "photos.zip", "mimeType": "application/zip", "buffer": archive.getvalue()}],
    )
    page.get_by_role("button", name="上传压缩包").click()
    zip_report = page.locator("#base-photo-zip-report")
    expect(zip_report.locator(".report-summary")).to_contain_text(
        "共 2 个文件：已接收 1 个，错误 1 个"
    )
    expect(zip_report.locator("tr.row-error")).to_contain_text("本校没有该学号的学生")
    # ... and one by one: the panel follows the upload until the worker has decided.
    page.locator(f"tr[data-student-id='{existing.id}']").get_by_role("button", name="底照").click()
    panel = page.locator(f"[data-student-panel='{existing.id}']")
    expect(panel.locator("[data-latest-status='active']")).to_contain_text("已启用", timeout=30_000)
    expect_image_loaded(page, panel.locator("img"))
    newcomer = page.locator("tr[data-student-no='2024002']")
    newcomer.get_by_role("button", name="底照").click()
    newcomer_panel = page.locator(
        f"[data-student-panel='{newcomer.get_attribute('data-student-id')}']"
    )
    expect(newcomer_panel).to_contain_text("尚无启用的底照")
    newcomer_panel.locator("input[type=file]").set_input_files(
        files=[{"name": "dark.jpg", "mimeType": "image/jpeg", "buffer": face_photos.black_frame()}]
    )
    newcomer_panel.get_by_role("button", name="上传底照").click()
    unusable = newcomer_panel.locator("[data-latest-status='unusable']")
    expect(unusable).to_contain_text("不可用", timeout=30_000)
    expect(unusable).to_contain_text("原因：")
    shot(page, "console-student-base-photos")

    navigate(page, "exams")
    missing_row = page.locator(f"#exam-list tr[data-exam-id='{missing.id}']")
    ready_row = page.locator(f"#exam-list tr[data-exam-id='{ready.id}']")
    expect(missing_row).to_contain_text("未设置调卷规则")
    expect(ready_row).to_contain_text("已设置")
    expect(ready_row).not_to_contain_text("未设置调卷规则")
    shot(page, "console-exams")

    # The paper-rule editor: the bank cannot supply 3 single-choice questions (server's message),
    # then a rule it can supply clears the mark.
    missing_row.get_by_role("link", name="调卷规则").click()
    expect(page.locator("#paper-rule-status")).to_contain_text("未设置调卷规则")
    expect(page.locator("#bank-counts")).to_contain_text("单选题 1 道")
    first_section = page.locator("#paper-rule-editor tr.section-row").first
    expect(first_section.locator("[name=type]")).to_have_value("single")
    first_section.locator("[name=count]").fill("3")
    with expected_console_errors(page, "status of 422"):
        page.click("#paper-rule-save")
        error = page.locator("#paper-rule-editor .alert-error")
        expect(error).to_contain_text("调卷规则无法满足")
        expect(error).to_contain_text("单选题需要3道，题库只有1道")
    shot(page, "console-paper-rule")
    first_section.locator("[name=count]").fill("1")
    page.click("#paper-rule-save")
    expect(page.locator("#paper-rule-editor [role=status]")).to_contain_text(
        "已保存调卷规则：共 5 题，总分 10"
    )
    expect(page.locator("#paper-rule-status")).to_contain_text("调卷规则已设置")
    navigate(page, "exams")
    expect(page.locator(f"#exam-list tr[data-exam-id='{missing.id}']")).not_to_contain_text(
        "未设置调卷规则"
    )


def test_live_view_shows_online_candidates_and_flags_as_they_arrive(page, live_server, factory):
    school = factory.school()
    teacher = factory.teacher(school)
    present = factory.student(school, student_no="2024101", name="韩梅梅")
    absent = factory.student(school, student_no="2024102", name="林涛")
    exam = factory.exam(school, students=[present, absent])
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, OBJECTIVE_RULE)

    candidate = student_api(live_server, present)
    attempt_id = candidate.post(f"/exams/{exam.id}/attempts")["attempt_id"]
    candidate.post(f"/attempts/{attempt_id}/heartbeat")

    open_console(page, live_server, teacher, route=f"live?exam={exam.id}", live_interval_ms=500)
    expect(page.locator("#live-exam")).to_have_value(str(exam.id))
    row = page.locator(f"#live-table tr[data-attempt-id='{attempt_id}']")
    expect(row).to_contain_text("韩梅梅")
    expect(row.locator(".online-cell")).to_have_text("在线")
    expect(row).to_contain_text("无")
    expect(page.locator("#live-online-count")).to_have_text("1")
    # Enrolled but not started (absent, or still at the face check): listed as such.
    expect(page.locator("#live-table tr[data-student-no='2024102']")).to_contain_text("未进入")

    # The desktop client reports a black camera: the flag shows up on the next refresh.
    candidate.post(f"/attempts/{attempt_id}/integrity-events", json={"code": "camera_black"})
    flag = row.locator("[data-flag-kind='camera_blocked']")
    expect(flag).to_contain_text("摄像头被遮挡或黑屏", timeout=10_000)
    expect(flag).to_have_class(re.compile(r"\bnew\b"))
    expect(row).to_have_class(re.compile(r"\brow-new-flag\b"))
    expect(page.locator("#live-updated")).to_contain_text("上次刷新")
    assert_chinese_rendered(page, "实时监考在线")
    shot(page, "console-live")

    # Integrity events list the report too.
    navigate(page, "integrity")
    expect(page.locator("#integrity-list")).to_contain_text("摄像头黑屏")
    expect(page.locator("#integrity-list")).to_contain_text("韩梅梅")
    shot(page, "console-integrity")


def test_teacher_sets_up_an_exam_from_scratch(page, live_server, factory):
    school = factory.school()
    teacher = factory.teacher(school)
    student = factory.student(school, student_no="2024201", name="赵敏")
    open_console(page, live_server, teacher, route="batches")

    page.fill("#batch-create [name=name]", "2025年春季期末")
    page.click("#batch-create button[type=submit]")
    expect(page.locator("#view")).to_contain_text("已创建考试批：2025年春季期末")
    navigate(page, "courses")
    page.fill("#course-create [name=code]", "MATH101")
    page.fill("#course-create [name=name]", "高等数学")
    page.click("#course-create button[type=submit]")
    expect(page.locator("#view")).to_contain_text("已创建课程：高等数学（MATH101）")

    # The question bank: one question typed in, two imported from JSON.
    page.locator("tr[data-course-id]", has_text="MATH101").get_by_role("link", name="题库").click()
    expect(page.locator("#question-course")).to_contain_text("高等数学")
    page.select_option("#question-create [name=type]", "single")
    page.fill("#question-create [name=stem]", "中国的首都是？")
    page.fill("#question-create [name=options]", "A. 上海\nB. 北京")
    page.fill("#question-create [name=answer]", "B")
    page.click("#question-create button[type=submit]")
    expect(page.locator("#question-list")).to_contain_text("中国的首都是？")
    bank = (
        '[{"type": "judge", "stem": "1+1=2", "answer": true, "score": 2},'
        ' {"type": "single", "stem": "缺选项", "answer": "A", "score": 2}]'
    )
    page.set_input_files(
        "#question-import-file",
        files=[{"name": "bank.json", "mimeType": "application/json", "buffer": bank.encode()}],
    )
    page.get_by_role("button", name="导入").click()
    expect(page.locator("#question-import-report")).to_contain_text(
        "共 2 题：新增 1，未变 0，错误 1"
    )
    expect(page.locator("#question-list")).to_contain_text("1+1=2")
    shot(page, "console-questions")

    # The exam, open now, without a face check; then enrol the student.
    navigate(page, "exams")
    page.select_option("#exam-create [name=batch_id]", label="2025年春季期末")
    page.select_option("#exam-create [name=course_id]", label="高等数学（MATH101）")
    page.fill("#exam-create [name=starts_at]", "2020-01-01T08:00")
    page.fill("#exam-create [name=ends_at]", "2099-01-01T08:00")
    page.uncheck("#exam-create [name=face_check_required]")
    page.click("#exam-create button[type=submit]")
    row = page.locator("#exam-list tr[data-exam-id]")
    expect(row).to_contain_text("未设置调卷规则")
    exam_id = int(row.get_attribute("data-exam-id"))
    row.get_by_role("link", name="报名学生").click()
    page.locator("#enrol-picker tr", has_text="赵敏").locator("input[type=checkbox]").check()
    page.get_by_role("button", name="报名所选学生").click()
    expect(page.locator("#view")).to_contain_text("新报名 1 人")
    expect(page.locator("#enrolled-list")).to_contain_text("2024201")

    # The paper rule from the bank (one single-choice, one true/false question).
    navigate(page, "paper-rule")
    page.select_option("#paper-rule-exam", str(exam_id))
    expect(page.locator("#bank-counts")).to_contain_text("单选题 1 道")
    expect(page.locator("#paper-rule-editor tr.section-row")).to_have_count(2)
    page.click("#paper-rule-save")
    expect(page.locator("#paper-rule-editor [role=status]")).to_contain_text(
        "已保存调卷规则：共 2 题，总分 4"
    )
    shot(page, "console-setup-paper-rule")

    candidate = student_api(live_server, student)
    (listed,) = candidate.get("/me/exams")
    assert (
        listed["exam_id"] == exam_id and listed["can_enter"] and not listed["face_check_required"]
    ), listed
    assert candidate.post(f"/exams/{exam_id}/attempts")["question_count"] == 2
