"""Reads for the External Results library: listing, search and one entry's results."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from results.models import ExternalResult, LearningActivity, Result


@dataclass
class LibraryEntry:
    """An External Result with the figures the library shows next to it."""

    external_result: ExternalResult
    results: int
    learners: int
    import_ids: list[int] = field(default_factory=list)
    activities: list[LearningActivity] = field(default_factory=list)


def external_results_search(*, search: str = "") -> QuerySet[ExternalResult]:
    """
    Return External Results matching ``search`` in either title, with counts.

    Each row carries ``result_count`` and ``learner_count``. The two counts
    share one join on results, so they stay correct together.
    """
    queryset = ExternalResult.objects.annotate(
        result_count=Count("results"),
        learner_count=Count("results__learner", distinct=True),
    ).order_by("library_title", "title", "id")
    search = search.strip()
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search) | Q(library_title__icontains=search)
        )
    return queryset


def library_entries(
    *, external_results: Sequence[ExternalResult]
) -> list[LibraryEntry]:
    """
    Add the source imports and substituted activities to one page of the library.

    Two queries whatever the page size or the number of results: one for
    the distinct import ids, one for the learning activities.
    """
    ids = [external_result.pk for external_result in external_results]

    import_ids: dict[int, list[int]] = defaultdict(list)
    pairs = (
        Result.objects.filter(external_result_id__in=ids, source_batch_id__isnull=False)
        .values_list("external_result_id", "source_batch_id")
        .distinct()
        .order_by("external_result_id", "source_batch_id")
    )
    for external_result_id, batch_id in pairs:
        if external_result_id is not None and batch_id is not None:
            import_ids[external_result_id].append(batch_id)

    activities: dict[int, list[LearningActivity]] = defaultdict(list)
    links = (
        LearningActivity.substitutes.through.objects.filter(externalresult_id__in=ids)
        .select_related("learningactivity__section__path")
        .order_by("learningactivity__section__path__title", "learningactivity__title")
    )
    for link in links:
        activities[link.externalresult_id].append(link.learningactivity)

    return [
        LibraryEntry(
            external_result=external_result,
            results=getattr(external_result, "result_count", 0),
            learners=getattr(external_result, "learner_count", 0),
            import_ids=import_ids[external_result.pk],
            activities=activities[external_result.pk],
        )
        for external_result in external_results
    ]


def external_result_results(*, external_result: ExternalResult) -> QuerySet[Result]:
    """Return an External Result's results with their learners, newest first."""
    return (
        Result.objects.filter(external_result=external_result)
        .select_related("learner")
        .order_by("-achieved_on", "-id")
    )
