from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learnlinq.models import TimeStampedModel
from results.models.core import ExternalResult, Result


class LearningPath(TimeStampedModel):
    """A course of sections and learning activities that learners are enrolled in."""

    title = models.CharField(_("title"), max_length=255)

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """A titled part of a learning path that orders its activities."""

    path = models.ForeignKey(
        LearningPath,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("learning path"),
    )
    title = models.CharField(_("title"), max_length=255)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["path", "position", "id"]

    def __str__(self) -> str:
        return self.title


class LearningActivity(models.Model):
    """
    One thing a learner must pass in a learning path.

    A result for one of the ``substitutes`` passes the activity; with
    ``validity_months`` set, only while the result is younger than that.
    """

    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("section"),
    )
    title = models.CharField(_("title"), max_length=255)
    position = models.PositiveIntegerField(_("position"), default=0)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty when a pass never expires."),
    )
    substitutes = models.ManyToManyField(
        ExternalResult,
        blank=True,
        related_name="substitute_for",
        verbose_name=_("counts as substitute learning activity"),
        help_text=_("A result for any of these External Results passes this activity."),
    )

    class Meta:
        verbose_name = _("learning activity")
        verbose_name_plural = _("learning activities")
        ordering = ["section", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Participation(TimeStampedModel):
    """One learner's enrolment in a learning path, with the path's overall status."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        PASSED = "passed", _("Passed")

    path = models.ForeignKey(
        LearningPath,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("learning path"),
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("learner"),
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolled by"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.IN_PROGRESS,
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["path", "learner"]
        constraints = [
            models.UniqueConstraint(
                fields=["path", "learner"], name="results_participation_one_per_path"
            ),
        ]
        indexes = [
            # Recalculation after an activation: the participations of a
            # chunk's learners (learner_id IN (...)).
            models.Index(fields=["learner"], name="results_participation_lrn_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.path_id}"


class ActivityStatus(models.Model):
    """The status of one participant on one learning activity of their path."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        PASSED = "passed", _("Passed")
        EXPIRED = "expired", _("Expired")

    participation = models.ForeignKey(
        Participation,
        on_delete=models.CASCADE,
        related_name="activity_statuses",
        verbose_name=_("participation"),
    )
    activity = models.ForeignKey(
        LearningActivity,
        on_delete=models.CASCADE,
        related_name="statuses",
        verbose_name=_("learning activity"),
    )

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.NOT_STARTED,
    )
    passed_on = models.DateField(_("passed on"), null=True, blank=True)
    # The result that decided the status; cleared when that result is
    # deleted, and set again by the next recalculation.
    result = models.ForeignKey(
        Result,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activity_statuses",
        verbose_name=_("result"),
    )
    renewal_due_on = models.DateField(_("renewal due"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity status")
        verbose_name_plural = _("activity statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "activity"],
                name="results_activitystatus_one_per_activity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.status}"
