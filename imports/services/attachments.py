"""
The attachments ZIP of an import: upload, background processing and clean-up.

The ZIP is stored when the wizard or the command receives it, and read by a
Celery task once the import's rows are staged, because each entry is matched
on the ResultId of a staged row. Every entry ends up stored, skipped or
rejected with a code; an archive refused as a whole refuses the import.
"""

import datetime
import logging
import os
import tempfile
import time
import uuid
import zipfile
from collections.abc import Sequence
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from imports.archive import (
    ArchiveLimits,
    ByteBudget,
    Outcome,
    PlannedEntry,
    archive_open,
    archive_plan,
    content_check,
    entry_copy,
)
from imports.models import (
    ArchiveEntryOutcome,
    AttachmentArchive,
    ImportBatch,
    StagedAttachment,
    StagedRow,
)
from learnlinq.errors import InputRejected
from results.services.attachments import (
    BlobDraft,
    ResultAttachmentDraft,
    attachment_blob_file_store,
    attachment_blobs_prune,
    attachment_blobs_register,
    attachment_files_delete_unregistered,
    attachment_storage_usage,
    result_attachments_bulk_create,
)
from users.models import User

logger = logging.getLogger(__name__)

# Outcomes and attachments are written, and progress committed, after this
# many entries or this many seconds, whichever comes first.
FLUSH_ENTRIES = 500
FLUSH_SECONDS = 2.0


def archive_limits() -> ArchiveLimits:
    """Return the ZIP limits, with the archive size limit from the settings."""
    return ArchiveLimits(max_archive_bytes=settings.IMPORT_MAX_ZIP_BYTES)


def attachment_archive_create(
    *,
    batch: ImportBatch,
    created_by: User,
    data: File,
    original_name: str,  # type: ignore[type-arg]
) -> AttachmentArchive:
    """
    Store an uploaded ZIP for ``batch``, to be read after the rows are staged.

    ``data`` is copied through the default storage in chunks, so the web
    process never keeps the archive in memory. Raises ``InputRejected``
    (``archive_too_large``) for a file over ``IMPORT_MAX_ZIP_BYTES``.
    """
    size = data.size or 0
    if size > settings.IMPORT_MAX_ZIP_BYTES:
        raise InputRejected(
            "archive_too_large", {"size": size, "max": settings.IMPORT_MAX_ZIP_BYTES}
        )

    archive = AttachmentArchive(
        batch=batch,
        created_by=created_by,
        original_name=original_name[:255],
        size=size,
    )
    # The user's file name is kept as data only. The stored name is generated.
    archive.file.save(f"{uuid.uuid4().hex}.zip", data, save=False)
    archive.save()
    logger.info("Stored attachments ZIP %s for import %s", archive.pk, batch.pk)
    return archive


def attachment_archive_after_staging(*, batch_id: int) -> None:
    """
    Queue the import's ZIP once staging ended, or close it if staging failed.

    Called by the staging task. Does nothing for an import without a ZIP or
    whose ZIP was already handled.
    """
    archive = (
        AttachmentArchive.objects.select_related("batch")
        .filter(batch_id=batch_id, state=AttachmentArchive.State.QUEUED)
        .first()
    )
    if archive is None:
        return

    if archive.batch.state == ImportBatch.State.STAGED:
        from imports.tasks import attachment_archive_process_task

        archive_id = archive.pk
        transaction.on_commit(lambda: attachment_archive_process_task.delay(archive_id))
        logger.info("Queued attachments ZIP %s of import %s", archive_id, batch_id)
    elif archive.batch.state in (ImportBatch.State.FAILED, ImportBatch.State.DISCARDED):
        AttachmentArchive.objects.filter(pk=archive.pk).update(
            state=AttachmentArchive.State.FAILED,
            failure_code="import_failed",
            finished_at=timezone.now(),
        )
        logger.info("ZIP %s closed: import %s failed", archive.pk, batch_id)


def attachments_pending(*, batch: ImportBatch) -> bool:
    """Tell whether the import has a ZIP that is not processed yet."""
    return AttachmentArchive.objects.filter(
        batch=batch,
        state__in=[AttachmentArchive.State.QUEUED, AttachmentArchive.State.RUNNING],
    ).exists()


