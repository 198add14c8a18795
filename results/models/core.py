from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learnlinq.models import TimeStampedModel


class ExternalResult(TimeStampedModel):
    """
    A learning activity that took place outside the LMS, kept in the library.

    Results point to it, and learning paths can accept it as a substitute for
    one of their own activities.
    """

    title = models.CharField(_("title"), max_length=255)
    library_title = models.CharField(_("library title"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("External Result")
        verbose_name_plural = _("External Results")
        ordering = ["library_title", "id"]

    def __str__(self) -> str:
        return self.library_title or self.title


class Result(TimeStampedModel):
    """
    One learner's passed learning activity, as shown in their portfolio.

    ``source_batch_id`` and ``source_line`` are plain numbers, not foreign
    keys: results may arrive by other routes than an import, and this app does
    not depend on the imports app.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="results"
    )
    achieved_on = models.DateField(_("date achieved"))
    achieved_time = models.TimeField(_("time achieved"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    external_result = models.ForeignKey(
        ExternalResult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="results",
    )
    portfolio_only = models.BooleanField(
        _("portfolio only"),
        default=False,
        help_text=_("Shown in the portfolio, never linked to a learning path."),
    )
    source_batch_id = models.PositiveBigIntegerField(_("import"), null=True, blank=True)
    source_line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    source_result_id = models.CharField(_("ResultId"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            # An activation that runs twice, or again after a crash, writes
            # each imported line at most once.
            models.UniqueConstraint(
                fields=["source_batch_id", "source_line"],
                condition=models.Q(source_batch_id__isnull=False),
                name="results_result_one_per_source_line",
            ),
            models.CheckConstraint(
                condition=models.Q(portfolio_only=False)
                | models.Q(external_result__isnull=True),
                name="results_result_portfolio_only_unlinked",
            ),
        ]
        indexes = [
            # The portfolio page: one learner's results, newest first.
            models.Index(
                fields=["learner", "-achieved_on"], name="results_portfolio_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.achieved_on:%Y-%m-%d})"
