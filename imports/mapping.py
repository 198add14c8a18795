"""
Map a file's columns to the standard fields and turn records into row values.

Plain Python on top of the reading package, without models: the preview, the
staging service and the tests run it on bytes alone. A file-wide fault
raises InputRejected; a fault in one record becomes a RowRejection, so the
other records can still be staged.
"""

import datetime
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from imports import fields
from imports.reading import (
    Cell,
    DateFormat,
    Record,
    header_normalise,
    tags_key,
    tags_split,
    value_clean,
)
from learnlinq.errors import InputRejected

# Delimiters of commonly exported files. They are used only to suggest
# another delimiter when the header reads as one column.
COMMON_DELIMITERS = (";", ",", "\t", "|")


@dataclass(frozen=True)
class ColumnMapping:
    """The source of each standard field: a column index or a fixed value."""

    width: int
    columns: dict[str, int]
    fixed_values: dict[str, str]
    passed_column: int | None = None
    passed_column_name: str = ""
    passed_values: tuple[str, ...] = ()
    required: tuple[str, ...] = fields.REQUIRED_FIELDS

    @cached_property
    def passed_keys(self) -> frozenset[str]:
        """Return the passed values as compared: trimmed and casefolded."""
        return frozenset(value_clean(value).casefold() for value in self.passed_values)

    def column_names(self, header: Sequence[str]) -> dict[str, str]:
        """Return standard field -> column name as written in ``header``."""
        return {name: header[index] for name, index in self.columns.items()}


