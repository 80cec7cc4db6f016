"""Bulk student import through `POST /api/v1/students/import`, as a teacher uses it."""

from __future__ import annotations

import io
import json
import random
import re

import pytest
from openpyxl import Workbook

from tests import spreadsheets
from tests.factories import id_ending_in_x, valid_id

IMPORT_URL = "/api/v1/students/import"
STUDENTS_URL = "/api/v1/students"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

X_ID = id_ending_in_x(5)  # 11010120050101005X
assert X_ID.endswith("X")
BAD_CHECK_ID = valid_id(3)[:-1] + ("0" if valid_id(3)[-1] != "0" else "1")

# The teacher's spreadsheet: header, then one row per student (the header is line 1).
ROWS = [
    ("学号", "证件号", "姓名"),  # line 1
    ("2024001", valid_id(1), "张三"),  # line 2: good
    ("2024002", valid_id(2), ""),  # line 3: name missing
    ("2024003", BAD_CHECK_ID, "王五"),  # line 4: wrong check digit
    ("", "", ""),  # line 5: blank, skipped, still counted as a line
    ("2024001", valid_id(4), "赵六"),  # line 6: student number repeats line 2
    ("2024005", X_ID.lower(), "钱七"),  # line 7: good, ID ends in lower-case x
    ("2024006", "A123456(7)", "孙八"),  # line 8: good, Hong Kong ID
    ("2024007", "B234567（8）", "周九"),  # line 9: good, full-width parentheses
]
GOOD_LINES = 4
ERROR_LINES = {3: "name", 4: "id_number", 6: "student_no"}


def csv_bytes(rows=ROWS, encoding="utf-8-sig") -> bytes:
    return "".join(",".join(row) + "\r\n" for row in rows).encode(encoding)


