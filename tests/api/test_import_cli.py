"""`flask exam-cloud import-students PATH --school-id N`: the administrator's bulk import."""

from __future__ import annotations

import json

import pytest

from tests.factories import valid_id

BAD_CHECK_ID = valid_id(2)[:-1] + ("0" if valid_id(2)[-1] != "0" else "1")


def write_csv(path, rows) -> None:
    path.write_bytes("".join(",".join(row) + "\n" for row in rows).encode("utf-8-sig"))


@pytest.fixture
def school(factory):
    return factory.school("第一中学")


@pytest.fixture
def students_csv(tmp_path):
    path = tmp_path / "students.csv"
    write_csv(
        path,
        [
            ("学号", "证件号", "姓名"),
            ("2024001", valid_id(1), "张三"),
            ("2024002", BAD_CHECK_ID, "李四"),  # line 3: wrong check digit
            ("2024003", valid_id(3), "王五"),
        ],
    )
    return path


def run_import(app, path, school_id):
    runner = app.test_cli_runner()
    return runner.invoke(
        args=["exam-cloud", "import-students", str(path), "--school-id", str(school_id)]
    )


def test_cli_import_reports_bad_rows_and_exits_1(app, client, factory, school, students_csv):
    result = run_import(app, students_csv, school.id)

    assert result.exit_code == 1, result.output
    assert "新增 2，未变化 0，错误 1" in result.output
    assert "第3行: 身份证号校验位错误，请核对" in result.output
    assert "第2行" not in result.output and "第4行" not in result.output
    # The good rows are stored in the named school.
    teacher = factory.login_teacher(factory.teacher(school))
    response = client.get("/api/v1/students", headers=teacher.headers)
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    assert {s["student_no"] for s in response.get_json()} == {"2024001", "2024003"}


def test_cli_second_run_reports_all_unchanged(app, school, students_csv):
    run_import(app, students_csv, school.id)

    result = run_import(app, students_csv, school.id)

    assert result.exit_code == 1, result.output  # the bad row is still bad
    assert "新增 0，未变化 2，错误 1" in result.output
    assert "第3行: 身份证号校验位错误，请核对" in result.output


def test_cli_clean_file_exits_0(app, school, tmp_path):
    path = tmp_path / "clean.csv"
    write_csv(path, [("学号", "证件号", "姓名"), ("2024001", valid_id(1), "张三")])

    result = run_import(app, path, school.id)

    assert result.exit_code == 0, result.output
    assert "新增 1，未变化 0，错误 0" in result.output


def test_cli_unusable_file_is_a_chinese_message_not_a_traceback(app, school, tmp_path):
    path = tmp_path / "no-header.csv"
    write_csv(path, [("编号", "证件号", "姓名"), ("2024001", valid_id(1), "张三")])

    result = run_import(app, path, school.id)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "导入文件缺少表头" in result.output
    assert "IMPORT_BAD_HEADER" in result.output


def test_cli_unknown_school_is_a_message_not_a_traceback(app, students_csv):
    result = run_import(app, students_csv, 999999)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "NOT_FOUND" in result.output
