"""Portfolio pages: a learner's own results, and any learner's for administrators."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)
from results.portfolio_forms import LearnerSearchForm
from results.selectors import portfolio_results
from users.models import User

RESULTS_PAGE_SIZE = 50
LEARNERS_PAGE_SIZE = 50


def portfolio_page(request: HttpRequest, learner: User, *, own: bool) -> HttpResponse:
    page = Paginator(portfolio_results(learner=learner), RESULTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "results/portfolio.html",
        {"learner": learner, "own": own, "page_obj": page},
    )


@require_GET
@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """Show the logged-in learner's own results, newest first."""
    return portfolio_page(request, request.user, own=True)  # type: ignore[arg-type]


@require_GET
@settings_administrator_required
def learner_portfolio(request: HttpRequest, pk: int) -> HttpResponse:
    """Show any learner's portfolio to a settings administrator."""
    learner = object_for_administrator(request, User.objects.all(), pk=pk)
    return portfolio_page(request, learner, own=False)


@require_GET
@settings_administrator_required
def learners(request: HttpRequest) -> HttpResponse:
    """Find a learner by name, username, e-mail address or ImportID."""
    form = LearnerSearchForm(request.GET)
    search = form.cleaned_data["q"] if form.is_valid() else ""

    users = User.objects.order_by("name", "username", "id")
    if search:
        users = users.filter(
            Q(name__icontains=search)
            | Q(username__icontains=search)
            | Q(email__icontains=search)
            | Q(import_id__iexact=search)
        )
    page = Paginator(users, LEARNERS_PAGE_SIZE).get_page(request.GET.get("page"))

    return render(
        request,
        "results/learners.html",
        {
            "form": form,
            "search": search,
            "page_obj": page,
            "query_prefix": urlencode({"q": search}) + "&" if search else "",
        },
    )
