"""
Reading the rows of an .xlsx workbook with openpyxl.

The workbook is opened read-only, which streams the sheet instead of loading
it into memory, and with ``data_only=True``, so a formula cell gives the value
Excel last calculated and saved, never the formula text.
"""

import datetime
import io
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from learnlinq.errors import InputRejected

from .tables import Cell

logger = logging.getLogger(__name__)

# Errors openpyxl 3.1 raises for a damaged or unusual workbook. It raises
# AttributeError for a chart sheet without a drawing, for example.
_WORKBOOK_ERRORS = (
    AttributeError,
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    ParseError,
)

WorkbookRow = tuple[int, list[Cell]]


@contextmanager
def workbook_open(data: bytes) -> Iterator[Workbook]:
    """Open an .xlsx workbook, rejecting it as ``workbook_invalid`` if damaged."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _WORKBOOK_ERRORS as error:
        logger.info("Workbook could not be opened: %r", error)
        raise InputRejected("workbook_invalid") from error
    try:
        yield workbook
    finally:
        workbook.close()


def sheet_names(workbook: Workbook) -> list[str]:
    """Return the names of the worksheets, leaving out chart sheets."""
    return [sheet.title for sheet in workbook.worksheets]


def sheet_rows(workbook: Workbook, sheet: str | None) -> Iterator[WorkbookRow]:
    """
    Yield ``(row number, cells)`` for every row of a sheet, empty rows included.

    ``sheet`` defaults to the first worksheet. A name that is not a worksheet
    raises ``InputRejected("sheet_not_found")`` with the names there are.
    """
    names = sheet_names(workbook)
    if not names:
        raise InputRejected("sheet_not_found", {"sheet": sheet or "", "sheets": []})
    name = names[0] if sheet is None else sheet
    if name not in names:
        raise InputRejected("sheet_not_found", {"sheet": name, "sheets": names})

    worksheet = workbook[name]
    try:
        # A read-only sheet fills gaps between stored rows with empty rows, so
        # counting from min_row gives the sheet's own row numbers.
        rows = worksheet.iter_rows(min_row=1, values_only=True)
        for number, values in enumerate(rows, start=1):
            yield number, [cell_from_excel(value) for value in values]
    except _WORKBOOK_ERRORS as error:
        logger.info("Sheet %s could not be read: %r", name, error)
        raise InputRejected("workbook_invalid", {"sheet": name}) from error


def cell_from_excel(value: object) -> Cell:
    """
    Convert an openpyxl cell value to a ``Cell``.

    A datetime at midnight becomes a date, because Excel stores every date
    as a datetime. A whole number stored as a float gives ``"123"``, not
    ``"123.0"``, so an employee number typed as a number still matches.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date()
        return value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    return str(value)


def _float_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    # Excel shows at most 15 significant digits, so 0.1 + 0.2 reads as 0.3.
    text = f"{value:.15g}"
    if "e" in text:
        return repr(value)
    return text
