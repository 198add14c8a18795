"""Pages of one import and the list of imports: state, counts, rejected lines."""

import logging
from pathlib import Path
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from imports.forms.corrections import CorrectedReportForm
from imports.messages import file_error_message, rejection_message, warning_message
from imports.models import AttachmentArchive, ImportBatch
from imports.reading.signatures import ZIP_SIGNATURES
from imports.selectors import BatchCounts, batch_counts
from imports.services.report import rejected_lines_csv
from imports.services.settings import ImportSettings
from imports.views.attachments import archive_status_payload
from imports.views.settings_summary import settings_summary
from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)

logger = logging.getLogger(__name__)

BATCHES_PAGE_SIZE = 25
REJECTED_PAGE_SIZE = 50


@require_GET
@settings_administrator_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """List every import, newest first, with its state and counts."""
    batches = ImportBatch.objects.select_related("created_by").order_by(
        "-created_at", "-id"
    )
    page = Paginator(batches, BATCHES_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = batch_counts(batches=list(page))
    return render(
        request,
        "imports/batch_list.html",
        {
            "page_obj": page,
            "batch_rows": [(batch, counts[batch.pk]) for batch in page],
        },
    )


@require_GET
@settings_administrator_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one import: file, settings, state, counts, warnings, rejected lines."""
    batch = object_for_administrator(
        request, ImportBatch.objects.select_related("created_by"), pk=pk
    )
    return render(
        request, "imports/batch_detail.html", batch_detail_context(request, batch)
    )


def batch_detail_context(
    request: HttpRequest,
    batch: ImportBatch,
    *,
    report_form: CorrectedReportForm | None = None,
) -> dict[str, Any]:
    """
    Build the detail page's context.

    A view that takes the corrected report renders the page again with its
    bound ``report_form``, so the errors show next to the upload field.
    """
    rejected = Paginator(
        batch.rejected_lines.order_by("line").only("line", "code", "params", "values"),
        REJECTED_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rejected_rows = [
        {
            "line": rejected_line.line,
            "message": rejection_message(rejected_line.code, rejected_line.params),
            "values": rejected_line.values,
        }
        for rejected_line in rejected
    ]

    is_staged = batch.state == ImportBatch.State.STAGED
    counts = batch_counts(batches=[batch])[batch.pk]
    is_workbook = batch_is_workbook(batch)
    return {
        "batch": batch,
        "counts": counts,
        "is_workbook": is_workbook,
        "settings_rows": settings_summary(
            ImportSettings.from_batch(batch), is_workbook=is_workbook
        ),
        "nothing_to_review": nothing_to_review_reason(batch, counts),
        "file_error": batch_file_error(batch),
        "warnings": batch_warnings(batch),
        "rejected_page": rejected,
        "rejected_rows": rejected_rows,
        "page_obj": rejected,
        # A bound form is shown whatever the state, so its errors are seen.
        "report_form": report_form or (CorrectedReportForm() if is_staged else None),
        "user_not_found_count": (
            batch.rejected_lines.filter(code="user_not_found").count()
            if is_staged
            else 0
        ),
    }


@require_GET
@settings_administrator_required
def batch_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Return the import's state and counts for the detail page to poll."""
    batch = object_for_administrator(request, ImportBatch.objects.all(), pk=pk)
    counts = batch_counts(batches=[batch])[batch.pk]
    reason = nothing_to_review_reason(batch, counts)
    return JsonResponse(
        {
            "state": batch.state,
            "status": counts.status,
            "state_label": counts.status_label,
            "is_final": batch.is_final,
            # rows_read == staged + not_passed + rejected, and
            # staged == waiting + activated + deleted.
            "rows_read": counts.rows_read,
            "staged": counts.staged,
            "not_passed": counts.not_passed,
            "rejected": counts.rejected,
            "waiting": counts.waiting,
            "activated": counts.activated,
            "deleted": counts.deleted,
            "nothing_to_review": bool(reason),
            "nothing_to_review_reason": reason,
            "file_error": batch_file_error(batch),
            "attachments": archive_status_payload(
                AttachmentArchive.objects.filter(batch=batch).first()
            ),
        }
    )


@require_GET
@settings_administrator_required
def rejected_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Stream the rejected lines as CSV, so they can be corrected and imported again."""
    batch = object_for_administrator(request, ImportBatch.objects.all(), pk=pk)
    stem = Path(batch.original_name).stem or "import"
    filename = _("%(name)s-rejected.csv") % {"name": stem}

    logger.info(
        "Rejected lines of batch %s downloaded by user %s", batch.pk, request.user.pk
    )
    response = StreamingHttpResponse(
        rejected_lines_csv(batch=batch), content_type="text/csv; charset=utf-8"
    )
    # content_disposition_header adds filename* for names with non-ASCII text.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


def batch_file_error(batch: ImportBatch) -> str:
    """Return the translated whole-file fault of a failed import, or ''."""
    if not batch.file_error_code:
        return ""
    return file_error_message(batch.file_error_code, batch.file_error_params)


def batch_warnings(batch: ImportBatch) -> list[str]:
    """
    Return the import's stored notices as translated sentences.

    Each stored warning is a code with parameters and an optional line, the
    same shape as a reading notice.
    """
    texts = []
    for warning in batch.warnings or []:
        code = warning.get("code", "")
        params = dict(warning.get("params") or {})
        if warning.get("line") is not None:
            params.setdefault("line", warning["line"])
        texts.append(warning_message(code, params))
    return texts


def nothing_to_review_reason(batch: ImportBatch, counts: BatchCounts) -> str:
    """
    Return why a staged import has no rows to review, or '' if it has some.

    ``no_data_rows``: the file had a header and no data rows.
    ``all_rejected``: every data row was rejected or not passed.
    ``activated``: every staged row was activated or deleted, some activated.
    ``all_deleted``: every staged row was deleted.
    """
    if batch.state != ImportBatch.State.STAGED or counts.waiting:
        return ""
    if not batch.rows_read:
        return "no_data_rows"
    if not counts.staged:
        return "all_rejected"
    return "activated" if counts.activated else "all_deleted"


def batch_is_workbook(batch: ImportBatch) -> bool:
    """
    Return whether the import's file is an .xlsx workbook, from its content.

    The reader decides by content too, so a workbook named ``.csv`` counts.
    An .xlsx file is a ZIP archive and a CSV file never starts like one.
    """
    try:
        with batch.source_file.open("rb") as source:
            start = source.read(4)
    except (OSError, ValueError) as error:
        logger.warning(
            "Import %s: reading the file failed, so its name decides the kind: %s",
            batch.pk,
            error,
        )
        return batch.original_name.lower().endswith(".xlsx")
    return start.startswith(ZIP_SIGNATURES)
