"""XLSX workbooks written part by part, for the import limits: any number of rows (cheaply, as
XML text), a sheet cut off after its rows (damage a reader that stops early never sees), or an
extra part that inflates to any size (a workbook zip bomb)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _column(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def _row(number: int, values: Sequence[object]) -> str:
    cells = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        for i, v in enumerate(values)
        if v is not None
    )
    return f'<row r="{number}">{cells}</row>'


def workbook(
    rows: Iterable[Sequence[object]],
    *,
    cut_off: bool = False,
    inflated_part_bytes: int = 0,
) -> bytes:
    """A workbook whose first sheet holds `rows` (the first is the header). `cut_off`: the
    sheet's XML stops in the middle of a row after them, as in a truncated file.
    `inflated_part_bytes`: one more part of that many spaces, deflated."""
    template = io.BytesIO()
    Workbook().save(template)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info))
        with target.open(SHEET, "w") as sheet:
            # The dimension Excel writes first (openpyxl reads it when it opens the sheet);
            # it claims Excel's last row, so a reader goes on until the rows end.
            sheet.write(
                f'<worksheet xmlns="{_NS}"><dimension ref="A1:Z1048576"/><sheetData>'.encode()
            )
            for number, values in enumerate(rows, start=1):
                sheet.write(_row(number, values).encode())
            if cut_off:
                sheet.write(b'<row r="999999999"><c r="A9')
            else:
                sheet.write(b"</sheetData></worksheet>")
        if inflated_part_bytes:
            with target.open("xl/padding.xml", "w", force_zip64=True) as part:
                chunk = b" " * (1024 * 1024)
                for _ in range(inflated_part_bytes // len(chunk)):
                    part.write(chunk)
    return out.getvalue()
