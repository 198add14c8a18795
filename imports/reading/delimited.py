"""
Splitting decoded text into records with Python's csv module.

The text goes to the csv module whole, through ``io.StringIO(text,
newline="")``, so it alone decides where a record ends. CR-only, LF, CRLF and
mixed line endings, and line breaks inside quoted cells, then all read
correctly, and the line where each record starts is known.
"""

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from learnlinq.errors import InputRejected

if TYPE_CHECKING:
    import _csv

logger = logging.getLogger(__name__)

# The delimiters the wizard offers and the sniffer tries, most likely first
# for Dutch exports.
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|", ":")
QUOTECHARS: tuple[str, ...] = ('"', "'", "")

# Excel writes "sep=;" as the first line when asked to, and reads it back as
# the delimiter instead of as a row. Some tools put the line in quotes.
_SEP_LINE = re.compile(r'"?sep=(.)"?(?:\r\n|\r|\n|$)', re.IGNORECASE)

RawRow = tuple[int, list[str]]


@dataclass(frozen=True)
class SepLine:
    """The delimiter a ``sep=`` first line sets, and the text after that line."""

    delimiter: str | None
    text: str
    first_line: int


def sep_line_split(text: str) -> SepLine:
    """Split off an Excel ``sep=`` first line, which is not the header."""
    match = _SEP_LINE.match(text)
    if match is None or match.group(1) in "\r\n":
        return SepLine(delimiter=None, text=text, first_line=1)
    return SepLine(delimiter=match.group(1), text=text[match.end() :], first_line=2)


def delimited_rows(
    text: str, *, delimiter: str, quotechar: str, first_line: int = 1
) -> Iterator[RawRow]:
    """
    Yield ``(line, cells)`` for every record of ``text``, empty ones included.

    ``line`` is the physical line where the record starts. ``quotechar == ""``
    reads quotes as ordinary characters. Quotes are read strictly, because a
    lenient reader silently joins the rest of the file into one cell after a
    stray quote. ``InputRejected`` names the line instead, with the code
    ``quote_unclosed``, ``quote_malformed`` or ``field_too_long``.
    """
    reader = _strict_reader(text, delimiter, quotechar)
    lines_before = 0
    while True:
        start = first_line + lines_before
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _csv_error_rejection(
                error,
                start=start,
                end=first_line + reader.line_num - 1,
                quotechar=quotechar,
            ) from error
        yield start, cells
        lines_before = reader.line_num


def _strict_reader(text: str, delimiter: str, quotechar: str) -> "_csv.Reader":
    source = io.StringIO(text, newline="")
    if quotechar:
        return csv.reader(
            source,
            delimiter=delimiter,
            quotechar=quotechar,
            doublequote=True,
            quoting=csv.QUOTE_MINIMAL,
            strict=True,
        )
    return csv.reader(
        source, delimiter=delimiter, quotechar=None, quoting=csv.QUOTE_NONE, strict=True
    )


def _csv_error_rejection(
    error: csv.Error, *, start: int, end: int, quotechar: str
) -> InputRejected:
    # The csv module reports these faults by message only. The texts matched
    # here are those of CPython 3.11; NOTE: other versions may word them
    # differently, and then every fault becomes quote_malformed.
    text = str(error)
    logger.info("CSV error in the record starting at line %s: %s", start, text)
    if "unexpected end of data" in text:
        return InputRejected("quote_unclosed", {"line": start, "quotechar": quotechar})
    if "field larger than field limit" in text:
        return InputRejected(
            "field_too_long", {"line": start, "maximum": csv.field_size_limit()}
        )
    return InputRejected("quote_malformed", {"line": end, "quotechar": quotechar})