@dataclass(frozen=True)
class ParsedRow:
    """The values of one record, checked and ready to be matched to a learner."""

    line: int
    number: int
    user_value: str
    achieved_on: datetime.date
    achieved_time: datetime.time | None
    title: str
    tags: list[str]
    tags_key: str
    result_id: str
    cells: tuple[Cell, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class RowRejection:
    """The reason one record cannot be staged, as a code and message parameters."""

    line: int
    number: int
    code: str
    params: dict[str, Any]
    cells: tuple[Cell, ...] = field(default=(), compare=False)


def columns_suggest(header: Sequence[str]) -> dict[str, str]:
    """Return standard field -> column name for columns named after a field."""
    by_name = {
        header_normalise(field_name): field_name
        for field_name in fields.STANDARD_FIELDS
    }
    suggestion: dict[str, str] = {}
    for name in header:
        field_name = by_name.get(header_normalise(name))
        if field_name is not None and field_name not in suggestion:
            suggestion[field_name] = name
    return suggestion


def columns_resolve(
    header: Sequence[str],
    *,
    column_map: Mapping[str, str],
    fixed_values: Mapping[str, str],
    passed_column: str,
    passed_values: Sequence[str],
    delimiter: str,
    required: Sequence[str] = fields.REQUIRED_FIELDS,
) -> ColumnMapping:
    """
    Return where every field comes from, or raise InputRejected for the file.

    1. Explicitly mapped columns must exist, or the file is refused naming
       the columns it has (a typo in the mapping must not drop a field).
    2. Other standard fields are matched on their own name, ignoring case and
       spaces, so "userid " and "TAGS" still count.
    3. A name found twice after that normalising is refused: picking one
       would silently ignore the other.
    4. Required fields that are still missing refuse the file. A header that
       reads as one column gets the delimiter it probably uses.
    """
    positions = _positions_by_name(header)
    columns: dict[str, int] = {}

    for field_name in fields.STANDARD_FIELDS:
        if fixed_values.get(field_name):
            continue
        mapped = column_map.get(field_name) or ""
        if mapped:
            columns[field_name] = _column_find(header, positions, mapped, field_name)
            continue
        found = positions.get(header_normalise(field_name), [])
        if found:
            columns[field_name] = _column_unique(header, found, field_name)

    passed_index = None
    if passed_column:
        passed_index = _column_find(header, positions, passed_column, passed_column)

    missing = [
        name for name in required if name not in columns and not fixed_values.get(name)
    ]
    if missing:
        _missing_columns_raise(header, missing=missing, delimiter=delimiter)

    return ColumnMapping(
        width=len(header),
        columns=columns,
        fixed_values={name: value for name, value in fixed_values.items() if value},
        passed_column=passed_index,
        passed_column_name=passed_column,
        passed_values=tuple(passed_values),
        required=tuple(required),
    )


def _positions_by_name(header: Sequence[str]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(header_normalise(name), []).append(index)
    return positions


def _column_find(
    header: Sequence[str], positions: dict[str, list[int]], name: str, label: str
) -> int:
    found = positions.get(header_normalise(name), [])
    if not found:
        raise InputRejected(
            "column_not_found",
            {"field": label, "column": name, "present": list(header)},
        )
    return _column_unique(header, found, name)


def _column_unique(header: Sequence[str], found: list[int], label: str) -> int:
    if len(found) > 1:
        raise InputRejected(
            "column_ambiguous",
            {"column": label, "names": [header[index] for index in found]},
        )
    return found[0]


def _missing_columns_raise(
    header: Sequence[str], *, missing: list[str], delimiter: str
) -> None:
    suggested = delimiter_suggest(header, delimiter=delimiter)
    if suggested:
        raise InputRejected(
            "columns_missing_delimiter",
            {
                "header": header[0],
                "suggested": suggested,
                "delimiter": delimiter,
                "missing": missing,
            },
        )
    raise InputRejected(
        "columns_missing", {"missing": missing, "present": list(header)}
    )


def delimiter_suggest(header: Sequence[str], *, delimiter: str) -> str:
    """Return the delimiter a one-column header seems to use, or ""."""
    if len(header) != 1:
        return ""
    counts = Counter(
        {candidate: header[0].count(candidate) for candidate in COMMON_DELIMITERS}
    )
    counts.pop(delimiter, None)
    candidate, count = max(counts.items(), key=lambda item: item[1])
    return candidate if count else ""


def record_parse(
    record: Record,
    *,
    mapping: ColumnMapping,
    date_format: DateFormat,
    date_notation: str,
    today: datetime.date,
    strict_width: bool = True,
) -> ParsedRow | RowRejection:
    """
    Check one record and return its values, or the first reason to reject it.

    A CSV record must have exactly as many fields as the header. Workbook
    rows end at their last filled cell, so with ``strict_width`` off a short
    row is padded with empty cells instead.
    """
    cells = record.cells
    base = {"line": record.line, "record": record.number}

    def reject(code: str, **params: Any) -> RowRejection:
        return RowRejection(
            line=record.line,
            number=record.number,
            code=code,
            params={**base, **params},
            cells=cells,
        )

    if len(cells) != mapping.width:
        if strict_width or len(cells) > mapping.width:
            return reject("field_count", count=len(cells), expected=mapping.width)
        cells = (*cells, *([""] * (mapping.width - len(cells))))

    if mapping.passed_column is not None:
        status = _text(cells[mapping.passed_column])
        if status.casefold() not in mapping.passed_keys:
            return reject(
                "not_passed",
                value=status,
                column=mapping.passed_column_name,
                passed=list(mapping.passed_values),
            )

    user_value = _text(_cell(cells, mapping, fields.USER_ID))
    date_cell = _cell(cells, mapping, fields.TIMESTAMP)
    if isinstance(date_cell, str):
        date_cell = value_clean(date_cell)
    title = _field_text(cells, mapping, fields.TITLE)
    result_id = _text(_cell(cells, mapping, fields.RESULT_ID))
    values = {
        fields.USER_ID: user_value,
        fields.TIMESTAMP: date_cell,
        fields.TITLE: title,
        fields.RESULT_ID: result_id,
    }
    missing = [name for name in mapping.required if values.get(name) == ""]
    if missing:
        return reject("required_missing", fields=missing)

    try:
        achieved_on, achieved_time = date_format.parse(date_cell)
    except InputRejected as error:
        return reject(error.code, **{"format": date_notation, **error.params})
    if achieved_on > today:
        return reject(
            "date_in_future", value=_text(date_cell), date=achieved_on.isoformat()
        )

    if len(title) > fields.MAX_TITLE_LENGTH:
        return reject(
            "title_too_long", length=len(title), maximum=fields.MAX_TITLE_LENGTH
        )

    tags_text = _field_text(cells, mapping, fields.TAGS)
    if len(tags_text) > fields.MAX_TAGS_LENGTH:
        return reject(
            "tags_too_long", length=len(tags_text), maximum=fields.MAX_TAGS_LENGTH
        )
    tags = tags_split(tags_text)

    if len(result_id) > fields.MAX_RESULT_ID_LENGTH:
        return reject(
            "result_id_too_long",
            length=len(result_id),
            maximum=fields.MAX_RESULT_ID_LENGTH,
        )

    return ParsedRow(
        line=record.line,
        number=record.number,
        user_value=user_value,
        achieved_on=achieved_on,
        achieved_time=achieved_time,
        title=title,
        tags=tags,
        tags_key=tags_key(tags),
        result_id=result_id,
        cells=record.cells,
    )


def _cell(cells: Sequence[Cell], mapping: ColumnMapping, field_name: str) -> Cell:
    index = mapping.columns.get(field_name)
    return "" if index is None else cells[index]


def _field_text(cells: Sequence[Cell], mapping: ColumnMapping, field_name: str) -> str:
    fixed = mapping.fixed_values.get(field_name)
    if fixed is not None:
        return value_clean(fixed)
    return _text(_cell(cells, mapping, field_name))


def _text(cell: Cell) -> str:
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return value_clean(cell)


def cells_to_json(
    cells: Sequence[Cell], *, date_format: DateFormat | None = None
) -> list[str]:
    """
    Return cells as text for JSON, writing workbook dates in ``date_format``.

    Written in the import's own notation, a stored date cell parses again
    when the row is re-checked; without a format it is ISO 8601.
    """
    return [_cell_text(cell, date_format) for cell in cells]


def _cell_text(cell: Cell, date_format: DateFormat | None) -> str:
    if not isinstance(cell, datetime.date):
        return cell
    if date_format is None:
        return cell.isoformat()
    if isinstance(cell, datetime.datetime):
        return date_format.format(cell.date(), cell.time())
    return date_format.format(cell)
