"""Bulk student import from CSV or XLSX: good rows kept, bad rows reported by line.

Re-importing the same file changes nothing: a row identical to a stored student is
reported as unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.actors import Actor, Role
from server.domain.errors import InvalidInput
from server.domain.identity.accounts import get_school, new_student
from server.domain.identity.id_numbers import BadIdNumber, normalize_login_name, validate_id_number
from server.domain.identity.models import User
from server.domain.import_report import ImportReport, RowError
from server.domain.spreadsheets import xlsx_rows

# Accepted header names for each column, Chinese first.
HEADERS = {
    "student_no": ("学号", "考号", "student_no", "studentno", "student number"),
    "id_number": (
        "证件号",
        "身份证号",
        "证件号码",
        "身份证号码",
        "id_number",
        "idnumber",
        "id number",
    ),
    "name": ("姓名", "name"),
}
XLSX_MAGIC = b"PK\x03\x04"
# Widths of users.student_no and users.name: a longer value is a row error, not a failed import.
MAX_LENGTHS = {"student_no": 32, "name": 64}


def read_rows(
    data: bytes, filename: str = "", max_rows: int = 20000
) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each non-empty data row; the header is line 1."""
    rows: Iterator[Sequence[object]]
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        rows = xlsx_rows(data, "IMPORT_BAD_FILE", max_rows)
    else:
        rows = _csv_rows(data)
    # Rows are read as they are needed: past max_rows the rest of the file is never read.
    header = next(rows, None)
    if header is None:
        raise InvalidInput("IMPORT_EMPTY")
    columns = _map_header(header)
    result: list[tuple[int, dict[str, str]]] = []
    for line, values in enumerate(rows, start=2):
        if not any(str(value or "").strip() for value in values):
            continue
        if len(result) >= max_rows:
            raise InvalidInput("IMPORT_TOO_MANY_ROWS", max_rows=max_rows)
        result.append((line, {key: _cell(values, index) for key, index in columns.items()}))
    if not result:
        raise InvalidInput("IMPORT_EMPTY")
    return result


def import_students(
    session: Session,
    actor: Actor,
    rows: list[tuple[int, dict[str, str]]],
    *,
    school_id: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportReport:
    actor.require_staff()
    school = actor.school_for_new_row(school_id)
    get_school(session, school)
    existing = _existing_students(session, school)
    by_no = {student.student_no: student for student in existing}
    by_id = {student.id_number: student for student in existing}
    report = ImportReport()
    seen_in_file: dict[str, int] = {}
    new_students: list[User] = []
    for line, row in rows:
        error = _check_row(line, row, seen_in_file, by_no, by_id)
        if isinstance(error, RowError):
            report.errors.append(error)
        elif error == "unchanged":
            report.unchanged += 1
        else:
            student = new_student(school, row["student_no"], row["id_number"], row["name"])
            new_students.append(student)
            by_no[student.student_no] = by_id[student.id_number] = student
        if progress:
            progress(1)
    session.add_all(new_students)
    session.commit()
    report.created = len(new_students)
    return report


def _check_row(
    line: int,
    row: dict[str, str],
    seen_in_file: dict[str, int],
    by_no: dict[str | None, User],
    by_id: dict[str | None, User],
) -> RowError | str | None:
    for key, label in (("student_no", "学号"), ("id_number", "证件号"), ("name", "姓名")):
        if not row.get(key):
            return RowError(line, f"缺少{label}", key)
    student_no = normalize_login_name(row["student_no"])
    for key, label, value in (
        ("student_no", "学号", student_no),
        ("name", "姓名", row["name"].strip()),
    ):
        if len(value) > MAX_LENGTHS[key]:
            return RowError(line, f"{label}过长（最多{MAX_LENGTHS[key]}个字符）", key)
    try:
        id_number = validate_id_number(row["id_number"])
    except BadIdNumber as exc:
        return RowError(line, str(exc), "id_number")
    for key, value in (("student_no", student_no), ("id_number", id_number)):
        first = seen_in_file.get(f"{key}:{value}")
        if first is not None:
            label = "学号" if key == "student_no" else "证件号"
            return RowError(line, f"{label}与第{first}行重复", key)
    seen_in_file[f"student_no:{student_no}"] = line
    seen_in_file[f"id_number:{id_number}"] = line
    same_no, same_id = by_no.get(student_no), by_id.get(id_number)
    if same_no is not None and same_no is same_id and same_no.name == row["name"].strip():
        return "unchanged"
    if same_no is not None:
        return RowError(line, "学号已存在（证件号或姓名不同），请核对", "student_no")
    if same_id is not None:
        return RowError(line, "证件号已存在（学号不同），请核对", "id_number")
    return None


def _existing_students(session: Session, school_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.role == Role.CANDIDATE, User.school_id == school_id)
        )
    )


def _map_header(header: Iterable[object]) -> dict[str, int]:
    names = [str(cell or "").strip().lstrip("\ufeff").lower() for cell in header]
    columns = {}
    for key, aliases in HEADERS.items():
        for index, name in enumerate(names):
            if name in aliases:
                columns[key] = index
                break
    if set(columns) != set(HEADERS):
        raise InvalidInput("IMPORT_BAD_HEADER", missing=sorted(set(HEADERS) - set(columns)))
    return columns


def _cell(values: Sequence[object], index: int) -> str:
    if index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn numeric student numbers into floats
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[Sequence[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("IMPORT_BAD_FILE")
    if "\x00" in text:
        raise InvalidInput("IMPORT_BAD_FILE")
    return _csv_records(csv.reader(io.StringIO(text)))


def _csv_records(reader: Iterator[list[str]]) -> Iterator[Sequence[object]]:
    """The reader's records one at a time (25 MB of blank lines is not a list of millions)."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput("IMPORT_BAD_FILE") from exc
        yield record
