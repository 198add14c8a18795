from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from learnlinq.models import TimeStampedModel
from results.models.core import Result

BLOB_PREFIX = "attachments"


def attachment_blob_key(sha256: str) -> str:
    """
    Return the storage name of the file with this content hash.

    Names derive from the content alone, so two uploads cannot collide and an
    entry name from a ZIP never becomes a path. Two levels of folders keep any
    one folder small on file-system storage.
    """
    return f"{BLOB_PREFIX}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _blob_upload_to(instance: "AttachmentBlob", filename: str) -> str:
    return attachment_blob_key(instance.sha256)


class AttachmentBlob(TimeStampedModel):
    """
    One stored file, shared by every attachment with the same content.

    A blob lives as long as a staged or result attachment refers to it. The
    foreign keys to it protect it, and pruning deletes blobs without references.
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("file"), upload_to=_blob_upload_to, max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("attachment file")
        verbose_name_plural = _("attachment files")
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"], name="results_attachmentblob_sha256_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.sha256


class ResultAttachment(TimeStampedModel):
    """A document attached to a result, such as a diploma or a certificate."""

    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="attachments"
    )
    blob = models.ForeignKey(
        AttachmentBlob, on_delete=models.PROTECT, related_name="result_attachments"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["result", "original_name", "id"]
        constraints = [
            # Activation copies attachments with "insert, ignore conflicts",
            # so running it twice leaves one copy.
            models.UniqueConstraint(
                fields=["result", "original_name"],
                name="results_resultattachment_one_name_per_result",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


@receiver(post_delete, sender=ResultAttachment)
def _result_attachment_deleted(
    sender: type[ResultAttachment], instance: ResultAttachment, **kwargs: object
) -> None:
    # Imported here because the services module imports these models.
    from results.services.attachments import attachment_blob_release

    attachment_blob_release(instance.blob_id)