def attachment_archive_process(
    *, archive_id: int, task_id: str = "", limits: ArchiveLimits | None = None
) -> AttachmentArchive:
    """
    Read the ZIP of an import and attach its documents to the staged rows.

    1. Claim the archive; a finished or failed one is left alone, so a task
       delivered twice does nothing. A run that died half-way is cleared and
       started again.
    2. Refuse the whole archive for hostile or unreadable content, before
       anything is written (see ``archive_plan``).
    3. Match entries on the ResultIds of the import's staged rows, and refuse
       the archive if its acceptable entries would not fit in the quota.
    4. Stream each entry to a temporary file while hashing it and counting
       real bytes, check its content, and store it once per content hash.
       Progress and outcomes are committed in steps so the status page moves.
    On refusal everything written for the archive is deleted again and the
    import is refused with the archive's reason.
    """
    archive = _archive_start(archive_id=archive_id, task_id=task_id)
    if archive is None:
        logger.info("ZIP %s is already processed; nothing to do", archive_id)
        return AttachmentArchive.objects.get(pk=archive_id)

    run = _ArchiveRun(archive=archive, limits=limits or archive_limits())
    logger.info("Reading attachments ZIP %s of import %s", archive.pk, archive.batch_id)
    try:
        if not archive.file.name:
            raise FileNotFoundError(archive.pk)
        with default_storage.open(archive.file.name, "rb") as upload:
            # A storage File delegates to its underlying binary file.
            run.execute(cast(BinaryIO, upload))
    except InputRejected as error:
        logger.info("ZIP %s rejected: %s %s", archive.pk, error.code, error.params)
        return _archive_reject(archive, run, code=error.code, params=error.params)
    except FileNotFoundError:
        logger.warning("ZIP %s is missing from storage", archive.pk)
        return _archive_reject(
            archive, run, code="archive_missing", params={"name": archive.original_name}
        )
    except Exception as error:
        logger.exception("ZIP %s failed unexpectedly", archive.pk)
        return _archive_reject(
            archive,
            run,
            code="archive_unexpected_error",
            params={"error": type(error).__name__},
        )

    logger.info(
        "ZIP %s finished: %s stored, %s skipped, %s rejected",
        archive.pk,
        archive.stored_count,
        archive.skipped_count,
        archive.rejected_count,
    )
    return archive


def _archive_start(*, archive_id: int, task_id: str) -> AttachmentArchive | None:
    with transaction.atomic():
        archive = AttachmentArchive.objects.select_for_update().get(pk=archive_id)
        if archive.is_final:
            return None
        if archive.state == AttachmentArchive.State.RUNNING:
            logger.warning("ZIP %s was interrupted; starting it again", archive_id)
            _archive_output_delete(archive)

        archive.state = AttachmentArchive.State.RUNNING
        archive.celery_task_id = task_id
        archive.started_at = timezone.now()
        archive.entries_total = archive.entries_done = 0
        archive.stored_count = archive.skipped_count = archive.rejected_count = 0
        archive.bytes_stored = 0
        archive.save()
    return archive


def _archive_output_delete(archive: AttachmentArchive) -> None:
    # Deleting staged attachments releases their blobs (see the post_delete
    # receiver), so files of the abandoned run are pruned after the commit.
    StagedAttachment.objects.filter(archive=archive).delete()
    ArchiveEntryOutcome.objects.filter(archive=archive).delete()


def _archive_reject(
    archive: AttachmentArchive,
    run: "_ArchiveRun",
    *,
    code: str,
    params: dict[str, Any],
) -> AttachmentArchive:
    """
    Delete what the archive wrote and refuse it, and with it the import.

    The import's rows go too: an import whose ZIP is refused must be
    uploaded again with a corrected ZIP, and a half-attached import must not
    be activated.
    """
    with transaction.atomic():
        _archive_output_delete(archive)
        archive.state = AttachmentArchive.State.FAILED
        # The outcomes are deleted with everything else the run wrote.
        archive.entries_done = archive.stored_count = 0
        archive.skipped_count = archive.rejected_count = archive.bytes_stored = 0
        archive.failure_code = code
        archive.failure_params = params
        archive.finished_at = timezone.now()
        archive.save()

        StagedRow.objects.filter(
            batch_id=archive.batch_id, activation_group__isnull=True
        ).delete()
        ImportBatch.objects.filter(pk=archive.batch_id).update(
            state=ImportBatch.State.FAILED,
            file_error_code=code,
            file_error_params=params,
            staged_count=0,
        )
    # Blobs registered by this run that no attachment row ever referred to,
    # and files stored since the last flush whose rows were never written.
    attachment_blobs_prune(blob_ids=run.blob_ids)
    attachment_files_delete_unregistered(
        names=[draft.stored_name for draft in run.pending_blobs.values()]
    )
    return archive


