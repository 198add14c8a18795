from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from learnlinq.models import TimeStampedModel


class User(AbstractUser):
    """A person in the organisation: a learner, and possibly an administrator."""

    # One display name instead of Django's first and last name: imported
    # registers hold whole names, in every naming order.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("name"), max_length=255, blank=True)
    import_id = models.CharField(
        _("import ID"),
        max_length=255,
        null=True,
        blank=True,
        help_text=_("Identifier from the HR system, used to match imported rows."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("settings_administrator", _("Can import and activate results")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["import_id"],
                condition=models.Q(import_id__isnull=False),
                name="users_user_import_id_unique",
            ),
        ]
        indexes = [
            # Matching imported rows on e-mail ignores case.
            models.Index(Lower("email"), name="users_user_email_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def is_settings_administrator(self) -> bool:
        return self.is_active and self.has_perm("users.settings_administrator")


class FreeField(TimeStampedModel):
    """A field an administrator adds to every user, named ``custom_<something>``."""

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        DATE = "date", _("Date")

    name = models.CharField(_("name"), max_length=100, unique=True)
    label = models.CharField(_("label"), max_length=255, blank=True)
    type = models.CharField(
        _("type"), max_length=10, choices=Type.choices, default=Type.TEXT
    )

    class Meta:
        verbose_name = _("free field")
        verbose_name_plural = _("free fields")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(name__startswith="custom_"),
                name="users_freefield_name_custom_prefix",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.name


class FreeFieldValue(models.Model):
    """The value one user has for one free field, stored as text."""

    field = models.ForeignKey(
        FreeField, on_delete=models.CASCADE, related_name="values"
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="free_field_values"
    )
    # Dates are stored as ISO text so one indexed column serves every type.
    value = models.CharField(_("value"), max_length=255)

    class Meta:
        verbose_name = _("free field value")
        verbose_name_plural = _("free field values")
        constraints = [
            models.UniqueConstraint(
                fields=["field", "user"], name="users_freefieldvalue_one_per_user"
            ),
        ]
        indexes = [
            # Matching imported rows on a free field: WHERE field_id = ? AND
            # value IN (...).
            models.Index(fields=["field", "value"], name="users_ffv_field_value_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field.name}={self.value}"


class Notification(TimeStampedModel):
    """
    An in-app message to one user, such as "activation finished".

    The text is stored as a message code with parameters and translated when
    shown, so each reader sees it in their own language.
    """

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications"
    )
    code = models.CharField(_("code"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread count in the page header.
            models.Index(
                fields=["recipient", "read_at"], name="users_notif_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} for {self.recipient_id}"
