from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learnlinq.models import TimeStampedModel


class UserField(models.TextChoices):
    """The user attribute that a file's ``UserId`` column is matched on."""

    IMPORT_ID = "import_id", _("ImportID")
    USERNAME = "username", _("Username")
    EMAIL = "email", _("E-mail address")
    # Free fields are stored as their own name, ``custom_<something>``.


class ImportBatch(TimeStampedModel):
    """One uploaded results file, the choices it was read with, and its outcome."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        STAGING = "staging", _("Reading the file")
        STAGED = "staged", _("Ready for review")
        FAILED = "failed", _("Rejected")
        DISCARDED = "discarded", _("Discarded")

    class DuplicatePolicy(models.TextChoices):
        SKIP = "skip", _("List duplicates as not imported")
        KEEP = "keep", _("Stage duplicates anyway")

    FINAL_STATES = frozenset({State.STAGED, State.FAILED, State.DISCARDED})

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("imported by"),
    )
    source_file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))

    user_field = models.CharField(_("match UserId on"), max_length=100)
    delimiter = models.CharField(_("delimiter"), max_length=4, default=";")
    quotechar = models.CharField(
        _("text qualifier"), max_length=1, blank=True, default='"'
    )
    encoding = models.CharField(_("encoding"), max_length=40, default="utf-8")
    date_format = models.CharField(_("date format"), max_length=40)
    # Standard field name -> column name in the file, and standard field name
    # -> fixed value used for every row (title and tags only).
    column_map = models.JSONField(_("column mapping"), default=dict, blank=True)
    fixed_values = models.JSONField(_("fixed values"), default=dict, blank=True)
    passed_column = models.CharField(_("status column"), max_length=255, blank=True)
    passed_values = models.JSONField(_("passed values"), default=list, blank=True)
    duplicate_policy = models.CharField(
        _("duplicates"),
        max_length=10,
        choices=DuplicatePolicy.choices,
        default=DuplicatePolicy.SKIP,
    )
    # Empty for a CSV file, or for a workbook read from its first sheet.
    sheet_name = models.CharField(_("sheet"), max_length=255, blank=True)

    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    celery_task_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("data rows read"), default=0)
    staged_count = models.PositiveIntegerField(_("rows staged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rows rejected"), default=0)
    not_passed_count = models.PositiveIntegerField(_("rows not passed"), default=0)
    file_error_code = models.CharField(max_length=64, blank=True)
    file_error_params = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # Rows that repeat another row, a waiting staged row or a result. With
    # the "skip" policy they are part of rejected_count, with "keep" staged.
    duplicate_count = models.PositiveIntegerField(_("duplicate rows"), default=0)
    # The column names as read, for the downloadable report of rejected rows.
    header = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES


class StagedRow(models.Model):
    """
    A data row that was read and matched to a learner, waiting for review.

    Nothing here is visible to learners until an activation turns the row
    into a result.
    """

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="staged_rows"
    )
    line = models.PositiveIntegerField(_("line"))
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    achieved_on = models.DateField(_("date achieved"))
    achieved_time = models.TimeField(_("time achieved"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    # Tags as the user wrote them, and a case- and order-insensitive key that
    # review groups on.
    tags = models.JSONField(_("tags"), default=list, blank=True)
    tags_key = models.TextField(blank=True, default="")
    result_id = models.CharField(_("ResultId"), max_length=255, blank=True)

    activation_group = models.ForeignKey(
        "ActivationGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rows",
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staged row")
        verbose_name_plural = _("staged rows")
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "line"], name="imports_stagedrow_one_per_line"
            ),
        ]
        indexes = [
            # Review: the rows of one import not yet claimed by an
            # activation, grouped by title and tags.
            models.Index(
                fields=["batch", "activation_group", "title", "tags_key"],
                name="imports_stagedrow_review_idx",
            ),
            # Activation: the claimed rows of a group not yet written.
            models.Index(
                fields=["activation_group", "activated_at"],
                name="imports_stagedrow_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"


class RejectedLine(models.Model):
    """A data row that was not staged, with the reason as a code and parameters."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rejected_lines"
    )
    line = models.PositiveIntegerField(_("line"))
    code = models.CharField(_("reason"), max_length=64)
    params = models.JSONField(default=dict, blank=True)
    # The row's cells as read, so the rejected rows can be downloaded,
    # corrected and uploaded again.
    values = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("rejected line")
        verbose_name_plural = _("rejected lines")
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "line"], name="imports_rejectedline_one_per_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.code}"


class Activation(TimeStampedModel):
    """A background job that turns the staged rows of selected groups into results."""

    class Mode(models.TextChoices):
        MERGE = "merge", _("Merge into one External Result")
        INDIVIDUAL = "individual", _("One External Result per group")
        PORTFOLIO = "portfolio", _("Portfolio only")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        ROLLED_BACK = "rolled_back", _("Rolled back")

    FINAL_STATES = frozenset(
        {State.FINISHED, State.FAILED, State.CANCELLED, State.ROLLED_BACK}
    )

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="activations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activations",
        verbose_name=_("activated by"),
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)

    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    celery_task_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The activations page: pending and running jobs first.
            models.Index(fields=["state", "created_at"], name="imports_act_state_idx"),
        ]

    def __str__(self) -> str:
        return f"activation #{self.pk}"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_final else 0
        return min(100, self.done_rows * 100 // self.total_rows)


class ActivationGroup(models.Model):
    """One review group (title + tags) inside an activation, and its target."""

    activation = models.ForeignKey(
        Activation, on_delete=models.CASCADE, related_name="groups"
    )
    title = models.CharField(_("title"), max_length=255)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    tags_key = models.TextField(blank=True, default="")
    # Null only in portfolio mode.
    external_result = models.ForeignKey(
        "results.ExternalResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("activation group")
        verbose_name_plural = _("activation groups")

    def __str__(self) -> str:
        return self.title
