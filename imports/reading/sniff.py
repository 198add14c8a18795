"""
Guessing how to read a file, so the wizard can offer the right choices.

A guess is only ever a suggestion: ``table_read`` applies what the
administrator chose, and reports when that choice does not fit the file.
"""

import csv
import io
import logging
from collections.abc import Iterator, Sequence

from .dates import date_formats_matching
from .delimited import DELIMITERS, sep_line_split
from .encodings import encoding_guess, text_decode
from .signatures import content_detect
from .tables import Cell, Notice, ReadOptions, Suggestion
from .values import value_clean
from .workbook import sheet_names, sheet_rows, workbook_open

logger = logging.getLogger(__name__)

# How much of a file the guesses look at. The first records are enough to
# tell a delimiter, and keep sniffing fast on a file of 20,000 records.
SNIFF_RECORDS = 50
SNIFF_DATE_VALUES = 200

DEFAULT_DELIMITER = ";"
DEFAULT_QUOTECHAR = '"'


def file_sniff(data: bytes) -> Suggestion:
    """
    Suggest the kind, encoding, delimiter, text qualifier and date format.

    Raises the same ``InputRejected`` as ``table_read`` for a file that
    cannot be read at all (empty, an old .xls workbook, a PDF, ...).
    """
    kind = content_detect(data)
    if kind == "xlsx":
        return _workbook_sniff(data)

    encoding = encoding_guess(data)
    decoded = text_decode(data, encoding)
    notices = list(decoded.notices)
    sep = sep_line_split(decoded.text)

    delimiter = sep.delimiter or delimiter_guess(sep.text)
    quotechar = quotechar_guess(sep.text, delimiter)
    rows = _records_sample(sep.text, delimiter, quotechar, SNIFF_DATE_VALUES)
    date_format, date_notices = date_format_guess(rows)
    notices.extend(date_notices)

    logger.info(
        "Sniffed CSV: encoding %s, delimiter %r, quotechar %r, date format %s",
        encoding,
        delimiter,
        quotechar,
        date_format,
    )
    return Suggestion(
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
        quotechar=quotechar,
        date_format=date_format,
        sheet_names=[],
        notices=notices,
    )


def delimiter_guess(text: str) -> str:
    """
    Return the delimiter that splits the first records most consistently.

    A candidate qualifies when it splits the first record into more than one
    field. The winner keeps the same field count over the most records, and
    ties go to more fields, then to the earlier candidate in ``DELIMITERS``.
    Quoted delimiters are not counted, because the csv module does the
    splitting.
    """
    best: tuple[float, int, int] | None = None
    chosen = DEFAULT_DELIMITER
    for rank, candidate in enumerate(DELIMITERS):
        counts = [len(cells) for cells in _records_sample(text, candidate, '"')]
        if not counts or counts[0] < 2:
            continue
        consistency = counts.count(counts[0]) / len(counts)
        score = (consistency, counts[0], -rank)
        if best is None or score > best:
            best, chosen = score, candidate
    return chosen


def quotechar_guess(text: str, delimiter: str) -> str:
    """Return ``'`` when only single quotes enclose fields, else ``"``."""
    double = single = 0
    for cells in _records_sample(text, delimiter, ""):
        for cell in cells:
            stripped = cell.strip()
            if len(stripped) < 2:
                continue
            double += stripped[0] == stripped[-1] == '"'
            single += stripped[0] == stripped[-1] == "'"
    return "'" if single and not double else DEFAULT_QUOTECHAR


def date_format_guess(
    rows: Sequence[Sequence[Cell]],
) -> tuple[str | None, list[Notice]]:
    """
    Return the notation of the first column whose text values all fit one.

    The header row is skipped. When several notations read the column
    differently, the first is returned with a ``date_format_ambiguous``
    notice, because day-first is the Dutch order.
    """
    if len(rows) < 2:
        return None, []
    header, records = rows[0], rows[1:]
    for column in range(len(header)):
        values = [row[column] for row in records if column < len(row)]
        texts = [v for v in values if isinstance(v, str) and value_clean(v)]
        if not texts:
            continue
        formats = date_formats_matching(texts)
        if not formats:
            continue
        notices = []
        if len(formats) > 1:
            notices.append(
                Notice(
                    "date_format_ambiguous",
                    {
                        "formats": formats,
                        "format": formats[0],
                        "column": value_clean(str(header[column])),
                    },
                )
            )
        return formats[0], notices
    return None, []


def _workbook_sniff(data: bytes) -> Suggestion:
    with workbook_open(data) as workbook:
        names = sheet_names(workbook)
        rows: list[list[Cell]] = []
        if names:
            for _number, cells in sheet_rows(workbook, None):
                if any(value_clean(c) if isinstance(c, str) else True for c in cells):
                    rows.append(cells)
                if len(rows) > SNIFF_DATE_VALUES:
                    break

    date_format, notices = date_format_guess(rows)
    return Suggestion(
        kind="xlsx",
        encoding="utf-8",
        delimiter=DEFAULT_DELIMITER,
        quotechar=DEFAULT_QUOTECHAR,
        date_format=date_format,
        sheet_names=names,
        notices=notices,
    )


def _records_sample(
    text: str, delimiter: str, quotechar: str, limit: int = SNIFF_RECORDS
) -> list[list[str]]:
    return list(_records_lenient(text, delimiter, quotechar, limit))


def _records_lenient(
    text: str, delimiter: str, quotechar: str, limit: int
) -> Iterator[list[str]]:
    # Sniffing reads leniently: a stray quote must not stop a guess, and
    # table_read reports it properly later.
    if quotechar:
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar
        )
    else:
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=delimiter, quoting=csv.QUOTE_NONE
        )
    found = 0
    try:
        for cells in reader:
            if not any(value_clean(cell) for cell in cells):
                continue
            yield list(cells)
            found += 1
            if found >= limit:
                return
    except csv.Error as error:
        logger.debug("Sniffing stopped at a CSV error: %s", error)


def read_options_suggested(suggestion: Suggestion) -> ReadOptions:
    """Return the ``ReadOptions`` a suggestion stands for."""
    return ReadOptions(
        encoding=suggestion.encoding,
        delimiter=suggestion.delimiter,
        quotechar=suggestion.quotechar,
        sheet=suggestion.sheet_names[0] if suggestion.sheet_names else None,
    )
