"""
Fix and retry on an import's detail page.

Both actions add rows to an import that is still waiting for review: the
corrected report of rejected rows, uploaded again, and matching the rows of
unknown users again after those users were added.
"""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from imports.forms.corrections import CorrectedReportForm
from imports.messages import file_error_message
from imports.models import ImportBatch
from imports.services.report import rejected_lines_reimport, rejected_lines_rematch
from imports.views.batches import batch_detail_context
from learnlinq.errors import InputRejected
from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)

logger = logging.getLogger(__name__)


@require_POST
@settings_administrator_required
def rejected_reimport(request: HttpRequest, pk: int) -> HttpResponse:
    """
    Stage the rows of the uploaded corrected report into this import.

    A refused file renders the detail page again with the reason on the
    form, with status 200 like any invalid form, and nothing staged.
    """
    batch = object_for_administrator(
        request, ImportBatch.objects.select_related("created_by"), pk=pk
    )
    form = CorrectedReportForm(request.POST, request.FILES)

    if form.is_valid():
        try:
            outcome = rejected_lines_reimport(
                batch=batch, data=form.cleaned_data["file"].read()
            )
        except InputRejected as error:
            logger.info(
                "Corrected report for batch %s rejected for user %s: %s",
                batch.pk,
                request.user.pk,
                error.code,
            )
            form.add_error("file", file_error_message(error.code, error.params))
        else:
            batch = outcome.batch
            messages.success(
                request, staged_message(outcome.staged, batch.rejected_count)
            )
            # The form posts to "#fix-rejected", so the page with its errors
            # opens at the form. A redirect without a fragment would inherit
            # it, and "#top" shows the success message instead.
            return redirect(reverse("imports:detail", args=[batch.pk]) + "#top")

    return render(
        request,
        "imports/batch_detail.html",
        batch_detail_context(request, batch, report_form=form),
    )


@require_POST
@settings_administrator_required
def rejected_rematch(request: HttpRequest, pk: int) -> HttpResponse:
    """Match the rows rejected for an unknown user again, then show the import."""
    batch = object_for_administrator(request, ImportBatch.objects.all(), pk=pk)

    try:
        outcome = rejected_lines_rematch(batch=batch)
    except InputRejected as error:
        logger.info(
            "Matching again for batch %s rejected for user %s: %s",
            batch.pk,
            request.user.pk,
            error.code,
        )
        messages.error(request, file_error_message(error.code, error.params))
        return redirect("imports:detail", pk=batch.pk)

    messages.success(
        request, staged_message(outcome.staged, outcome.batch.rejected_count)
    )
    return redirect("imports:detail", pk=batch.pk)


def staged_message(staged: int, rejected: int) -> str:
    """Return the message with the rows just staged and the import's rejected rows."""
    text = ngettext(
        "%(staged)s row staged.",
        "%(staged)s rows staged.",
        staged,
    ) % {"staged": staged}
    if not rejected:
        text += " " + _("No rejected rows are left.")
    else:
        text += " " + ngettext(
            "%(rejected)s row is still rejected; its reason is listed below.",
            "%(rejected)s rows are still rejected; their reasons are listed below.",
            rejected,
        ) % {"rejected": rejected}
    return text
