"""Spreadsheets (台账) for download: one sheet per table, every cell written as data.

A cell beginning with = + - @ (or a tab / carriage return) would run as a formula in
a spreadsheet program; such text is prefixed with an apostrophe (SECURITY.md 12).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Numbers and dates as they are; text that a spreadsheet would evaluate, escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | dt.date | dt.datetime):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def workbook_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx file with one sheet per (title, header, rows)."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=safe_cell(title)[:31].lstrip("'") or "Sheet")
        sheet.append([safe_cell(h) for h in header])
        widths = [len(str(h)) for h in header]
        for row in rows:
            cells = [safe_cell(v) for v in row]
            sheet.append(cells)
            widths = [max(w, len(str(c))) for w, c in zip(widths, cells, strict=False)]
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
