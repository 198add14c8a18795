"""
Strict reading of dates in the notation the administrator chose.

A notation such as ``d-M-yyyy`` is compiled into one regular expression, and
a value is a date only if it matches that expression and names a day that
exists. Nothing is guessed: ``4/5/2021`` is rejected for ``d-M-yyyy`` rather
than read in some other order. Dates and times stay naive, so no time zone
conversion can move a date to the day before.

Notation: ``d`` (day), ``M`` (month) and ``H`` (hour) read one or two
digits, while ``dd``, ``MM``, ``HH``, ``mm`` (minutes) and ``ss`` (seconds)
read exactly two, and ``yyyy`` reads the year. The separators are ``-``,
``/``, ``.``, ``:``, ``T`` and a space. Two-digit years (``yy``) are not
accepted, because the century would have to be guessed.
"""

import datetime
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from learnlinq.errors import InputRejected

from .tables import Cell
from .values import value_clean

_DATE_NOTATIONS = (
    "d-M-yyyy",
    "dd-MM-yyyy",
    "yyyy-MM-dd",
    "d/M/yyyy",
    "dd/MM/yyyy",
    "M/d/yyyy",
    "d.M.yyyy",
    "M-d-yyyy",
)


def _with_times(notation: str) -> list[str]:
    # A notation with one-letter day and month gets one-letter hours too,
    # like Excel's Dutch default "d-m-jjjj u:mm"; "H" also reads "09".
    hours = "H" if "dd" not in notation else "HH"
    return [notation, f"{notation} {hours}:mm", f"{notation} {hours}:mm:ss"]


# The notations the wizard offers. Order matters to date_formats_matching,
# which keeps the first of several notations that read a column the same.
DATE_FORMATS: list[str] = [
    *(variant for notation in _DATE_NOTATIONS for variant in _with_times(notation)),
    "yyyy-MM-ddTHH:mm:ss",
]

MIN_YEAR = 1900

# Spreadsheets count days from 1899-12-30, so serial 1 is 31 December 1899
# (Excel's invented 29 February 1900 aside). Serials from 10000 (1927) to
# 2958465 (9999-12-31) are recognised; a smaller number is more likely a year
# or a code than a date.
SPREADSHEET_EPOCH = datetime.datetime(1899, 12, 30)
_SERIAL = re.compile(r"([0-9]{5,7})(?:[.,]([0-9]+))?")
_SERIAL_MIN, _SERIAL_MAX = 10000, 2958465

_TOKEN = re.compile(r"yyyy|yy|dd|d|MM|M|HH|H|mm|ss|[-/.:T ]")
_FIELD_PATTERNS = {
    "d": ("day", "[0-9]{1,2}"),
    "dd": ("day", "[0-9]{2}"),
    "M": ("month", "[0-9]{1,2}"),
    "MM": ("month", "[0-9]{2}"),
    "yyyy": ("year", "[0-9]{4}"),
    "H": ("hour", "[0-9]{1,2}"),
    "HH": ("hour", "[0-9]{2}"),
    "mm": ("minute", "[0-9]{2}"),
    "ss": ("second", "[0-9]{2}"),
}


@dataclass(frozen=True)
class DateFormat:
    """A compiled date notation that parses cells strictly."""

    notation: str
    tokens: tuple[str, ...]
    pattern: re.Pattern[str]
    two_digit_year_pattern: re.Pattern[str]

    @property
    def has_time(self) -> bool:
        return "H" in self.tokens or "HH" in self.tokens

    def parse(self, value: Cell) -> tuple[datetime.date, datetime.time | None]:
        """
        Return the date and, for a notation with a time, the time of ``value``.

        A date or datetime cell from a workbook is taken as it is. Raises
        ``InputRejected`` with ``value`` and ``format`` in the params:
        ``date_missing``, ``date_invalid``, ``date_impossible``,
        ``date_serial`` (with ``date``, the date the number stands for),
        ``date_two_digit_year`` or ``date_too_early``.
        """
        if isinstance(value, datetime.datetime):
            self._reject_early(value.date(), str(value))
            return value.date(), value.replace(tzinfo=None).time()
        if isinstance(value, datetime.date):
            self._reject_early(value, str(value))
            return value, None

        text = value_clean(value)
        params = {"value": text, "format": self.notation}
        if not text:
            raise InputRejected("date_missing", params)

        match = self.pattern.fullmatch(text)
        if match is None:
            raise self._no_match_rejection(text)
        return self._from_match(match, text)

    def format(self, date: datetime.date, time: datetime.time | None = None) -> str:
        """Write a date (and time) in this notation, as a hint in messages."""
        fields = {
            "day": date.day,
            "month": date.month,
            "year": date.year,
            "hour": time.hour if time else 0,
            "minute": time.minute if time else 0,
            "second": time.second if time else 0,
        }
        parts = []
        for symbol in self.tokens:
            if symbol not in _FIELD_PATTERNS:
                parts.append(symbol)
                continue
            name, _pattern = _FIELD_PATTERNS[symbol]
            width = 4 if symbol == "yyyy" else len(symbol)
            parts.append(str(fields[name]).zfill(width))
        text = "".join(parts)

        if time is not None and time != datetime.time(0, 0) and not self.has_time:
            text = f"{text} {time:%H:%M}"
        return text

    def _from_match(
        self, match: re.Match[str], text: str
    ) -> tuple[datetime.date, datetime.time | None]:
        fields = {name: int(digits) for name, digits in match.groupdict().items()}
        params = {"value": text, "format": self.notation}
        try:
            date = datetime.date(fields["year"], fields["month"], fields["day"])
            time = None
            if self.has_time:
                time = datetime.time(
                    fields["hour"], fields["minute"], fields.get("second", 0)
                )
        except ValueError as error:
            raise InputRejected("date_impossible", params) from error

        self._reject_early(date, text)
        return date, time

    def _no_match_rejection(self, text: str) -> InputRejected:
        params = {"value": text, "format": self.notation}
        serial = _serial_date(text)
        if serial is not None:
            date, time = serial
            return InputRejected(
                "date_serial", {**params, "date": self.format(date, time)}
            )
        if self.two_digit_year_pattern.fullmatch(text):
            return InputRejected("date_two_digit_year", params)
        return InputRejected("date_invalid", params)

    def _reject_early(self, date: datetime.date, text: str) -> None:
        if date.year < MIN_YEAR:
            raise InputRejected(
                "date_too_early",
                {"value": text, "format": self.notation, "minimum": MIN_YEAR},
            )


