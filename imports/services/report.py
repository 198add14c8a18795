"""
The downloadable report of rejected rows, and the ways back in.

The report is a CSV with the file's own columns plus the line number and the
reason. After correcting it in a spreadsheet, the administrator uploads it
again and the corrected rows are staged into the same import. Rows rejected
because a user was missing can also be matched again after the users were
added, without any upload.

Formula rule: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written with a leading apostrophe, so a spreadsheet shows
it as text instead of running it as a formula. A cell that starts with an
apostrophe gets one more, so the re-upload can remove exactly one apostrophe
from every cell written that way and get the original text back.
"""

import csv
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils.translation import gettext

from imports.messages import rejection_message
from imports.models import ImportBatch, RejectedLine, StagedRow
from imports.reading import (
    ReadOptions,
    Record,
    file_sniff,
    header_normalise,
    table_read,
)
from imports.services.duplicates import Candidate
from imports.services.settings import ImportSettings
from imports.services.staging import (
    BULK_BATCH_SIZE,
    KEPT_DUPLICATE_CODES,
    RowsOutcome,
    batch_has_attachments,
    import_rows_check,
    mapping_resolve,
)
from learnlinq.errors import InputRejected

logger = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"

# Header names of the two added columns, in every language the report may
# have been downloaded in.
LINE_HEADERS = {"line", "regel"}
REASON_HEADERS = {"reason", "reden"}

REPORT_DELIMITER = ";"
_ROWS_PER_CHUNK = 500
_DUPLICATE_CODES = ("duplicate_in_file", "duplicate_staged", "duplicate_result")


def cell_escape(value: str) -> str:
    """Return ``value`` as it is written to the report, formula-safe."""
    if value.startswith((*FORMULA_PREFIXES, _ESCAPE)):
        return _ESCAPE + value
    return value


def cell_unescape(value: str) -> str:
    """Undo ``cell_escape`` for a value read back from a corrected report."""
    if value.startswith(_ESCAPE) and value[1:].startswith((*FORMULA_PREFIXES, _ESCAPE)):
        return value[1:]
    return value


def rejected_lines_csv(*, batch: ImportBatch) -> Iterator[str]:
    """
    Yield the report of rejected rows as CSV text, in chunks.

    UTF-8 with a byte-order mark (the caller encodes), ``;``-delimited, so a
    spreadsheet with Dutch regional settings opens it in columns. Each row
    contains the cells as read, padded to the header's width, then the line
    and the reason. Cells beyond the header's width follow the reason.
    """
    header = list(batch.header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=REPORT_DELIMITER, lineterminator="\r\n")
    writer.writerow(
        [cell_escape(name) for name in header] + [gettext("Line"), gettext("Reason")]
    )
    yield "\ufeff" + _drain(buffer)

    rejected = batch.rejected_lines.order_by("line").iterator(chunk_size=2_000)
    for count, line in enumerate(rejected, start=1):
        values = [cell_escape(str(value)) for value in line.values]
        inside = values[: len(header)]
        inside += [""] * (len(header) - len(inside))
        reason = cell_escape(rejection_message(line.code, line.params))
        writer.writerow([*inside, line.line, reason, *values[len(header) :]])
        if count % _ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


@dataclass(frozen=True)
class RestageOutcome:
    """The import after rows were staged again, and what became of those rows."""

    batch: ImportBatch
    # Of the rows checked again: how many were staged, and how many are
    # still rejected with a new or the same reason.
    staged: int
    rejected: int


def rejected_lines_reimport(*, batch: ImportBatch, data: bytes) -> RestageOutcome:
    """
    Stage the corrected rows of a re-uploaded report into the same import.

    1. The report's own columns must be there, and every line number must be
       a rejected row of this import, so a row cannot land on another line.
    2. Each row runs through the same checks as the first upload, with this
       import's staged rows counting as earlier lines for duplicates.
    3. A row that passes replaces its rejection; one that fails again gets
       its new reason. Rows left out of the upload keep their rejection.
    """
    options = _report_options(data)
    table = table_read(data, options, max_records=django_settings.IMPORT_MAX_DATA_ROWS)

    with transaction.atomic():
        batch = _staged_batch_lock(batch)
        line_index = _report_columns_check(batch, table.header)
        rejections = {line.line: line for line in batch.rejected_lines.all()}
        records = _report_records(
            table.records, rejections, line_index=line_index, width=len(batch.header)
        )
        outcome = _rows_restage(batch, records)

    logger.info(
        "Import %s: corrected report with %s rows, %s staged",
        batch.pk,
        len(records),
        len(outcome.staged),
    )
    return RestageOutcome(
        batch=batch, staged=len(outcome.staged), rejected=len(outcome.rejected)
    )


def _report_options(data: bytes) -> ReadOptions:
    # A spreadsheet may save the corrected report in another encoding or
    # with another delimiter than it was downloaded in. Both the report and
    # spreadsheets quote with double quotes, so that is not guessed.
    suggestion = file_sniff(data)
    return ReadOptions(
        encoding=suggestion.encoding or "utf-8",
        delimiter=suggestion.delimiter or REPORT_DELIMITER,
        quotechar='"',
    )


