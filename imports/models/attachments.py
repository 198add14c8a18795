from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from imports.models.core import ImportBatch, StagedRow
from learnlinq.models import TimeStampedModel


class AttachmentArchive(TimeStampedModel):
    """
    The attachments ZIP of one import, and the job that reads it.

    ``state`` is where the job is. The failure code and parameters record why
    the archive was rejected as a whole. Outcomes of single entries are
    ``ArchiveEntryOutcome`` rows.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Reading the attachments")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Rejected")

    FINAL_STATES = frozenset({State.FINISHED, State.FAILED})

    batch = models.OneToOneField(
        ImportBatch, on_delete=models.CASCADE, related_name="attachment_archive"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Cleared once the archive reaches a final state and the periodic clean-up
    # has deleted the upload.
    file = models.FileField(
        _("file"), upload_to="imports/archives/%Y/%m/", max_length=255, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))

    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    celery_task_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    entries_total = models.PositiveIntegerField(_("entries"), default=0)
    entries_done = models.PositiveIntegerField(_("entries done"), default=0)
    stored_count = models.PositiveIntegerField(_("attachments stored"), default=0)
    skipped_count = models.PositiveIntegerField(_("entries skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("entries rejected"), default=0)
    bytes_stored = models.PositiveBigIntegerField(_("bytes stored"), default=0)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("attachments archive")
        verbose_name_plural = _("attachments archives")
        indexes = [
            # The clean-up task: archives in a final state whose upload is
            # still on disk.
            models.Index(fields=["state", "file"], name="imports_archive_cleanup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (import #{self.batch_id})"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES

    @property
    def progress_percent(self) -> int:
        if not self.entries_total:
            return 100 if self.is_final else 0
        return min(100, self.entries_done * 100 // self.entries_total)


class StagedAttachment(models.Model):
    """A document from the ZIP, waiting with its staged row for activation."""

    archive = models.ForeignKey(
        AttachmentArchive, on_delete=models.CASCADE, related_name="attachments"
    )
    row = models.ForeignKey(
        StagedRow, on_delete=models.CASCADE, related_name="attachments"
    )
    blob = models.ForeignKey(
        "results.AttachmentBlob",
        on_delete=models.PROTECT,
        related_name="staged_attachments",
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("staged attachment")
        verbose_name_plural = _("staged attachments")
        ordering = ["row", "original_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["row", "original_name"],
                name="imports_stagedattachment_one_name_per_row",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class ArchiveEntryOutcome(models.Model):
    """The outcome of one entry of an attachments ZIP, with its reason."""

    class Outcome(models.TextChoices):
        STORED = "stored", _("Stored")
        SKIPPED = "skipped", _("Skipped")
        REJECTED = "rejected", _("Rejected")

    archive = models.ForeignKey(
        AttachmentArchive, on_delete=models.CASCADE, related_name="entry_outcomes"
    )
    position = models.PositiveIntegerField(_("position in the ZIP"))
    name = models.TextField(_("entry name"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    code = models.CharField(_("reason"), max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("archive entry outcome")
        verbose_name_plural = _("archive entry outcomes")
        ordering = ["archive", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["archive", "position"],
                name="imports_archiveentryoutcome_one_per_entry",
            ),
        ]
        indexes = [
            # The import page: the rejected (or skipped) entries of one
            # archive, in ZIP order.
            models.Index(
                fields=["archive", "outcome", "position"],
                name="imports_entryoutcome_list_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"


@receiver(post_delete, sender=StagedAttachment)
def _staged_attachment_deleted(
    sender: type[StagedAttachment], instance: StagedAttachment, **kwargs: object
) -> None:
    # Deleting staged rows, or a whole import, cascades to their attachments,
    # and a blob that no attachment uses any more is deleted after the commit.
    from results.services.attachments import attachment_blob_release

    attachment_blob_release(instance.blob_id)
