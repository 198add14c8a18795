"""
The texts of the notifications the imports app sends, keyed by code.

Registered with ``users.notifications`` when the app starts. The parameters
each text uses are the ones the sending service stores.
"""

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from imports.models import Activation
from users.notifications import notification_message_register

NOTIFICATION_MESSAGES = {
    # Sent by activation_create.
    "activation_started": _(
        "Activation %(activation)s of import “%(file)s” has started: "
        "%(rows_phrase)s in %(groups_phrase)s."
    ),
    # Sent by activation_run when the last chunk is written.
    "activation_finished": ngettext_lazy(
        "Activation %(activation)s of import “%(file)s” has finished: %(done)s "
        "of %(rows)s row is now a result in the learner's portfolio.",
        "Activation %(activation)s of import “%(file)s” has finished: %(done)s "
        "of %(rows)s rows are now results in the learners' portfolios.",
        "rows",
    ),
    # Sent by activation_run on an unexpected error.
    "activation_failed": ngettext_lazy(
        "Activation %(activation)s of import “%(file)s” failed after %(done)s of "
        "%(rows)s row because of an internal error: %(error)s “%(detail)s”. "
        "The results written so far stay. Retry the activation once the cause "
        "is fixed.",
        "Activation %(activation)s of import “%(file)s” failed after %(done)s of "
        "%(rows)s rows because of an internal error: %(error)s “%(detail)s”. "
        "The results written so far stay. Retry the activation once the cause "
        "is fixed.",
        "rows",
    ),
    # Sent by the staging service when a file has been read.
    "import_staged": _(
        "Import “%(file)s” is ready for review: %(staged_phrase)s, %(rejected_phrase)s."
    ),
    # Sent by the staging service when a whole file was rejected.
    "import_failed": _(
        "Import “%(file)s” was rejected and nothing was staged. Open the import "
        "to see why and what to correct."
    ),
}

# Counted parts of the texts above, each choosing its plural form by the
# stored parameter it names.
NOTIFICATION_PHRASES: dict[str, dict[str, Promise]] = {
    "activation_started": {
        "rows_phrase": ngettext_lazy("%(rows)s row", "%(rows)s rows", "rows"),
        "groups_phrase": ngettext_lazy(
            "%(groups)s group", "%(groups)s groups", "groups"
        ),
    },
    "import_staged": {
        "staged_phrase": ngettext_lazy(
            "%(staged)s row staged", "%(staged)s rows staged", "staged"
        ),
        "rejected_phrase": ngettext_lazy(
            "%(rejected)s row rejected", "%(rejected)s rows rejected", "rejected"
        ),
    },
}

# Parameters that are counts, shown with digit grouping (“5.607” in Dutch).
NOTIFICATION_COUNTS = ("rows", "groups", "done", "staged", "rejected")


def notification_messages_register() -> None:
    """Register every text above. Calling it again changes nothing."""
    for code, message in NOTIFICATION_MESSAGES.items():
        notification_message_register(
            code,
            message,
            phrases=NOTIFICATION_PHRASES.get(code),
            counts=NOTIFICATION_COUNTS,
        )


def activation_link(activation: Activation) -> str:
    return reverse("imports:activation-detail", kwargs={"pk": activation.pk})


def activation_notification_params(
    activation: Activation, **extra: int | str
) -> dict[str, object]:
    params: dict[str, object] = {
        "activation": activation.pk,
        "batch": activation.batch_id,
        "file": activation.batch.original_name,
        "rows": activation.total_rows,
    }
    params.update(extra)
    return params
