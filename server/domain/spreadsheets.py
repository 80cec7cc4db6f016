"""The first sheet of an uploaded XLSX workbook (student rosters, question banks), row by row,
with the limits checked before anything is inflated.

An XLSX file is a zip of XML parts: 25 MB of upload can declare gigabytes of XML, and openpyxl
reads the shared strings whole when it opens a workbook. So the archive's directory is checked
first (at most MAX_PARTS parts declaring at most MAX_UNCOMPRESSED_BYTES together; zipfile never
inflates a part past its declared size), then the sheet is streamed (openpyxl read-only): a
reader that stops at its row limit never reads the rest of the sheet.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from server.domain.archives import BAD_ARCHIVE_ERRORS, declared_entries
from server.domain.errors import InvalidInput, TooLarge

# A workbook's parts (a real one has a dozen or two) and their inflated size together: a 20,000
# student roster is ~10 MB of XML, a 5,000-question bank with long stems a few tens of MB.
MAX_PARTS = 1000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
# Excel's own last row. Rows are counted blank or not (openpyxl yields a blank row for every
# row number skipped), so a sheet claiming row 2,000,000,000 stops here.
MAX_SHEET_ROWS = 1_048_576


def xlsx_rows(data: bytes, bad_file: str, max_rows: int) -> Iterator[tuple[object, ...]]:
    """The first sheet's rows as tuples of cell values, read as they are asked for. `bad_file` is
    the error code for an unreadable workbook (InvalidInput, also when damage shows up in a
    later row); too big a workbook is UPLOAD_TOO_LARGE; a sheet past Excel's last row is
    IMPORT_TOO_MANY_ROWS with `max_rows` (the caller's limit, which it checks itself)."""
    from openpyxl import load_workbook  # heavy; only when a workbook arrives

    try:
        archive = io.BytesIO(data)
        if declared_entries(archive) > MAX_PARTS:
            raise InvalidInput(bad_file)
        with zipfile.ZipFile(archive) as parts:
            declared = sum(info.file_size for info in parts.infolist())
    except BAD_ARCHIVE_ERRORS as exc:
        raise InvalidInput(bad_file) from exc
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise TooLarge("UPLOAD_TOO_LARGE", max_bytes=MAX_UNCOMPRESSED_BYTES)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = iter(workbook.worksheets[0].iter_rows(values_only=True))
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InvalidInput(bad_file) from exc
    try:
        for line, values in enumerate(_read(rows, bad_file), start=1):
            if line > MAX_SHEET_ROWS:
                raise InvalidInput("IMPORT_TOO_MANY_ROWS", max_rows=max_rows)
            yield values
    finally:
        workbook.close()


def _read(rows: Iterator[tuple[object, ...]], bad_file: str) -> Iterator[tuple[object, ...]]:
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # damage found further into the sheet
            raise InvalidInput(bad_file) from exc
        yield values
