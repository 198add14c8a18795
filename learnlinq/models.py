from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base that records when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """
    One recorded administrator action, such as an import, an activation or an undo.

    The target is stored as a type name and an id instead of a foreign key, so
    an event outlives the object it describes and this app imports no other.
    """

    class Verb(models.TextChoices):
        IMPORTED = "imported", _("imported a file")
        ROWS_DELETED = "rows_deleted", _("deleted staged rows")
        ACTIVATED = "activated", _("started an activation")
        ROLLED_BACK = "rolled_back", _("rolled back an activation")
        DISCARDED = "discarded", _("discarded an import")
        MERGED = "merged", _("merged External Results")
        CANCELLED = "cancelled", _("cancelled an activation")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    verb = models.CharField(_("action"), max_length=32, choices=Verb.choices)
    target_type = models.CharField(_("target type"), max_length=64)
    target_id = models.PositiveBigIntegerField(_("target id"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The audit page: every event, newest first.
            models.Index(
                fields=["-created_at", "-id"], name="learnlinq_audit_recent_idx"
            ),
            # "What happened to this import / activation": one target's events.
            models.Index(
                fields=["target_type", "target_id"], name="learnlinq_audit_target_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type}#{self.target_id}"


class WorkerHeartbeat(models.Model):
    """
    The last sign of life of one Celery worker, written by the worker itself.

    Status pages compare ``seen_at`` with the clock to tell a job that waits
    its turn from one that waits for a worker that is not running.
    """

    hostname = models.CharField(_("worker"), max_length=255, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.hostname
