"""
Store an uploaded results file, then read it into staged rows and rejected lines.

Every data record of a file ends up either as a StagedRow or as a
RejectedLine with its line number, so ``rows_read == staged_count +
rejected_count`` holds for every staged import. A file that cannot be read
as a whole stages nothing.
"""

import datetime
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings as django_settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from imports import fields
from imports.mapping import (
    ColumnMapping,
    ParsedRow,
    RowRejection,
    cells_to_json,
    columns_resolve,
    record_parse,
)
from imports.models import AttachmentArchive, ImportBatch, RejectedLine, StagedRow
from imports.reading import (
    DateFormat,
    Notice,
    ReadOptions,
    Record,
    Table,
    date_format_compile,
    table_read,
)
from imports.services.duplicates import Candidate, Verdict, duplicates_find
from imports.services.matching import users_match
from imports.services.settings import ImportSettings, import_settings_validate
from learnlinq.audit import audit_record
from learnlinq.errors import InputRejected
from learnlinq.models import AuditEvent
from users.models import User

logger = logging.getLogger(__name__)

# Rows per INSERT statement.
BULK_BATCH_SIZE = 1_000

# Stored file names are generated; only these extensions are kept from the
# name the user gave, so a name never becomes part of a path.
_KEPT_EXTENSIONS = {".csv", ".txt", ".xlsx"}


@dataclass
class RowsOutcome:
    """Staged rows and rejected lines built for a set of records, not yet saved."""

    staged: list[StagedRow] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    duplicate_count: int = 0
    not_passed_count: int = 0


def import_batch_create(
    *,
    created_by: User,
    data: File,
    original_name: str,
    settings: ImportSettings,
) -> ImportBatch:
    """
    Store the file through the default storage and create a queued import.

    The settings are checked first, so a file with impossible choices is
    never stored. The worker reads the file back from storage by name, never
    from the uploading process's temporary path.
    """
    import_settings_validate(settings=settings)

    batch = ImportBatch(
        created_by=created_by,
        original_name=original_name[:255],
        size=data.size or 0,
        state=ImportBatch.State.QUEUED,
        **settings.batch_fields(),
    )
    batch.source_file.save(_storage_name(original_name), data, save=False)
    try:
        with transaction.atomic():
            batch.save()
            audit_record(
                actor=created_by,
                verb=AuditEvent.Verb.IMPORTED,
                target=batch,
                counts={"bytes": batch.size},
            )
    except Exception:
        batch.source_file.delete(save=False)
        raise

    logger.info("Import %s created for file %r", batch.pk, batch.original_name)
    return batch


def _storage_name(original_name: str) -> str:
    extension = PurePath(original_name).suffix.lower()
    if extension not in _KEPT_EXTENSIONS:
        extension = ""
    return uuid.uuid4().hex + extension


