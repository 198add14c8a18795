"""
Show the wizard's mapping step how a file will be read, before anything is stored.

The preview runs the same mapping and row checks as staging and looks users
up, but writes nothing. Duplicate checks against other imports and results
happen only when the file is staged.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.utils import timezone

from imports import fields
from imports.mapping import (
    ColumnMapping,
    ParsedRow,
    RowRejection,
    cells_to_json,
    columns_suggest,
    record_parse,
)
from imports.messages import file_error_message, rejection_message
from imports.reading import (
    Cell,
    ReadOptions,
    Suggestion,
    date_format_compile,
    date_formats_matching,
    file_sniff,
    table_read,
)
from imports.services.matching import users_match
from imports.services.settings import ImportSettings
from imports.services.staging import mapping_resolve, notice_as_json
from learnlinq.errors import InputRejected


@dataclass(frozen=True)
class PreviewRow:
    """One record as it will be read: its values, or why it will be rejected."""

    line: int
    number: int
    cells: list[str]
    date: datetime.date | None = None
    time: datetime.time | None = None
    title: str = ""
    tags: list[str] = field(default_factory=list)
    result_id: str = ""
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.code


@dataclass
class Preview:
    """The mapping step's view of a file: columns, suggested choices, first rows."""

    header: list[str]
    suggested_mapping: dict[str, str]
    suggestion: Suggestion
    rows: list[PreviewRow]
    record_count: int
    mapping: dict[str, str] = field(default_factory=dict)
    mapping_error_code: str = ""
    mapping_error_params: dict[str, Any] = field(default_factory=dict)
    mapping_error: str = ""
    warnings: list[dict[str, Any]] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=list)

    @property
    def mapped(self) -> bool:
        """True when ``rows`` were checked, False when they are raw cells."""
        return not self.mapping_error_code

    @property
    def date_format_ambiguous(self) -> bool:
        return len(self.date_formats) > 1


def import_preview(
    *,
    data: bytes,
    settings: ImportSettings,
    limit: int = 20,
    with_attachments: bool = False,
) -> Preview:
    """
    Read ``data`` with ``settings`` and return the first ``limit`` rows checked.

    Raises InputRejected when the file cannot be read at all (wrong encoding,
    a workbook saved as .xls, too many rows). A column mapping that does not
    fit is returned in ``mapping_error`` instead, because the mapping step
    is where the user corrects it. The rows are then the first ``limit``
    records unchecked, so the user sees the cells while choosing columns.
    ``with_attachments`` makes ResultId required, as staging does when a ZIP
    comes with the file.
    """
    suggestion = file_sniff(data)
    options = ReadOptions(
        encoding=settings.encoding,
        delimiter=settings.delimiter,
        quotechar=settings.quotechar,
        sheet=settings.sheet,
    )
    table = table_read(data, options, max_records=django_settings.IMPORT_MAX_DATA_ROWS)
    preview = Preview(
        header=list(table.header),
        suggested_mapping=columns_suggest(table.header),
        suggestion=suggestion,
        rows=[],
        record_count=len(table.records),
        warnings=[notice_as_json(notice) for notice in table.notices],
    )

    try:
        mapping = mapping_resolve(
            table.header, settings=settings, with_attachments=with_attachments
        )
    except InputRejected as error:
        preview.mapping_error_code = error.code
        preview.mapping_error_params = error.params
        preview.mapping_error = file_error_message(error.code, error.params)
        preview.rows = [
            PreviewRow(
                line=record.line,
                number=record.number,
                cells=cells_to_json(record.cells),
            )
            for record in table.records[:limit]
        ]
        return preview
    preview.mapping = mapping.column_names(table.header)

    preview.date_formats = _date_formats(table.records, mapping)
    if preview.date_format_ambiguous:
        preview.warnings.append(
            {
                "code": "date_format_ambiguous",
                "params": {
                    "formats": preview.date_formats,
                    "format": settings.date_format,
                },
                "line": None,
            }
        )

    preview.rows = _rows_check(
        table.records[:limit],
        mapping=mapping,
        settings=settings,
        strict_width=table.kind == "csv",
    )
    return preview


def _date_formats(records: list[Any], mapping: ColumnMapping) -> list[str]:
    index = mapping.columns.get(fields.TIMESTAMP)
    if index is None:
        return []
    values: list[Cell] = [
        record.cells[index] for record in records if index < len(record.cells)
    ]
    return date_formats_matching([value for value in values if value != ""])


def _rows_check(
    records: list[Any],
    *,
    mapping: ColumnMapping,
    settings: ImportSettings,
    strict_width: bool,
) -> list[PreviewRow]:
    date_format = date_format_compile(settings.date_format)
    today = timezone.localdate()
    checked = [
        record_parse(
            record,
            mapping=mapping,
            date_format=date_format,
            date_notation=settings.date_format,
            today=today,
            strict_width=strict_width,
        )
        for record in records
    ]
    matches = users_match(
        user_field=settings.user_field,
        values=[row.user_value for row in checked if isinstance(row, ParsedRow)],
    )

    rows: list[PreviewRow] = []
    for row in checked:
        if isinstance(row, RowRejection):
            rows.append(
                _rejected_row(row.line, row.number, row.cells, row.code, row.params)
            )
            continue
        match = matches[row.user_value]
        if match.user_id is None:
            params = {"line": row.line, "record": row.number, **match.params}
            rows.append(
                _rejected_row(row.line, row.number, row.cells, match.code, params)
            )
            continue
        rows.append(
            PreviewRow(
                line=row.line,
                number=row.number,
                cells=cells_to_json(row.cells),
                date=row.achieved_on,
                time=row.achieved_time,
                title=row.title,
                tags=row.tags,
                result_id=row.result_id,
            )
        )
    return rows


def _rejected_row(
    line: int, number: int, cells: Any, code: str, params: dict[str, Any]
) -> PreviewRow:
    return PreviewRow(
        line=line,
        number=number,
        cells=cells_to_json(cells),
        code=code,
        params=params,
        message=rejection_message(code, params),
    )
