"""Reads of the results app that need more than a plain filter."""

from django.db.models import F, QuerySet

from results.library import external_results_search
from results.models import ExternalResult, Result
from users.models import User


def portfolio_results(*, learner: User) -> QuerySet[Result]:
    """
    Return a learner's results, newest first, with External Results and attachments.

    Portfolio-only results are included: the portfolio is the one place they
    show. Served by the index on ``(learner, -achieved_on)``.
    """
    return (
        Result.objects.filter(learner=learner)
        .select_related("external_result")
        .prefetch_related("attachments")
        # A result without a time sorts after the timed ones of its day on
        # every database; SQLite and PostgreSQL differ on NULLs otherwise.
        .order_by("-achieved_on", F("achieved_time").desc(nulls_last=True), "-id")
    )


def external_results_library(*, search: str = "") -> QuerySet[ExternalResult]:
    """
    Return the library's External Results matching ``search``, with counts.

    Each row carries ``result_count`` and ``learner_count``. The library
    module owns the query, and this name is kept for callers of the selectors.
    """
    return external_results_search(search=search)
