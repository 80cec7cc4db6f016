"""Question bank: per-type validation, JSON and XLSX import with a per-row report."""

import io
import json

import openpyxl
import pytest

from tests import spreadsheets


@pytest.fixture
def course(factory, client):
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    course = client.post(
        "/api/v1/courses", headers=teacher.headers, json={"code": "Q1", "name": "题库课"}
    ).get_json()
    return teacher, course


def upload(client, teacher, course, data: bytes, name: str):
    return client.post(
        f"/api/v1/courses/{course['id']}/questions/import",
        headers=teacher.headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_each_type_is_checked_when_added(client, course):
    teacher, course = course
    url = f"/api/v1/courses/{course['id']}/questions"
    ok = client.post(
        url,
        headers=teacher.headers,
        json={
            "type": "single",
            "stem": "1+1=?",
            "options": [{"key": "a", "text": "2"}, {"key": "b", "text": "3"}],
            "answer": "a",
            "score": 2,
        },
    )
    assert ok.status_code == 201 and ok.get_json()["answer"] == "A"
    for bad, field in [
        (
            {
                "type": "single",
                "stem": "x",
                "options": [{"key": "A", "text": "1"}],
                "answer": "A",
                "score": 1,
            },
            "options",
        ),
        (
            {
                "type": "single",
                "stem": "x",
                "options": [{"key": "A", "text": "1"}, {"key": "B", "text": "2"}],
                "answer": "C",
                "score": 1,
            },
            "answer",
        ),
        ({"type": "judge", "stem": "x", "answer": "maybe", "score": 1}, "answer"),
        ({"type": "fill", "stem": "x", "answer": [], "score": 1}, "answer"),
        # A number is no list of keys or blanks (it was a TypeError: 500).
        (
            {
                "type": "multiple",
                "stem": "x",
                "options": [{"key": "A", "text": "1"}, {"key": "B", "text": "2"}],
                "answer": 5,
                "score": 1,
            },
            "answer",
        ),
        ({"type": "fill", "stem": "x", "answer": 3, "score": 1}, "answer"),
    ]:
        response = client.post(url, headers=teacher.headers, json=bad)
        assert response.status_code == 422, bad
        assert response.get_json()["code"] == "INVALID_QUESTION"
        assert field in response.get_json()["errors"]


def test_json_import_reports_rows_and_reimport_changes_nothing(client, course):
    teacher, course = course
    items = [
        {"type": "judge", "stem": "地球是圆的", "answer": "对", "score": 1, "external_id": "J1"},
        {
            "type": "multiple",
            "stem": "偶数",
            "options": {"A": "2", "B": "3", "C": "4"},
            "answer": "AC",
            "score": 2,
        },
        {"type": "fill", "stem": "首都___", "answer": "北京/北京市", "score": 2},
        {"type": "essay", "stem": "", "score": 5},
        {"type": "unknown", "stem": "x", "score": 1},
    ]
    data = json.dumps(items, ensure_ascii=False).encode()
    report = upload(client, teacher, course, data, "bank.json").get_json()
    assert (report["created"], report["unchanged"]) == (3, 0)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(4, "stem"), (5, "type")]
    again = upload(client, teacher, course, data, "bank.json").get_json()
    assert (again["created"], again["unchanged"], len(again["errors"])) == (0, 3, 2)
    listed = client.get(
        f"/api/v1/courses/{course['id']}/questions", headers=teacher.headers
    ).get_json()
    assert len(listed) == 3
    fill = next(q for q in listed if q["type"] == "fill")
    assert fill["answer"] == [["北京", "北京市"]]


def test_xlsx_import_with_chinese_headers(client, course):
    teacher, course = course
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "选项", "答案", "分值"])
    sheet.append(["单选题", "中国的首都", "A.上海|B.北京", "B", 2])
    sheet.append(["判断题", "水是液体", None, "√", 1])
    sheet.append(["多选题", "质数", "A.2\nB.4\nC.5", "A,C", 3])
    sheet.append(["单选题", "缺答案", "A.1|B.2", None, 2])
    buffer = io.BytesIO()
    book.save(buffer)
    report = upload(client, teacher, course, buffer.getvalue(), "bank.xlsx").get_json()
    assert report["created"] == 3
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(5, "answer")]


def test_a_bank_past_the_row_limit_is_refused_without_reading_the_rest(client, course, settings):
    teacher, course = course
    limit = settings.QUESTION_IMPORT_MAX_ROWS
    rows = [
        ("题型", "题干", "选项", "答案", "分值"),
        *(("判断题", f"第{i}题", "", "√", "1") for i in range(limit + 1)),
    ]
    response = upload(client, teacher, course, spreadsheets.workbook(rows, cut_off=True), "q.xlsx")
    assert response.status_code == 422 and response.get_json()["code"] == "IMPORT_TOO_MANY_ROWS"
    listed = client.get(f"/api/v1/courses/{course['id']}/questions", headers=teacher.headers)
    assert listed.get_json() == []
    bomb = spreadsheets.workbook(rows[:3], inflated_part_bytes=110 * 1024 * 1024)
    response = upload(client, teacher, course, bomb, "q.xlsx")
    assert response.status_code == 413 and response.get_json()["code"] == "UPLOAD_TOO_LARGE"


def test_bad_files_and_other_schools(client, factory, course):
    teacher, course = course
    assert (
        upload(client, teacher, course, b"\x89PNG\r\n", "bank.json").get_json()["code"]
        == "QUESTION_IMPORT_BAD_FILE"
    )
    assert (
        upload(client, teacher, course, b'{"a": 1}', "bank.json").get_json()["code"]
        == "QUESTION_IMPORT_BAD_FILE"
    )
    assert upload(client, teacher, course, b"PK\x03\x04junk", "bank.xlsx").status_code == 422
    other = factory.login_teacher(factory.teacher(factory.school()))
    assert (
        client.get(f"/api/v1/courses/{course['id']}/questions", headers=other.headers).status_code
        == 404
    )
    assert upload(client, other, course, b"[]", "bank.json").status_code == 404
    candidate = factory.login_student(factory.student(factory.school()))
    assert (
        client.get(
            f"/api/v1/courses/{course['id']}/questions", headers=candidate.headers
        ).status_code
        == 403
    )