def import_batch_stage(*, batch_id: int) -> ImportBatch:
    """
    Read the import's file and stage its rows, in one transaction.

    1. A batch in a final state is left alone, so a task delivered twice
       does nothing the second time.
    2. The state STAGING is committed first, so a status page can show it.
    3. The batch row is locked and checked again, so two workers never stage
       the same file twice.
    4. Reading, mapping, matching and inserting happen in one transaction:
       a refused file rolls back every row and ends FAILED with its reason.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.is_final:
        logger.info("Import %s is already %s; nothing to stage", batch_id, batch.state)
        return batch

    ImportBatch.objects.filter(pk=batch_id, state=ImportBatch.State.QUEUED).update(
        state=ImportBatch.State.STAGING, started_at=timezone.now()
    )
    logger.info("Staging import %s", batch_id)

    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if batch.is_final:
                logger.info("Import %s was staged by another worker", batch_id)
                return batch
            _batch_stage(batch)
    except InputRejected as error:
        logger.info("Import %s rejected: %s %s", batch_id, error.code, error.params)
        return _batch_fail(batch_id, code=error.code, params=error.params)
    except Exception:
        logger.exception("Import %s failed while staging", batch_id)
        return _batch_fail(batch_id, code="unexpected_error", params={})

    logger.info(
        "Import %s staged: %s rows read, %s staged, %s rejected",
        batch_id,
        batch.rows_read,
        batch.staged_count,
        batch.rejected_count,
    )
    return batch


def _batch_stage(batch: ImportBatch) -> None:
    settings = ImportSettings.from_batch(batch)
    table = batch_table_read(batch, settings=settings)
    mapping = mapping_resolve(
        table.header,
        settings=settings,
        with_attachments=batch_has_attachments(batch),
    )

    outcome = import_rows_check(
        batch=batch,
        records=table.records,
        mapping=mapping,
        settings=settings,
        strict_width=table.kind == "csv",
    )
    StagedRow.objects.bulk_create(outcome.staged, batch_size=BULK_BATCH_SIZE)
    RejectedLine.objects.bulk_create(outcome.rejected, batch_size=BULK_BATCH_SIZE)

    batch.header = list(table.header)
    batch.rows_read = len(table.records)
    batch.staged_count = len(outcome.staged)
    batch.rejected_count = len(outcome.rejected)
    batch.not_passed_count = outcome.not_passed_count
    batch.duplicate_count = outcome.duplicate_count
    batch.warnings = [notice_as_json(notice) for notice in table.notices]
    batch.warnings += outcome.warnings
    batch.state = ImportBatch.State.STAGED
    batch.finished_at = timezone.now()
    batch.save()


def batch_table_read(batch: ImportBatch, *, settings: ImportSettings) -> Table:
    """Read the import's stored file with its settings, or raise InputRejected."""
    data = _stored_file_read(batch)
    maximum = django_settings.IMPORT_MAX_CSV_BYTES
    if len(data) > maximum:
        raise InputRejected("file_too_large", {"size": len(data), "maximum": maximum})

    options = ReadOptions(
        encoding=settings.encoding,
        delimiter=settings.delimiter,
        quotechar=settings.quotechar,
        sheet=settings.sheet,
    )
    return table_read(data, options, max_records=django_settings.IMPORT_MAX_DATA_ROWS)


def _stored_file_read(batch: ImportBatch) -> bytes:
    try:
        with batch.source_file.open("rb") as stored:
            return stored.read()
    except FileNotFoundError:
        raise InputRejected("file_missing", {"name": batch.original_name}) from None


def mapping_resolve(
    header: Sequence[str], *, settings: ImportSettings, with_attachments: bool = False
) -> ColumnMapping:
    """
    Return the column mapping of ``header`` under ``settings``.

    With attachments, ResultId is required in the header and in every row,
    because each ZIP entry is matched to a row by its ResultId.
    """
    return columns_resolve(
        header,
        column_map=settings.column_map,
        fixed_values=settings.fixed_values,
        passed_column=settings.passed_column,
        passed_values=settings.passed_values,
        delimiter=settings.delimiter,
        required=fields.required_fields(with_attachments=with_attachments),
    )


def batch_has_attachments(batch: ImportBatch) -> bool:
    """Return whether an attachments ZIP was uploaded with the import."""
    return AttachmentArchive.objects.filter(batch_id=batch.pk).exists()