@functools.lru_cache(maxsize=64)
def date_format_compile(notation: str) -> DateFormat:
    """
    Compile a notation such as ``d-M-yyyy`` into a ``DateFormat``.

    Raises ``InputRejected("date_format_two_digit_year")`` for ``yy`` and
    ``InputRejected("date_format_invalid")``, with the ``part`` that is wrong,
    for anything else that is not a complete date notation.
    """
    tokens = _tokens(notation)
    fields = [
        _FIELD_PATTERNS[symbol][0] for symbol in tokens if symbol in _FIELD_PATTERNS
    ]
    for name in set(fields):
        if fields.count(name) > 1:
            _reject_notation(notation, name)
    for name in ("day", "month", "year"):
        if name not in fields:
            _reject_notation(notation, name)
    if ("hour" in fields) != ("minute" in fields):
        _reject_notation(notation, "minute" if "hour" in fields else "hour")
    if "second" in fields and "minute" not in fields:
        _reject_notation(notation, "minute")

    return DateFormat(
        notation=notation,
        tokens=tokens,
        pattern=re.compile(_regex(tokens)),
        two_digit_year_pattern=re.compile(_regex(tokens, year="[0-9]{2}")),
    )


def date_formats_matching(
    values: Sequence[Cell], formats: Sequence[str] = DATE_FORMATS
) -> list[str]:
    """
    Return the notations in ``formats`` that parse every non-empty text value.

    Date cells from a workbook fit any notation and are skipped, so a column
    without text values gives an empty list. A notation that reads every
    value as the same date as an earlier one (``dd-MM-yyyy`` after
    ``d-M-yyyy``) is left out, so more than one notation means the values are
    ambiguous, such as ``5-4-2021`` for ``d-M-yyyy`` and ``M-d-yyyy``.
    """
    texts = [value_clean(value) for value in values if isinstance(value, str)]
    texts = [text for text in texts if text]
    if not texts:
        return []

    matching: list[str] = []
    readings: list[list[tuple[datetime.date, datetime.time | None]]] = []
    for notation in formats:
        date_format = date_format_compile(notation)
        reading = _parse_all(date_format, texts)
        if reading is None or reading in readings:
            continue
        matching.append(notation)
        readings.append(reading)
    return matching


def _parse_all(
    date_format: DateFormat, texts: list[str]
) -> list[tuple[datetime.date, datetime.time | None]] | None:
    reading = []
    for text in texts:
        try:
            reading.append(date_format.parse(text))
        except InputRejected:
            return None
    return reading


def _tokens(notation: str) -> tuple[str, ...]:
    tokens = []
    position = 0
    while position < len(notation):
        match = _TOKEN.match(notation, position)
        if match is None:
            _reject_notation(notation, notation[position:])
        symbol = match.group()
        if symbol == "yy":
            raise InputRejected("date_format_two_digit_year", {"format": notation})
        tokens.append(symbol)
        position = match.end()
    return tuple(tokens)


def _regex(tokens: tuple[str, ...], *, year: str | None = None) -> str:
    parts = []
    for symbol in tokens:
        if symbol == " ":
            parts.append(" +")
        elif symbol in _FIELD_PATTERNS:
            name, pattern = _FIELD_PATTERNS[symbol]
            if name == "year" and year is not None:
                pattern = year
            parts.append(f"(?P<{name}>{pattern})")
        else:
            parts.append(re.escape(symbol))
    return "".join(parts)


def _reject_notation(notation: str, part: str) -> NoReturn:
    raise InputRejected("date_format_invalid", {"format": notation, "part": part})


def _serial_date(text: str) -> tuple[datetime.date, datetime.time | None] | None:
    match = _SERIAL.fullmatch(text)
    if match is None:
        return None
    days = int(match.group(1))
    if not _SERIAL_MIN <= days <= _SERIAL_MAX:
        return None

    fraction = float("0." + match.group(2)) if match.group(2) else 0.0
    moment = SPREADSHEET_EPOCH + datetime.timedelta(
        days=days, seconds=round(fraction * 86400)
    )
    time = moment.time() if moment.time() != datetime.time(0, 0) else None
    return moment.date(), time