class _ArchiveRun:
    """One pass over an archive, with what is not yet written to the database."""

    def __init__(self, *, archive: AttachmentArchive, limits: ArchiveLimits) -> None:
        self.archive = archive
        self.limits = limits
        # Blobs registered by this run, and files stored but not registered
        # yet. Rows are written in bulk at each flush.
        self.blob_ids: set[int] = set()
        self.pending_blobs: dict[str, BlobDraft] = {}
        self._known_blobs: dict[str, int] = {}
        self._attachments: list[tuple[StagedAttachment, str]] = []
        self._outcomes: list[ArchiveEntryOutcome] = []
        self._flushed_at = time.monotonic()

    def execute(self, upload: BinaryIO) -> None:
        with archive_open(upload, limits=self.limits) as zip_file:
            entries = archive_plan(zip_file, limits=self.limits)
            rows = _row_ids_by_result_id(batch_id=self.archive.batch_id)
            for entry in entries:
                if entry.outcome is None and entry.result_id not in rows:
                    entry.reject("unknown_result_id", {"result_id": entry.result_id})
            _quota_check(entries)

            self.archive.entries_total = len(entries)
            self.archive.save(update_fields=["entries_total", "updated_at"])

            budget = ByteBudget(limit=self.limits.max_total_bytes)
            with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as work:
                for position, entry in enumerate(entries):
                    if entry.outcome is None:
                        self._store(zip_file, entry, rows, work=work, budget=budget)
                    self._record(position, entry)

        self._flush(final=True)

    def _store(
        self,
        zip_file: zipfile.ZipFile,
        entry: PlannedEntry,
        rows: dict[str, list[int]],
        *,
        work: str,
        budget: ByteBudget,
    ) -> None:
        path = os.path.join(work, "entry")
        with open(path, "w+b") as target:
            copied = entry_copy(
                zip_file, entry, target, limits=self.limits, budget=budget
            )
            target.flush()
            try:
                check = content_check(target, path=path, extension=entry.extension)
            except InputRejected as error:
                entry.reject(error.code, error.params)
                return

        self._blob_ensure(copied.sha256, copied.size, path)
        if os.path.exists(path):
            os.remove(path)

        for row_id in rows[entry.result_id]:
            attachment = StagedAttachment(
                archive=self.archive,
                row_id=row_id,
                original_name=entry.original_name,
                content_type=check.content_type,
                size=copied.size,
                sha256=copied.sha256,
            )
            self._attachments.append((attachment, copied.sha256))
        entry.outcome = Outcome.STORED
        entry.params = {"result_id": entry.result_id, "size": copied.size}
        self.archive.bytes_stored += copied.size

    def _blob_ensure(self, sha256: str, size: int, path: str) -> None:
        """
        Put the content into storage unless it is there already.

        Its blob row is written at the next flush. Content stored before is
        found by its storage key without a query, and the flush's insert
        skips rows that exist already.
        """
        if sha256 in self._known_blobs or sha256 in self.pending_blobs:
            return
        self.pending_blobs[sha256] = attachment_blob_file_store(
            sha256=sha256, size=size, path=path
        )

    def _record(self, position: int, entry: PlannedEntry) -> None:
        outcome = entry.outcome or Outcome.REJECTED
        self._outcomes.append(
            ArchiveEntryOutcome(
                archive=self.archive,
                position=position,
                name=entry.name,
                outcome=outcome.value,
                code=entry.code,
                params=entry.params,
            )
        )
        if outcome == Outcome.STORED:
            self.archive.stored_count += 1
        elif outcome == Outcome.SKIPPED:
            self.archive.skipped_count += 1
        else:
            self.archive.rejected_count += 1
        self.archive.entries_done += 1

        waited = time.monotonic() - self._flushed_at
        if len(self._outcomes) >= FLUSH_ENTRIES or waited >= FLUSH_SECONDS:
            self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        with transaction.atomic():
            registered = attachment_blobs_register(
                drafts=list(self.pending_blobs.values())
            )
            self.blob_ids.update(registered.values())
            self._known_blobs.update(registered)
            attachments = []
            for attachment, sha256 in self._attachments:
                attachment.blob_id = self._known_blobs[sha256]
                attachments.append(attachment)
            StagedAttachment.objects.bulk_create(attachments, batch_size=500)
            ArchiveEntryOutcome.objects.bulk_create(self._outcomes, batch_size=500)
            if final:
                self.archive.state = AttachmentArchive.State.FINISHED
                self.archive.finished_at = timezone.now()
            self.archive.save()
        self.pending_blobs = {}
        self._attachments = []
        self._outcomes = []
        self._flushed_at = time.monotonic()


