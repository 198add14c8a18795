"""The audit log page for settings administrators."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from learnlinq.models import AuditEvent
from learnlinq.permissions import settings_administrator_required

AUDIT_PAGE_SIZE = 100

# Labels of the count names the services store with their events.
COUNT_LABELS = {
    "bytes": _("bytes"),
    "rows": _("rows"),
    "groups": _("groups"),
    "results": _("results"),
    "sources": _("External Results merged"),
    "substitute_links": _("substitute links added"),
    "participations": _("participations recalculated"),
    "deleted": _("records deleted"),
    "done": _("rows written"),
    "released": _("rows back in review"),
}


def _counts_labelled(counts: dict[str, object]) -> list[tuple[str, object]]:
    return [
        (str(COUNT_LABELS.get(name, name)), value) for name, value in counts.items()
    ]


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
    rows = [(event, _counts_labelled(event.counts)) for event in page.object_list]
    return render(
        request,
        "learnlinq/audit.html",
        {
            "page_obj": page,
            "rows": rows,
            "verb": verb,
            "verbs": AuditEvent.Verb.choices,
            "query_prefix": f"verb={verb}&" if verb else "",
        },
    )
