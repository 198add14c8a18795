"""The values the reading package returns: records, notices and tables."""

import datetime
from dataclasses import dataclass, field
from typing import Any, Literal

# A cell as read: CSV cells are always text, while an .xlsx date cell stays a
# date (or a datetime when it has a time of day).
Cell = str | datetime.date | datetime.datetime

Kind = Literal["csv", "xlsx"]


@dataclass(frozen=True)
class ReadOptions:
    """
    How to read a file, as the administrator chose it.

    ``quotechar == ""`` means the file has no text qualifier. A workbook
    ignores ``encoding``, ``delimiter`` and ``quotechar``; a CSV file ignores
    ``sheet``.
    """

    encoding: str
    delimiter: str
    quotechar: str
    sheet: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """
    One data record of a file.

    ``line`` is the physical line where the record starts (the first line of
    the file is 1) or, in a workbook, the sheet row. ``number`` counts data
    records from 1, skipping the header and records that are empty.
    """

    line: int
    number: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Notice:
    """A warning about the file that does not stop the import."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass
class Table:
    """A file read into a header and its data records, with any notices."""

    kind: Kind
    header: tuple[str, ...]
    records: list[Record]
    notices: list[Notice]
    sheet_names: list[str]


@dataclass(frozen=True)
class Suggestion:
    """Reading options guessed from a file's content, for the wizard to offer."""

    kind: Kind
    encoding: str
    delimiter: str
    quotechar: str
    date_format: str | None
    sheet_names: list[str]
    notices: list[Notice]
