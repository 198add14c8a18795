"""Pages of the External Results library: list, detail, edit and merge."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from learnlinq.errors import InputRejected
from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)
from results.library import (
    external_result_results,
    external_results_search,
    library_entries,
)
from results.library_forms import ExternalResultForm, LibrarySearchForm, MergeForm
from results.messages import error_message
from results.models import ExternalResult
from results.services.library import (
    MergeOutcome,
    external_result_update,
    external_results_merge,
)

logger = logging.getLogger(__name__)

LIBRARY_PAGE_SIZE = 50
RESULTS_PAGE_SIZE = 100
# Merge candidates shown at once; the search narrows the list further.
MERGE_CANDIDATES_SHOWN = 200


@settings_administrator_required
@require_http_methods(["GET"])
def library(request: HttpRequest) -> HttpResponse:
    """List External Results with their counts, imports and substituted activities."""
    form = LibrarySearchForm(request.GET)
    search = form.cleaned_data["q"] if form.is_valid() else ""

    page = Paginator(
        external_results_search(search=search), LIBRARY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    entries = library_entries(external_results=list(page.object_list))

    return render(
        request,
        "results/library.html",
        {
            "form": form,
            "search": search,
            "page_obj": page,
            "entries": entries,
            "query_prefix": urlencode({"q": search}) + "&" if search else "",
        },
    )


@settings_administrator_required
@require_http_methods(["GET"])
def external_result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one External Result and its results with learner and date, paginated."""
    queryset = ExternalResult.objects.annotate(
        result_count=Count("results"),
        learner_count=Count("results__learner", distinct=True),
    )
    external_result = object_for_administrator(request, queryset, pk=pk)
    entry = library_entries(external_results=[external_result])[0]

    page = Paginator(
        external_result_results(external_result=external_result), RESULTS_PAGE_SIZE
    ).get_page(request.GET.get("page"))

    return render(
        request,
        "results/external_result_detail.html",
        {"entry": entry, "external_result": external_result, "page_obj": page},
    )


@settings_administrator_required
@require_http_methods(["GET", "POST"])
def external_result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an External Result's title and library title."""
    external_result = object_for_administrator(
        request, ExternalResult.objects.all(), pk=pk
    )
    form = ExternalResultForm(request.POST or None, instance=external_result)

    if request.method == "POST" and form.is_valid():
        try:
            external_result_update(
                external_result=external_result,
                title=form.cleaned_data["title"],
                library_title=form.cleaned_data["library_title"],
            )
        except InputRejected as error:
            form.add_error(None, error_message(error.code, error.params))
        else:
            messages.success(request, _("The External Result was saved."))
            return redirect("results:external-result-detail", pk=external_result.pk)

    return render(
        request,
        "results/external_result_edit.html",
        {"form": form, "external_result": external_result},
    )


@settings_administrator_required
@require_http_methods(["GET", "POST"])
def external_result_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """
    Merge other External Results into this one, after a confirmation step.

    The first POST shows what will move; only a POST with ``confirm`` merges.
    """
    target = object_for_administrator(request, ExternalResult.objects.all(), pk=pk)
    search = request.GET.get("q", "").strip()
    form = MergeForm(request.POST or None, target=target)
    preview = None

    if request.method == "POST" and form.is_valid():
        sources = list(form.cleaned_data["sources"])
        if form.cleaned_data["confirm"]:
            try:
                outcome = external_results_merge(
                    source_ids=[source.pk for source in sources],
                    target_id=target.pk,
                    merged_by=request.user,  # type: ignore[arg-type]
                )
            except InputRejected as error:
                form.add_error(None, error_message(error.code, error.params))
            else:
                messages.success(request, merge_outcome_message(outcome))
                return redirect("results:external-result-detail", pk=target.pk)
        else:
            preview = library_entries(
                external_results=list(
                    external_results_search().filter(pk__in=[s.pk for s in sources])
                )
            )

    candidates = external_results_search(search=search).exclude(pk=target.pk)[
        :MERGE_CANDIDATES_SHOWN
    ]
    selected = {str(value) for value in request.POST.getlist("sources")}
    return render(
        request,
        "results/external_result_merge.html",
        {
            "target": target,
            "form": form,
            "search": search,
            "candidates": candidates,
            "selected": selected,
            "preview": preview,
        },
    )


def merge_outcome_message(outcome: MergeOutcome) -> str:
    """Return the success message of a merge, each count with its plural form."""
    merged = ngettext(
        "%(count)s External Result merged",
        "%(count)s External Results merged",
        outcome.sources,
    ) % {"count": number_format(outcome.sources)}
    moved = ngettext(
        "%(count)s result moved", "%(count)s results moved", outcome.results
    ) % {"count": number_format(outcome.results)}
    linked = ngettext(
        "%(count)s substitute link added",
        "%(count)s substitute links added",
        outcome.substitute_links,
    ) % {"count": number_format(outcome.substitute_links)}
    return _("%(merged)s: %(moved)s, %(linked)s.") % {
        "merged": merged,
        "moved": moved,
        "linked": linked,
    }