def _staged_batch_lock(batch: ImportBatch) -> ImportBatch:
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.state != ImportBatch.State.STAGED:
        raise InputRejected(
            "batch_not_staged", {"batch": locked.pk, "state": locked.state}
        )
    return locked


def _report_columns_check(batch: ImportBatch, header: Sequence[str]) -> int:
    expected = [header_normalise(name) for name in batch.header]
    found = [header_normalise(cell_unescape(name)) for name in header]
    line_index = len(expected)
    line_names = LINE_HEADERS | {header_normalise(gettext("Line"))}
    reason_names = REASON_HEADERS | {header_normalise(gettext("Reason"))}

    if (
        found[:line_index] != expected
        or len(found) < line_index + 2
        or found[line_index] not in line_names
        or found[line_index + 1] not in reason_names
    ):
        names = [*batch.header, gettext("Line"), gettext("Reason")]
        raise InputRejected("reimport_header_mismatch", {"expected": names})
    return line_index


def _report_records(
    records: Sequence[Record],
    rejections: dict[int, RejectedLine],
    *,
    line_index: int,
    width: int,
) -> list[Record]:
    rebuilt: list[Record] = []
    unknown: list[str] = []
    seen: set[int] = set()
    for record in records:
        cells = [
            cell_unescape(cell) if isinstance(cell, str) else cell
            for cell in record.cells
        ]
        line_text = str(cells[line_index]).strip() if len(cells) > line_index else ""
        line = int(line_text) if line_text.isdigit() else None
        if line is None or line not in rejections or line in seen:
            unknown.append(line_text or "?")
            continue
        seen.add(line)

        rejection = rejections[line]
        values = _row_cells(
            cells, line_index=line_index, width=width, original=rejection.values
        )
        rebuilt.append(
            Record(
                line=line, number=int(rejection.params.get("record", 0)), cells=values
            )
        )

    if unknown:
        raise InputRejected(
            "reimport_line_unknown", {"lines": unknown, "column": gettext("Line")}
        )
    return rebuilt


def _row_cells(
    cells: list[Any], *, line_index: int, width: int, original: list[Any]
) -> tuple[Any, ...]:
    values = cells[:line_index] + cells[line_index + 2 :]

    # The report pads a short row to the header's width; an unchanged short
    # row must stay short, so the field count still rejects it.
    if len(original) < width and all(value == "" for value in values[len(original) :]):
        return tuple(values[: len(original)])
    while len(values) > width and values[-1] == "":
        values.pop()
    return tuple(values)


def rejected_lines_rematch(*, batch: ImportBatch) -> RestageOutcome:
    """
    Check the rows rejected for an unknown user again and stage those that match.

    The rows run through every check again, so a row that now matches but
    duplicates another is still listed.
    """
    with transaction.atomic():
        batch = _staged_batch_lock(batch)
        records = [
            Record(
                line=rejection.line,
                number=int(rejection.params.get("record", 0)),
                cells=tuple(rejection.values),
            )
            for rejection in batch.rejected_lines.filter(code="user_not_found")
        ]
        outcome = _rows_restage(batch, records, strict_width=False)

    logger.info(
        "Import %s: %s rows matched again, %s staged",
        batch.pk,
        len(records),
        len(outcome.staged),
    )
    return RestageOutcome(
        batch=batch, staged=len(outcome.staged), rejected=len(outcome.rejected)
    )


def _rows_restage(
    batch: ImportBatch, records: Sequence[Record], *, strict_width: bool = True
) -> RowsOutcome:
    settings = ImportSettings.from_batch(batch)
    mapping = mapping_resolve(
        batch.header,
        settings=settings,
        with_attachments=batch_has_attachments(batch),
    )
    earlier = [
        Candidate(
            line=row.line,
            learner_id=row.learner_id,
            title=row.title,
            tags_key=row.tags_key,
            achieved_on=row.achieved_on,
            result_id=row.result_id,
        )
        for row in batch.staged_rows.all()
    ]
    outcome = import_rows_check(
        batch=batch,
        records=records,
        mapping=mapping,
        settings=settings,
        strict_width=strict_width,
        earlier=earlier,
    )

    batch.rejected_lines.filter(line__in=[record.line for record in records]).delete()
    StagedRow.objects.bulk_create(outcome.staged, batch_size=BULK_BATCH_SIZE)
    RejectedLine.objects.bulk_create(outcome.rejected, batch_size=BULK_BATCH_SIZE)

    # staged_count adds up every row staged, so rows deleted since stay
    # counted; a recount of the rows left would hide them.
    batch.staged_count += len(outcome.staged)
    batch.rejected_count = batch.rejected_lines.count()
    batch.not_passed_count = batch.rejected_lines.filter(code="not_passed").count()
    batch.warnings = [*batch.warnings, *outcome.warnings]
    kept = sum(
        1
        for warning in batch.warnings
        if warning.get("code") in KEPT_DUPLICATE_CODES.values()
    )
    batch.duplicate_count = (
        kept + batch.rejected_lines.filter(code__in=_DUPLICATE_CODES).count()
    )
    batch.save()
    return outcome
