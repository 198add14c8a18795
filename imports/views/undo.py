"""
Pages that undo work: roll back an activation, cancel one, discard an import.

Each page shows what the action will do on GET and acts only on a POST, so
a link or a prefetch never deletes anything.
"""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from imports.messages import activation_error_message
from imports.models import Activation, ImportBatch
from imports.services.rollback import (
    activation_cancel,
    activation_rollback,
    activation_rollback_preview,
    import_batch_discard,
    import_batch_discard_preview,
)
from learnlinq.errors import InputRejected
from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)

logger = logging.getLogger(__name__)


@settings_administrator_required
@require_http_methods(["GET", "POST"])
def activation_rollback_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview a rollback on GET; roll the activation back on POST."""
    activation = object_for_administrator(
        request, Activation.objects.select_related("batch", "created_by"), pk=pk
    )

    if request.method == "POST":
        try:
            outcome = activation_rollback(
                activation=activation,
                rolled_back_by=request.user,  # type: ignore[arg-type]
            )
        except InputRejected as error:
            messages.error(request, activation_error_message(error.code, error.params))
        else:
            deleted = ngettext(
                "%(count)s result deleted", "%(count)s results deleted", outcome.results
            ) % {"count": number_format(outcome.results)}
            back = ngettext(
                "%(count)s row is back on the review page",
                "%(count)s rows are back on the review page",
                outcome.rows,
            ) % {"count": number_format(outcome.rows)}
            messages.success(
                request,
                _("Activation %(activation)s was rolled back: %(deleted)s, %(back)s.")
                % {"activation": activation.pk, "deleted": deleted, "back": back},
            )
            return redirect("imports:review", pk=activation.batch_id)
        return redirect("imports:activation-rollback", pk=activation.pk)

    preview = activation_rollback_preview(activation=activation)
    return render(
        request,
        "imports/undo/rollback.html",
        {"activation": activation, "preview": preview},
    )


@settings_administrator_required
@require_http_methods(["GET", "POST"])
def activation_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for confirmation on GET; cancel the activation on POST."""
    activation = object_for_administrator(
        request, Activation.objects.select_related("batch"), pk=pk
    )

    if request.method == "POST":
        try:
            outcome = activation_cancel(
                activation=activation,
                cancelled_by=request.user,  # type: ignore[arg-type]
            )
        except InputRejected as error:
            messages.error(request, activation_error_message(error.code, error.params))
        else:
            done = ngettext(
                "%(count)s row had become a result",
                "%(count)s rows had become results",
                outcome.done_rows,
            ) % {"count": number_format(outcome.done_rows)}
            back = ngettext(
                "%(count)s row is back on the review page",
                "%(count)s rows are back on the review page",
                outcome.released_rows,
            ) % {"count": number_format(outcome.released_rows)}
            messages.success(
                request,
                _("Activation %(activation)s was cancelled: %(done)s, %(back)s.")
                % {"activation": activation.pk, "done": done, "back": back},
            )
        return redirect("imports:activation-detail", pk=activation.pk)

    return render(request, "imports/undo/cancel.html", {"activation": activation})


@settings_administrator_required
@require_http_methods(["GET", "POST"])
def import_batch_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview discarding an import on GET; discard it on POST."""
    batch = object_for_administrator(request, ImportBatch.objects.all(), pk=pk)

    if request.method == "POST":
        try:
            deleted = import_batch_discard(
                batch=batch,
                discarded_by=request.user,  # type: ignore[arg-type]
            )
        except InputRejected as error:
            messages.error(request, activation_error_message(error.code, error.params))
            return redirect("imports:discard", pk=batch.pk)
        messages.success(
            request,
            ngettext(
                "Import %(batch)s was discarded: %(rows)s staged row deleted.",
                "Import %(batch)s was discarded: %(rows)s staged rows deleted.",
                deleted,
            )
            % {"batch": batch.pk, "rows": number_format(deleted)},
        )
        return redirect("imports:detail", pk=batch.pk)

    preview = import_batch_discard_preview(batch=batch)
    return render(
        request, "imports/undo/discard.html", {"batch": batch, "preview": preview}
    )