def import_rows_check(
    *,
    batch: ImportBatch,
    records: Sequence[Record],
    mapping: ColumnMapping,
    settings: ImportSettings,
    strict_width: bool = True,
    earlier: Sequence[Candidate] = (),
) -> RowsOutcome:
    """
    Build a StagedRow or a RejectedLine for every record, without saving.

    1. Each record is checked on its own: field count, status, required
       values, date, lengths.
    2. The UserId values of all checked rows are matched in one go.
    3. Matched rows are compared with the file, with waiting staged rows and
       with existing results. ``earlier`` are this import's rows staged
       before, which a corrected re-upload counts as earlier lines.
    """
    date_format = date_format_compile(settings.date_format)
    today = timezone.localdate()
    outcome = RowsOutcome()

    parsed: list[ParsedRow] = []
    for record in records:
        checked = record_parse(
            record,
            mapping=mapping,
            date_format=date_format,
            date_notation=settings.date_format,
            today=today,
            strict_width=strict_width,
        )
        if isinstance(checked, RowRejection):
            cells = cells_to_json(checked.cells, date_format=date_format)
            _reject(outcome, batch, checked.line, checked.code, checked.params, cells)
        else:
            parsed.append(checked)

    matches = users_match(
        user_field=settings.user_field, values=[row.user_value for row in parsed]
    )
    candidates: list[tuple[ParsedRow, Candidate]] = []
    for row in parsed:
        match = matches[row.user_value]
        if match.user_id is None:
            params = {"line": row.line, "record": row.number, **match.params}
            cells = cells_to_json(row.cells, date_format=date_format)
            _reject(outcome, batch, row.line, match.code, params, cells)
            continue
        candidates.append((row, _candidate(row, match.user_id)))

    verdicts = duplicates_find(
        [candidate for _row, candidate in candidates],
        batch_id=batch.pk,
        keep=settings.duplicate_policy == ImportBatch.DuplicatePolicy.KEEP,
        earlier=earlier,
    )
    for row, candidate in candidates:
        verdict = verdicts.get(row.line)
        if verdict is not None and verdict.code != "result_id_reused":
            outcome.duplicate_count += 1
        if verdict is not None and verdict.reject:
            params = {"line": row.line, "record": row.number, **verdict.params}
            cells = cells_to_json(row.cells, date_format=date_format)
            _reject(outcome, batch, row.line, verdict.code, params, cells)
            continue
        if verdict is not None:
            outcome.warnings.append(_kept_warning(row.line, verdict, date_format))
        outcome.staged.append(_staged_row(batch, row, candidate.learner_id))

    outcome.rejected.sort(key=lambda rejected: rejected.line)
    outcome.staged.sort(key=lambda staged: staged.line)
    outcome.not_passed_count = sum(
        1 for rejected in outcome.rejected if rejected.code == "not_passed"
    )
    return outcome


def _candidate(row: ParsedRow, learner_id: int) -> Candidate:
    return Candidate(
        line=row.line,
        learner_id=learner_id,
        title=row.title,
        tags_key=row.tags_key,
        achieved_on=row.achieved_on,
        result_id=row.result_id,
    )


# The warning code of a kept duplicate, by what it repeats.
KEPT_DUPLICATE_CODES = {
    "duplicate_in_file": "duplicate_kept_line",
    "duplicate_staged": "duplicate_kept_staged",
    "duplicate_result": "duplicate_kept_result",
}


def _kept_warning(
    line: int, verdict: Verdict, date_format: DateFormat
) -> dict[str, Any]:
    """Return the stored warning of a duplicate staged under the "keep" policy."""
    params: dict[str, Any] = {"line": line, **verdict.params}
    if "date" in params:
        # The date is written as the file writes dates, so it can be found there.
        achieved_on = datetime.date.fromisoformat(params["date"])
        params["date"] = date_format.format(achieved_on)
    return {
        "code": KEPT_DUPLICATE_CODES[verdict.code],
        "params": params,
        "line": line,
    }


def _reject(
    outcome: RowsOutcome,
    batch: ImportBatch,
    line: int,
    code: str,
    params: dict[str, Any],
    cells: list[str],
) -> None:
    outcome.rejected.append(
        RejectedLine(
            batch=batch, line=line, code=code, params=json_safe(params), values=cells
        )
    )


def _staged_row(batch: ImportBatch, row: ParsedRow, learner_id: int) -> StagedRow:
    return StagedRow(
        batch=batch,
        line=row.line,
        learner_id=learner_id,
        achieved_on=row.achieved_on,
        achieved_time=row.achieved_time,
        title=row.title,
        tags=row.tags,
        tags_key=row.tags_key,
        result_id=row.result_id,
    )


def _batch_fail(batch_id: int, *, code: str, params: dict[str, Any]) -> ImportBatch:
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.state = ImportBatch.State.FAILED
    batch.file_error_code = code
    batch.file_error_params = json_safe(params)
    batch.rows_read = batch.staged_count = batch.rejected_count = 0
    batch.not_passed_count = batch.duplicate_count = 0
    batch.finished_at = timezone.now()
    batch.save()
    return batch


def notice_as_json(notice: Notice) -> dict[str, Any]:
    """Return a reader's notice as stored in ``ImportBatch.warnings``."""
    return {
        "code": notice.code,
        "params": json_safe(notice.params),
        "line": notice.line,
    }


def json_safe(params: dict[str, Any]) -> dict[str, Any]:
    """Return ``params`` with values JSON cannot hold (dates, bytes) as text."""
    return json.loads(json.dumps(params, default=str))
