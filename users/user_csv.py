"""
Read the user CSV (``Username;Name;Email;Importid`` plus ``custom_*`` columns).

This module imports no models, so the file format can be tested on bytes
alone. Faults of the whole file raise ``InputRejected``. Checks of single
lines against the database belong to ``users.services``.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from learnlinq.errors import InputRejected

if TYPE_CHECKING:
    from _csv import Reader

USERNAME = "username"
NAME = "name"
EMAIL = "email"
IMPORT_ID = "importid"
STANDARD_COLUMNS = (USERNAME, NAME, EMAIL, IMPORT_ID)
FREE_FIELD_PREFIX = "custom_"

# FreeField.name stores at most 100 characters, the prefix included.
FREE_FIELD_NAME = re.compile(r"custom_[a-z0-9_]{1,93}")

_BLANKS = "\ufeff\u00a0 \t\r\n"


@dataclass(frozen=True)
class UserHeader:
    """
    The columns of a user CSV: position of each standard column that is
    present, and the free fields in file order.
    """

    positions: dict[str, int]
    free_fields: tuple[tuple[str, int], ...]
    width: int


@dataclass(frozen=True)
class UserRecord:
    """One data record: the physical line it starts on and its trimmed cells."""

    line: int
    cells: tuple[str, ...]

    def get(self, header: UserHeader, column: str) -> str | None:
        """Return the cell of a standard column, or None when the file lacks it."""
        position = header.positions.get(column)
        if position is None:
            return None
        return self.cells[position]


def cell_clean(value: str) -> str:
    """Trim spaces, tabs, line breaks and no-break spaces at both ends."""
    return value.strip(_BLANKS)


def column_normalise(name: str) -> str:
    """Return a header name without a BOM or padding, case-folded."""
    return cell_clean(name).casefold()


def user_csv_decode(data: bytes, encoding: str) -> str:
    """
    Decode the whole file, naming the line and byte that fail.

    A BOM is dropped whatever the encoding, because spreadsheet programs write
    one before UTF-8 text and it would otherwise stick to the first column.
    """
    if not data.strip():
        raise InputRejected("user_csv_empty")
    try:
        text = data.decode(encoding)
    except LookupError:
        raise InputRejected(
            "user_csv_encoding_unknown", {"encoding": encoding}
        ) from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputRejected(
            "user_csv_undecodable",
            {
                "encoding": encoding,
                "line": line,
                "byte": f"0x{data[error.start]:02X}",
            },
        ) from error
    return text.lstrip("\ufeff")


def user_header_parse(cells: list[str]) -> UserHeader:
    """Check the header row and return where each column sits."""
    positions: dict[str, int] = {}
    free_fields: list[tuple[str, int]] = []
    seen: set[str] = set()

    for position, raw in enumerate(cells):
        name = column_normalise(raw)
        if not name:
            raise InputRejected("user_csv_column_unnamed", {"column": position + 1})
        if name in seen:
            raise InputRejected("user_csv_column_duplicate", {"name": cell_clean(raw)})
        seen.add(name)

        if name in STANDARD_COLUMNS:
            positions[name] = position
        elif name.startswith(FREE_FIELD_PREFIX):
            if not FREE_FIELD_NAME.fullmatch(name):
                raise InputRejected(
                    "user_csv_free_field_invalid", {"name": cell_clean(raw)}
                )
            free_fields.append((name, position))
        else:
            raise InputRejected(
                "user_csv_column_unknown",
                {"name": cell_clean(raw), "columns": "Username, Name, Email, Importid"},
            )

    if USERNAME not in positions:
        raise InputRejected("user_csv_username_column_missing")
    return UserHeader(positions, tuple(free_fields), len(cells))


def user_csv_read(
    text: str, *, delimiter: str
) -> tuple[UserHeader, Iterator[UserRecord | tuple[int, int]]]:
    """
    Parse the header and return it with an iterator over the data records.

    The iterator yields a ``UserRecord`` per record, or ``(line, cell count)``
    for a record whose cell count differs from the header's. Records that are
    empty after trimming are skipped, but still count for line numbers.
    """
    if len(delimiter) != 1:
        raise InputRejected("user_csv_delimiter_invalid", {"delimiter": delimiter})

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_cells = next(reader)
    except StopIteration:
        raise InputRejected("user_csv_empty") from None
    except csv.Error as error:
        params = {"line": 1, "error": str(error)}
        raise InputRejected("user_csv_malformed", params) from error
    header = user_header_parse(header_cells)
    return header, _records(reader, header)


def _records(
    reader: "Reader", header: UserHeader
) -> Iterator[UserRecord | tuple[int, int]]:
    # reader.line_num counts physical lines read so far, so a record that
    # spans several lines starts one line after where the previous one ended.
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InputRejected(
                "user_csv_malformed",
                {"line": previous_end + 1, "error": str(error)},
            ) from error
        line = previous_end + 1
        previous_end = reader.line_num

        cleaned = tuple(cell_clean(cell) for cell in cells)
        if not any(cleaned):
            continue
        if len(cleaned) != header.width:
            yield (line, len(cleaned))
            continue
        yield UserRecord(line, cleaned)
