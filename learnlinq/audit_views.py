"""The audit log page for settings administrators."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from learnlinq.models import AuditEvent
from learnlinq.permissions import settings_administrator_required

AUDIT_PAGE_SIZE = 100


@settings_administrator_required
@require_http_methods(["GET"])
def audit_log(request: HttpRequest) -> HttpResponse:
    """List recorded actions newest first, optionally of one kind."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    verb = request.GET.get("verb", "")
    if verb in AuditEvent.Verb.values:
        events = events.filter(verb=verb)
    else:
        verb = ""

    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learnlinq/audit.html",
        {
            "page_obj": page,
            "verb": verb,
            "verbs": AuditEvent.Verb.choices,
            "query_prefix": f"verb={verb}&" if verb else "",
        },
    )