def _row_ids_by_result_id(*, batch_id: int) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    staged = (
        StagedRow.objects.filter(batch_id=batch_id)
        .exclude(result_id="")
        .values_list("pk", "result_id")
    )
    for row_id, result_id in staged:
        rows.setdefault(result_id, []).append(row_id)
    return rows


def _quota_check(entries: list[PlannedEntry]) -> None:
    """
    Refuse the archive when its acceptable entries would not fit in the quota.

    Declared sizes are used, before anything is written. An entry that
    inflates beyond its declared size refuses the archive later anyway. Files
    already stored are counted in full even when an entry repeats one, so the
    check errs on the side of refusing.
    """
    usage = attachment_storage_usage()
    if usage.free_bytes is None:
        return
    needed = sum(entry.declared_size for entry in entries if entry.outcome is None)
    if needed > usage.free_bytes:
        raise InputRejected(
            "quota_exceeded",
            {"needed": needed, "free": usage.free_bytes, "quota": usage.quota_bytes},
        )


def attachment_uploads_clean_up(*, now: datetime.datetime | None = None) -> int:
    """
    Delete uploads that are no longer needed and return how many were deleted.

    1. Files under ``MEDIA_ROOT/wizard`` (the import wizard's file storage)
       older than ``WIZARD_UPLOAD_MAX_AGE_HOURS``: left by abandoned wizards,
       because a finished wizard deletes its own.
    2. The stored ZIPs of archives in a final state, whose documents are
       stored as blobs, and of imports that failed or were discarded.
    3. Blobs no attachment refers to, as a safety net for pruning that was
       interrupted.
    """
    now = now or timezone.now()
    deleted = _wizard_uploads_delete(now=now)
    deleted += _archive_uploads_delete()
    attachment_blobs_prune()
    logger.info("Clean-up deleted %s uploaded files", deleted)
    return deleted


def _wizard_uploads_delete(*, now: datetime.datetime) -> int:
    folder = os.path.join(settings.MEDIA_ROOT, "wizard")
    cutoff = now.timestamp() - settings.WIZARD_UPLOAD_MAX_AGE_HOURS * 3600
    deleted = 0
    for directory, _folders, files in os.walk(folder):
        for name in files:
            path = os.path.join(directory, name)
            try:
                if os.path.getmtime(path) < cutoff:
                    os.remove(path)
                    deleted += 1
            except FileNotFoundError:
                # A wizard that finished meanwhile deleted it itself.
                continue
    return deleted


def _archive_uploads_delete() -> int:
    # A queued archive of an import that failed or was discarded is never
    # read. Any other archive keeps its upload until it is final.
    closed_batches = [ImportBatch.State.FAILED, ImportBatch.State.DISCARDED]
    archives = (
        AttachmentArchive.objects.exclude(file="")
        .filter(
            Q(state__in=AttachmentArchive.FINAL_STATES)
            | Q(state=AttachmentArchive.State.QUEUED, batch__state__in=closed_batches)
        )
        .only("pk", "file")
    )
    deleted = 0
    for archive in archives.iterator():
        default_storage.delete(str(archive.file.name))
        AttachmentArchive.objects.filter(pk=archive.pk).update(file="")
        deleted += 1
        logger.info("Deleted the upload of ZIP %s", archive.pk)
    return deleted


def staged_attachments_activate(
    *, row_ids: Sequence[int], result_ids: Sequence[int]
) -> int:
    """
    Copy the attachments of staged rows to the results written for them.

    ``row_ids[i]`` became result ``result_ids[i]``. Runs inside the
    activation's chunk transaction; copies that exist already are skipped,
    so a chunk written again adds nothing. Two queries whatever the count.
    """
    result_by_row = dict(zip(row_ids, result_ids, strict=True))
    staged = StagedAttachment.objects.filter(row_id__in=list(row_ids)).values_list(
        "row_id", "blob_id", "original_name", "content_type", "size"
    )
    drafts = [
        ResultAttachmentDraft(
            result_id=result_by_row[row_id],
            blob_id=blob_id,
            original_name=original_name,
            content_type=content_type,
            size=size,
        )
        for row_id, blob_id, original_name, content_type, size in staged
    ]
    if drafts:
        result_attachments_bulk_create(drafts=drafts)
    return len(drafts)
