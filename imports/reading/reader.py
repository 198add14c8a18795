"""
``table_read``: from uploaded bytes to a header and numbered records.

Every whole-file fault is found here, before staging receives a single
record. These faults are a file that is not a CSV or .xlsx, bytes the
encoding cannot decode, broken quoting, a header read with the wrong
delimiter, duplicate column names and too many records. Faults in single
records (ragged rows, bad dates) are left to staging, which rejects the
record and keeps the rest.
"""

import datetime
import logging
from collections.abc import Iterable, Sequence

from learnlinq.errors import InputRejected

from .delimited import DELIMITERS, delimited_rows, sep_line_split
from .encodings import is_wide_encoding, text_decode
from .signatures import content_detect
from .tables import Cell, Kind, Notice, ReadOptions, Record, Table
from .values import header_normalise, value_clean
from .workbook import sheet_names, sheet_rows, workbook_open

logger = logging.getLogger(__name__)


def table_read(data: bytes, options: ReadOptions, *, max_records: int) -> Table:
    """
    Read a CSV file or .xlsx workbook into a ``Table``.

    The kind of file is taken from its content, never from its name. Raises
    ``InputRejected`` for whole-file faults; the code and parameters of each
    are listed in this package's docstring. Which columns are required is not
    decided here.
    """
    kind = content_detect(data, wide_text=_wide_encoding_chosen(options.encoding))
    if kind == "xlsx":
        with workbook_open(data) as workbook:
            names = sheet_names(workbook)
            return table_assemble(
                kind="xlsx",
                rows=sheet_rows(workbook, options.sheet),
                notices=[],
                sheet_names=names,
                max_records=max_records,
            )

    decoded = text_decode(data, options.encoding)
    notices = list(decoded.notices)
    sep = sep_line_split(decoded.text)
    delimiter = options.delimiter
    if sep.delimiter is not None and sep.delimiter != delimiter:
        # The file's own "sep=" line is an explicit instruction, and reading
        # the file with another delimiter would give one column.
        notices.append(
            Notice(
                "delimiter_from_sep_line",
                {"delimiter": sep.delimiter, "chosen": delimiter, "line": 1},
                line=1,
            )
        )
        delimiter = sep.delimiter

    rows = delimited_rows(
        sep.text,
        delimiter=delimiter,
        quotechar=options.quotechar,
        first_line=sep.first_line,
    )
    return table_assemble(
        kind="csv",
        rows=rows,
        notices=notices,
        sheet_names=[],
        max_records=max_records,
        delimiter=delimiter,
    )


def table_assemble(
    *,
    kind: Kind,
    rows: Iterable[tuple[int, Sequence[Cell]]],
    notices: list[Notice],
    sheet_names: list[str],
    max_records: int,
    delimiter: str | None = None,
) -> Table:
    """
    Build a ``Table`` from raw rows: find the header, drop empty records.

    The header is the first row that is not empty. Trailing unnamed columns
    (every line ending in a delimiter) are dropped from the header, and their
    empty cells from the records. A record with text in such a column keeps
    it, so staging reports it as having too many fields. ``delimiter`` is the
    CSV delimiter, used to recognise a header read with the wrong one.
    """
    iterator = iter(rows)
    header_line, header = _header_find(iterator)
    if delimiter is not None:
        _reject_delimiter_mismatch(header, delimiter)
    _reject_duplicate_header(header)

    width = len(header)
    records: list[Record] = []
    count = 0
    for line, cells in iterator:
        if _is_empty(cells):
            continue
        count += 1
        if count <= max_records:
            records.append(Record(line, count, _trailing_empty_drop(cells, width)))

    if count > max_records:
        logger.info("File has %s records, more than %s", count, max_records)
        raise InputRejected(
            "too_many_rows",
            {"count": count, "max": max_records, "maximum": max_records},
        )

    logger.debug("Read %s records after the header on line %s", count, header_line)
    return Table(
        kind=kind,
        header=header,
        records=records,
        notices=notices,
        sheet_names=sheet_names,
    )


def _header_find(
    rows: Iterable[tuple[int, Sequence[Cell]]],
) -> tuple[int, tuple[str, ...]]:
    for line, cells in rows:
        if _is_empty(cells):
            continue
        names = [_header_text(cell) for cell in cells]
        while names and not value_clean(names[-1]):
            names.pop()
        # A BOM that survived decoding, for example a second one, must not
        # stay glued to the first column name.
        names[0] = names[0].lstrip("\ufeff")
        return line, tuple(names)
    raise InputRejected("empty_file")


def _header_text(cell: Cell) -> str:
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return cell


def _reject_delimiter_mismatch(header: tuple[str, ...], delimiter: str) -> None:
    if len(header) != 1:
        return
    name = header[0]
    counts = {
        candidate: name.count(candidate)
        for candidate in DELIMITERS
        if candidate != delimiter
    }
    suggested = max(counts, key=lambda candidate: counts[candidate])
    if counts[suggested] == 0:
        return
    logger.info("Header is one column %r; delimiter is probably %r", name, suggested)
    raise InputRejected(
        "delimiter_mismatch",
        {"header": name, "delimiter": delimiter, "suggested": suggested},
    )


def _reject_duplicate_header(header: tuple[str, ...]) -> None:
    first_column: dict[str, int] = {}
    for column, name in enumerate(header, start=1):
        key = header_normalise(name)
        if not key:
            continue
        if key in first_column:
            first = first_column[key]
            raise InputRejected(
                "duplicate_header",
                {
                    "name": value_clean(header[first - 1]),
                    "column": first,
                    "other_column": column,
                    "names": [value_clean(header[first - 1]), value_clean(name)],
                },
            )
        first_column[key] = column


def _is_empty(cells: Sequence[Cell]) -> bool:
    return all(isinstance(cell, str) and not value_clean(cell) for cell in cells)


def _trailing_empty_drop(cells: Sequence[Cell], width: int) -> tuple[Cell, ...]:
    end = len(cells)
    while end > width and _is_empty(cells[end - 1 : end]):
        end -= 1
    return tuple(cells[:end])


def _wide_encoding_chosen(encoding: str) -> bool:
    # A workbook ignores the encoding, so an unknown name must not reject it
    # here; text_decode rejects it for a text file.
    try:
        return is_wide_encoding(encoding)
    except InputRejected:
        return False
