"""Helpers for the files offices live in: .xlsx workbooks (and later .docx documents)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_STARTS = frozenset("=+-@")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    return str(value)


def build_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "Sheet1",
    highlight_column: int | None = None,
) -> bytes:
    """A workbook with one sheet: a bold, frozen header row, then ``rows``.

    ``highlight_column`` (0-based) is shaded, e.g. the error column of an import report.
    """
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31]
    ws.append([str(h) for h in headers])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        values = [_cell(v) for v in row]
        ws.append(values)
        # Text that starts like a formula stays text: a name typed as "=HYPERLINK(…)" in a
        # roster must not run when staff open the export.
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value[:1] in FORMULA_STARTS:
                cell.data_type = "s"
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = min(
                60, max(widths[i], len(str(v)) * 2 if any(ord(c) > 127 for c in str(v)) else len(str(v)) + 2)
            )
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if highlight_column is not None:
        fill = PatternFill("solid", fgColor="FDE2E1")
        for (cell,) in ws.iter_rows(min_row=1, min_col=highlight_column + 1, max_col=highlight_column + 1):
            cell.fill = fill
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def file_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A download with a UTF-8 file name that Chinese file names survive in every browser."""
    response = HttpResponse(content, content_type=content_type)
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], **kwargs) -> HttpResponse:
    return file_response(build_xlsx(headers, rows, **kwargs), filename, XLSX_TYPE)