def xlsx_bytes(rows=ROWS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for index, row in enumerate(rows):
        if index == 0:
            sheet.append(list(row))
            continue
        student_no, id_number, name = row
        if student_no.isdigit():
            # Spreadsheets hold student numbers as numbers: some ints, some floats.
            student_no = int(student_no) if index % 2 else float(student_no)
        sheet.append([student_no or None, id_number or None, name or None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, logged, data: bytes, filename: str = "students.csv"):
    return client.post(
        IMPORT_URL,
        data={"file": (io.BytesIO(data), filename)},
        headers=logged.headers,
        content_type="multipart/form-data",
    )


def students_of(client, logged) -> tuple[int, list[dict]]:
    response = client.get(STUDENTS_URL, query_string={"page_size": 100}, headers=logged.headers)
    assert response.status_code == 200, response.get_json()
    total = json.loads(response.headers["X-Pagination"])["total"]
    return total, response.get_json()


def assert_error_body(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert {"code", "message", "faq"} <= set(body), body
    assert body["code"] == code
    assert CHINESE.search(body["message"]), body["message"]
    return body


def assert_mixed_report(body: dict) -> None:
    assert body["total"] == GOOD_LINES + len(ERROR_LINES)
    assert body["created"] == GOOD_LINES
    assert body["unchanged"] == 0
    assert {error["line"]: error["field"] for error in body["errors"]} == ERROR_LINES
    assert [error["line"] for error in body["errors"]] == sorted(ERROR_LINES)
    reasons = {error["line"]: error["reason"] for error in body["errors"]}
    for reason in reasons.values():
        assert CHINESE.search(reason), reason
    assert "姓名" in reasons[3]
    assert "校验" in reasons[4]
    assert "重复" in reasons[6] and "第2行" in reasons[6]


@pytest.fixture
def school(factory):
    return factory.school("第一中学")


@pytest.fixture
def teacher(factory, school):
    return factory.login_teacher(factory.teacher(school))


# --- the mixed file ---


def test_csv_keeps_good_rows_and_reports_bad_rows_by_line(client, teacher):
    response = upload(client, teacher, csv_bytes())

    assert response.status_code == 200, response.get_json()
    assert_mixed_report(response.get_json())
    total, students = students_of(client, teacher)
    assert total == GOOD_LINES
    by_no = {student["student_no"]: student for student in students}
    assert set(by_no) == {"2024001", "2024005", "2024006", "2024007"}
    assert by_no["2024001"]["name"] == "张三"
    assert by_no["2024001"]["id_number"] == valid_id(1)  # line 2, not the duplicate on line 6
    assert by_no["2024005"]["id_number"] == X_ID  # stored upper-case
    assert by_no["2024006"]["id_number"] == "A123456(7)"
    assert by_no["2024007"]["id_number"] == "B234567(8)"  # full-width parentheses normalised
    assert all(student["uses_default_password"] for student in students)


def test_student_with_lower_case_x_logs_in_with_lower_case_id(client, factory, teacher):
    assert upload(client, teacher, csv_bytes()).status_code == 200

    response = client.post(
        "/api/v1/auth/login",
        json={
            "username": X_ID.lower(),
            "password": X_ID[-6:].upper(),
        },
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["role"] == "candidate"
    assert body["user"]["student_no"] == "2024005"
    wrong_case = client.post(
        "/api/v1/auth/login",
        json={
            "username": X_ID.lower(),
            "password": X_ID[-6:].lower(),
        },
    )
    assert_error_body(wrong_case, 401, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("username", ["A123456(7)", "a123456（7）", "B234567(8)", "B234567（8）"])
def test_ids_with_parentheses_log_in_with_123456(client, teacher, username):
    assert upload(client, teacher, csv_bytes()).status_code == 200

    response = client.post("/api/v1/auth/login", json={"username": username, "password": "123456"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["role"] == "candidate"


def test_reimporting_the_same_file_changes_nothing(client, teacher):
    first = upload(client, teacher, csv_bytes()).get_json()
    _, before = students_of(client, teacher)

    response = upload(client, teacher, csv_bytes())

    assert response.status_code == 200, response.get_json()
    again = response.get_json()
    assert again["created"] == 0
    assert again["unchanged"] == first["created"] == GOOD_LINES
    assert again["total"] == first["total"]
    assert again["errors"] == first["errors"]
    total, after = students_of(client, teacher)
    assert total == GOOD_LINES
    assert after == before


def test_xlsx_gives_the_same_result_as_csv(client, factory, teacher):
    other_school = factory.school("第二中学")
    other_teacher = factory.login_teacher(factory.teacher(other_school))
    from_csv = upload(client, other_teacher, csv_bytes()).get_json()

    response = upload(client, teacher, xlsx_bytes(), "students.xlsx")

    assert response.status_code == 200, response.get_json()
    from_xlsx = response.get_json()
    assert_mixed_report(from_xlsx)
    assert from_xlsx == from_csv
    _, students = students_of(client, teacher)
    assert {s["student_no"] for s in students} == {"2024001", "2024005", "2024006", "2024007"}
    # Numbers read from the spreadsheet match the ones typed in the CSV: nothing new.
    again = upload(client, teacher, csv_bytes()).get_json()
    assert (again["created"], again["unchanged"]) == (0, GOOD_LINES)


def test_gbk_csv_is_read_correctly(client, teacher):
    response = upload(client, teacher, csv_bytes(encoding="gbk"))

    assert response.status_code == 200, response.get_json()
    assert_mixed_report(response.get_json())
    _, students = students_of(client, teacher)
    assert {s["name"] for s in students} == {"张三", "钱七", "孙八", "周九"}


def test_english_headers_are_accepted(client, teacher):
    rows = [
        ("student_no", "id_number", "name"),
        ("2024001", valid_id(1), "张三"),
        ("2024002", valid_id(2), "李四"),
    ]

    response = upload(client, teacher, csv_bytes(rows, encoding="utf-8"))

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"total": 2, "created": 2, "unchanged": 0, "errors": []}


# --- files that cannot be imported ---


@pytest.mark.parametrize("header", [("学号", "姓名"), ("编号", "证件号", "姓名"), ("a", "b", "c")])
def test_file_without_needed_headers_is_refused(client, teacher, header):
    rows = [header, tuple("2024001" for _ in header)]

    response = upload(client, teacher, csv_bytes(rows))

    assert_error_body(response, 422, "IMPORT_BAD_HEADER")
    assert students_of(client, teacher)[0] == 0


@pytest.mark.parametrize(
    "data",
    [b"", "\ufeff".encode(), csv_bytes(ROWS[:1]), csv_bytes(ROWS[:1] + [("", "", "")])],
    ids=["empty", "bom-only", "header-only", "header-and-blank-row"],
)
def test_file_without_data_rows_is_refused(client, teacher, data):
    assert_error_body(upload(client, teacher, data), 422, "IMPORT_EMPTY")


def test_header_only_xlsx_is_refused(client, teacher):
    response = upload(client, teacher, xlsx_bytes(ROWS[:1]), "students.xlsx")

    assert_error_body(response, 422, "IMPORT_EMPTY")


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.parametrize(
    "data, filename",
    [
        (random.Random(20240601).randbytes(4096), "students.csv"),
        (PNG, "students.csv"),
        (PNG, "students.xlsx"),
        (b"PK\x03\x04 not really a zip", "students.csv"),
        (csv_bytes(), "students.xlsx"),
    ],
    ids=["random-bytes", "png-as-csv", "png-as-xlsx", "broken-zip", "csv-named-xlsx"],
)
def test_unreadable_file_is_refused_never_500(client, teacher, data, filename):
    response = upload(client, teacher, data, filename)

    assert_error_body(response, 422, "IMPORT_BAD_FILE")
    assert students_of(client, teacher)[0] == 0


def test_request_without_file_names_the_file_field(client, teacher):
    response = client.post(
        IMPORT_URL, data={"other": "x"}, headers=teacher.headers, content_type="multipart/form-data"
    )

    body = assert_error_body(response, 422, "VALIDATION_ERROR")
    assert "file" in body["errors"], body


# --- who may import, and where the students go ---


def test_candidate_cannot_import(client, factory, school):
    student = factory.student(school, id_number=valid_id(900), student_no="S900")
    candidate = factory.login_student(student)

    response = upload(client, candidate, csv_bytes())

    assert_error_body(response, 403, "FORBIDDEN")
    teacher = factory.login_teacher(factory.teacher(school))
    assert students_of(client, teacher)[0] == 1


def test_import_without_token_is_401(client):
    response = client.post(
        IMPORT_URL,
        data={"file": (io.BytesIO(csv_bytes()), "s.csv")},
        content_type="multipart/form-data",
    )

    assert_error_body(response, 401, "TOKEN_MISSING")


def test_schools_are_kept_apart(client, factory, teacher):
    first = upload(client, teacher, csv_bytes()).get_json()
    _, school_a_before = students_of(client, teacher)
    school_b = factory.school("第二中学")
    teacher_b = factory.login_teacher(factory.teacher(school_b))

    response = upload(client, teacher_b, csv_bytes())

    assert response.status_code == 200, response.get_json()
    second = response.get_json()
    assert (second["created"], second["unchanged"]) == (first["created"], 0)
    assert second["errors"] == first["errors"]
    total_a, school_a_after = students_of(client, teacher)
    total_b, school_b_students = students_of(client, teacher_b)
    assert total_a == total_b == GOOD_LINES
    assert school_a_after == school_a_before
    assert {s["school_id"] for s in school_b_students} == {school_b.id}
    assert not {s["id"] for s in school_a_after} & {s["id"] for s in school_b_students}


def test_teacher_cannot_import_into_another_school(client, factory, teacher):
    school_b = factory.school("第二中学")
    teacher_b = factory.login_teacher(factory.teacher(school_b))

    response = client.post(
        IMPORT_URL,
        query_string={"school_id": school_b.id},
        data={"file": (io.BytesIO(csv_bytes()), "students.csv")},
        headers=teacher.headers,
        content_type="multipart/form-data",
    )

    assert_error_body(response, 404, "NOT_FOUND")
    assert students_of(client, teacher_b)[0] == 0
    assert students_of(client, teacher)[0] == 0


# --- rows that clash with stored students ---


def test_same_student_number_with_another_id_is_an_error_and_keeps_the_stored_student(
    client, factory, school, teacher
):
    stored = factory.student(school, id_number=valid_id(700), student_no="2024001", name="张三")
    _, before = students_of(client, teacher)
    rows = [ROWS[0], ("2024001", valid_id(1), "张三"), ("2024010", valid_id(10), "吴十")]

    response = upload(client, teacher, csv_bytes(rows))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["total"], body["created"], body["unchanged"]) == (2, 1, 0)
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert (error["line"], error["field"]) == (2, "student_no")
    assert CHINESE.search(error["reason"]) and "学号" in error["reason"]
    kept = client.get(f"{STUDENTS_URL}/{stored.id}", headers=teacher.headers).get_json()
    assert kept == next(s for s in before if s["id"] == stored.id)
    assert kept["id_number"] == valid_id(700)


def test_same_id_number_with_another_student_number_is_an_error(client, factory, school, teacher):
    stored = factory.student(school, id_number=valid_id(1), student_no="OLD001", name="张三")

    response = upload(client, teacher, csv_bytes([ROWS[0], ("2024001", valid_id(1), "张三")]))

    body = response.get_json()
    assert (body["created"], body["unchanged"]) == (0, 0)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(2, "id_number")]
    assert CHINESE.search(body["errors"][0]["reason"])
    kept = client.get(f"{STUDENTS_URL}/{stored.id}", headers=teacher.headers).get_json()
    assert kept["student_no"] == "OLD001"


def test_overlong_values_are_row_errors_not_a_server_error(client, teacher):
    rows = [
        ROWS[0],
        ("2024001", valid_id(1), "张三"),
        ("9" * 40, valid_id(2), "李四"),
        ("2024003", valid_id(3), "名" * 80),
    ]

    response = upload(client, teacher, csv_bytes(rows))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["total"], body["created"]) == (3, 1)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(3, "student_no"), (4, "name")]
    assert all(CHINESE.search(e["reason"]) for e in body["errors"])
    assert students_of(client, teacher)[0] == 1


# --- limits first ---


def test_a_sheet_past_the_row_limit_is_refused_without_reading_the_rest(client, teacher, settings):
    """The rows are streamed and counted: at the limit the import stops, so the damage after
    row 20,001 (a truncated sheet) is never even read, and nothing is created."""
    limit = settings.IMPORT_MAX_ROWS
    rows = [ROWS[0], *((f"S{i:06d}", valid_id(i), "考生") for i in range(1, limit + 2))]
    response = upload(client, teacher, spreadsheets.workbook(rows, cut_off=True), "big.xlsx")
    body = assert_error_body(response, 422, "IMPORT_TOO_MANY_ROWS")
    assert body["max_rows"] == limit
    assert students_of(client, teacher)[0] == 0
    # At the limit exactly, the same file (cut off as well) gets as far as the damage.
    response = upload(client, teacher, spreadsheets.workbook(rows[:-1], cut_off=True), "big.xlsx")
    assert_error_body(response, 422, "IMPORT_BAD_FILE")


def test_a_workbook_that_inflates_past_its_limit_is_refused_unopened(client, teacher):
    bomb = spreadsheets.workbook(ROWS, inflated_part_bytes=110 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    response = upload(client, teacher, bomb, "students.xlsx")
    assert_error_body(response, 413, "UPLOAD_TOO_LARGE")
    assert students_of(client, teacher)[0] == 0
