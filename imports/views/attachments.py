"""The attachments of an import: progress, entry outcomes, and staged downloads."""

from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from imports.messages import attachment_message, file_error_message
from imports.models import (
    ArchiveEntryOutcome,
    AttachmentArchive,
    ImportBatch,
    StagedAttachment,
)
from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)
from results.attachment_views import attachment_file_response

OUTCOMES_PAGE_SIZE = 100


def archive_status_payload(archive: AttachmentArchive | None) -> dict[str, Any] | None:
    """Return the archive's progress as JSON-ready values, or None without a ZIP."""
    if archive is None:
        return None
    return {
        "state": archive.state,
        "state_label": str(archive.get_state_display()),
        "is_final": archive.is_final,
        "percent": archive.progress_percent,
        "entries_total": archive.entries_total,
        "entries_done": archive.entries_done,
        "stored": archive.stored_count,
        "skipped": archive.skipped_count,
        "rejected": archive.rejected_count,
        "bytes_stored": archive.bytes_stored,
        "failure": (
            file_error_message(archive.failure_code, archive.failure_params)
            if archive.failure_code
            else ""
        ),
    }


def _archive_of(request: HttpRequest, pk: int) -> AttachmentArchive:
    batch = object_for_administrator(request, ImportBatch.objects.all(), pk=pk)
    archive = AttachmentArchive.objects.filter(batch=batch).first()
    if archive is None:
        raise Http404
    return archive


@require_GET
@settings_administrator_required
def attachments_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Return the progress of import ``pk``'s ZIP for its page to poll."""
    return JsonResponse(archive_status_payload(_archive_of(request, pk)))


@require_GET
@settings_administrator_required
def attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the ZIP of import ``pk``: progress, then every entry with its outcome."""
    archive = _archive_of(request, pk)

    outcomes = archive.entry_outcomes.order_by("position")
    outcome_filter = request.GET.get("outcome", "")
    if outcome_filter in ArchiveEntryOutcome.Outcome.values:
        outcomes = outcomes.filter(outcome=outcome_filter)
    page = Paginator(outcomes, OUTCOMES_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "position": outcome.position + 1,
            "name": outcome.name,
            "outcome": outcome.outcome,
            "outcome_label": outcome.get_outcome_display(),
            "message": attachment_message(outcome.code, outcome.params)
            if outcome.code
            else "",
        }
        for outcome in page
    ]

    return render(
        request,
        "imports/attachments.html",
        {
            "batch": archive.batch,
            "archive": archive,
            "status": archive_status_payload(archive),
            "rows": rows,
            "page_obj": page,
            "outcome_filter": outcome_filter,
            "query_prefix": f"outcome={outcome_filter}&" if outcome_filter else "",
        },
    )


@require_GET
@settings_administrator_required
def staged_attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Download a staged attachment, for settings administrators only."""
    attachment = object_for_administrator(
        request, StagedAttachment.objects.select_related("blob"), pk=pk
    )
    return attachment_file_response(
        attachment.blob,
        original_name=attachment.original_name,
        content_type=attachment.content_type,
    )
