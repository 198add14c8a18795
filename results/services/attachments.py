"""
Stored attachment files (blobs) and the attachments of results.

A blob is stored once per content hash and shared by every staged or result
attachment with that content. Nothing counts references: a blob is unused
when no row of any model with a foreign key to ``AttachmentBlob`` points at
it, and pruning deletes such blobs and their files. The foreign keys protect
blobs, so a blob that gains a reference while it is being pruned makes the
prune fail instead of losing a file.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models.deletion import ProtectedError

from results.models import AttachmentBlob, ResultAttachment
from results.models.attachments import attachment_blob_key

logger = logging.getLogger(__name__)

_PENDING_ATTRIBUTE = "_learnlinq_blobs_to_prune"


class _MovableFile(File):  # type: ignore[type-arg]
    """
    A file on local disk that file-system storage may move instead of copy.

    Django's ``FileSystemStorage`` moves any file that offers
    ``temporary_file_path()``, which saves copying a large document twice
    when the temporary folder and the media folder share a disk.
    """

    def temporary_file_path(self) -> str:
        return str(self.name)


@dataclass(frozen=True)
class BlobDraft:
    """A file already in storage whose blob row is not written yet."""

    sha256: str
    size: int
    stored_name: str


def attachment_blob_file_store(*, sha256: str, size: int, path: str) -> BlobDraft:
    """
    Put the file at ``path`` into storage under the key of its content hash.

    The file may be moved into storage, so the caller must not use it afterwards.
    A file already under the key (from a run that stored it and then stopped
    before writing its row) has identical content and is reused.
    """
    key = attachment_blob_key(sha256)
    if default_storage.exists(key):
        return BlobDraft(sha256=sha256, size=size, stored_name=key)
    with open(path, "rb") as handle:
        stored_name = default_storage.save(key, _MovableFile(handle, name=path))
    return BlobDraft(sha256=sha256, size=size, stored_name=stored_name)


def attachment_blobs_register(*, drafts: Sequence[BlobDraft]) -> dict[str, int]:
    """
    Write blob rows for stored files and return the blob id of every hash.

    One insert and one select whatever the count. When another worker
    registered the same content first, its row wins and a second copy that
    storage saved under another name is deleted.
    """
    if not drafts:
        return {}
    AttachmentBlob.objects.bulk_create(
        [
            AttachmentBlob(sha256=draft.sha256, size=draft.size, file=draft.stored_name)
            for draft in drafts
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    rows = AttachmentBlob.objects.filter(
        sha256__in=[draft.sha256 for draft in drafts]
    ).values_list("sha256", "pk", "file")
    ids: dict[str, int] = {}
    names: dict[str, str] = {}
    for sha256, pk, name in rows:
        ids[sha256] = pk
        names[sha256] = name
    losers = [d.stored_name for d in drafts if names.get(d.sha256) != d.stored_name]
    if losers:
        transaction.on_commit(lambda: _files_delete(losers))
    return ids


def attachment_blob_store(*, sha256: str, size: int, path: str) -> AttachmentBlob:
    """Return the blob with this content hash, storing the file at ``path`` if new."""
    existing = AttachmentBlob.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    draft = attachment_blob_file_store(sha256=sha256, size=size, path=path)
    ids = attachment_blobs_register(drafts=[draft])
    return AttachmentBlob.objects.get(pk=ids[sha256])


def attachment_files_delete_unregistered(*, names: Iterable[str]) -> None:
    """Delete stored files that no blob row names, left by a refused run."""
    names = list(names)
    registered = set(
        AttachmentBlob.objects.filter(file__in=names).values_list("file", flat=True)
    )
    _files_delete([name for name in names if name not in registered])


def _unreferenced(
    queryset: models.QuerySet[AttachmentBlob],
) -> models.QuerySet[AttachmentBlob]:
    # Every reverse foreign key counts, so this app needs no knowledge of the
    # models that refer to blobs (the imports app's staged attachments).
    for relation in AttachmentBlob._meta.related_objects:
        queryset = queryset.filter(**{f"{relation.name}__isnull": True})
    return queryset


def attachment_blobs_prune(*, blob_ids: Iterable[int] | None = None) -> int:
    """
    Delete unused blobs and their files, and return how many were deleted.

    With ``blob_ids`` only those blobs are considered, otherwise all. Files
    are deleted after the rows are committed, so a rolled-back prune never
    leaves a row without its file.
    """
    queryset = AttachmentBlob.objects.all()
    if blob_ids is not None:
        queryset = queryset.filter(pk__in=list(blob_ids))

    with transaction.atomic():
        unused = list(_unreferenced(queryset).values_list("pk", "file"))
        if not unused:
            return 0
        try:
            AttachmentBlob.objects.filter(pk__in=[pk for pk, _name in unused]).delete()
        except ProtectedError:
            # A blob gained a reference since the query above, and the next
            # prune finds it in use.
            logger.info("Prune of %s blobs skipped: one is in use again", len(unused))
            return 0
        names = [name for _pk, name in unused]
        transaction.on_commit(lambda: _files_delete(names))

    logger.info("Pruned %s unused attachment blobs", len(unused))
    return len(unused)


def _files_delete(names: Sequence[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("Failed to delete attachment file %s", name)


def attachment_blob_release(blob_id: int) -> None:
    """
    Prune a blob after the current transaction commits, if nothing uses it then.

    Called for every deleted attachment row. The ids collect on the database
    connection, so deleting thousands of rows prunes in one pass.
    """
    pending: set[int] | None = getattr(connection, _PENDING_ATTRIBUTE, None)
    if pending is None:
        pending = set()
        setattr(connection, _PENDING_ATTRIBUTE, pending)
    pending.add(blob_id)
    transaction.on_commit(_pending_prune)


def _pending_prune() -> None:
    pending: set[int] | None = getattr(connection, _PENDING_ATTRIBUTE, None)
    if not pending:
        return
    setattr(connection, _PENDING_ATTRIBUTE, None)
    attachment_blobs_prune(blob_ids=pending)


@dataclass(frozen=True)
class ResultAttachmentDraft:
    """The values of one result attachment before it is written."""

    result_id: int
    blob_id: int
    original_name: str
    content_type: str
    size: int


def result_attachments_bulk_create(*, drafts: Sequence[ResultAttachmentDraft]) -> int:
    """
    Write result attachments, 1,000 per statement, and return the draft count.

    A draft whose result already has an attachment of that name is skipped,
    so writing the same drafts twice is harmless.
    """
    ResultAttachment.objects.bulk_create(
        [
            ResultAttachment(
                result_id=draft.result_id,
                blob_id=draft.blob_id,
                original_name=draft.original_name,
                content_type=draft.content_type,
                size=draft.size,
            )
            for draft in drafts
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return len(drafts)


@dataclass(frozen=True)
class StorageUsage:
    """Bytes used by stored attachment files, against the organisation's quota."""

    used_bytes: int
    file_count: int
    # 0 means no quota.
    quota_bytes: int

    @property
    def free_bytes(self) -> int | None:
        if not self.quota_bytes:
            return None
        return max(0, self.quota_bytes - self.used_bytes)

    @property
    def used_percent(self) -> int | None:
        if not self.quota_bytes:
            return None
        return min(100, self.used_bytes * 100 // self.quota_bytes)


def attachment_storage_usage() -> StorageUsage:
    """Return the storage used by attachment files, counting identical files once."""
    totals = AttachmentBlob.objects.aggregate(
        used=models.Sum("size"), count=models.Count("pk")
    )
    return StorageUsage(
        used_bytes=totals["used"] or 0,
        file_count=totals["count"],
        quota_bytes=settings.ATTACHMENT_QUOTA_BYTES,
    )
