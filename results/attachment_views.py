"""Downloading result attachments, and the attachment storage page."""

import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from learnlinq.permissions import (
    settings_administrator_required,
    user_is_settings_administrator,
)
from results.models import AttachmentBlob, ResultAttachment
from results.services.attachments import attachment_storage_usage

logger = logging.getLogger(__name__)


def attachment_file_response(
    blob: AttachmentBlob, *, original_name: str, content_type: str
) -> FileResponse:
    """
    Stream a stored file as a download under its original name.

    ``FileResponse`` writes the name into ``Content-Disposition`` with the
    RFC 5987 ``filename*`` form when it is not plain ASCII, so any Unicode
    name survives.
    """
    try:
        handle = blob.file.open("rb")
    except FileNotFoundError:
        logger.error("File of attachment blob %s is missing from storage", blob.pk)
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=original_name,
        content_type=content_type,
    )


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """
    Download a result's attachment: for its learner and settings administrators.

    Anybody else gets a 404, the same as for an attachment that does not
    exist, so attachment ids reveal nothing.
    """
    attachment = get_object_or_404(
        ResultAttachment.objects.select_related("blob", "result"), pk=pk
    )
    own = attachment.result.learner_id == request.user.pk
    if not own and not user_is_settings_administrator(request.user):
        raise Http404

    return attachment_file_response(
        attachment.blob,
        original_name=attachment.original_name,
        content_type=attachment.content_type,
    )


@require_GET
@settings_administrator_required
def storage(request: HttpRequest) -> HttpResponse:
    """Show the storage used by attachments against the organisation's quota."""
    return render(
        request, "results/storage.html", {"usage": attachment_storage_usage()}
    )
