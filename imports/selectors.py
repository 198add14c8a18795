"""Reads of the imports app: review groups of staged rows and their rows."""

from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Lower, Trim

from imports.models import ImportBatch, StagedRow
from results.models import ExternalResult


@dataclass(frozen=True)
class GroupKey:
    """
    The identity of a review group inside one import: its title and tags key.

    ``tags_key`` is the casefolded, sorted, de-duplicated tags joined by ``|``,
    so "BHV|Herhaling" and "herhaling|bhv" fall in the same group.
    """

    title: str
    tags_key: str


@dataclass
class ReviewGroup:
    """Unclaimed staged rows of one import that share a title and tags."""

    key: GroupKey
    title: str
    tags: list[str]
    rows: int
    participants: int
    attachments: int = 0


def _unclaimed_rows(batch: ImportBatch) -> QuerySet[StagedRow]:
    # A claimed row belongs to an activation and is no longer up for review.
    return StagedRow.objects.filter(batch=batch, activation_group__isnull=True)


def review_groups(*, batch: ImportBatch, search: str = "") -> list[ReviewGroup]:
    """
    Group the unclaimed staged rows of ``batch`` by title and tags, with counts.

    ``search`` matches the title or the tags, ignoring case. Two queries
    whatever the row count: one groups and counts, and one fetches the tags
    of one row per group for display.
    NOTE: on SQLite, ignoring case works for ASCII letters only.
    """
    rows = _unclaimed_rows(batch)
    search = search.strip()
    if search:
        # tags_key is stored casefolded, so the casefolded term also finds
        # tags whose case differs outside ASCII.
        rows = rows.filter(
            Q(title__icontains=search) | Q(tags_key__icontains=search.casefold())
        )

    counted = list(
        rows.values("title", "tags_key")
        .annotate(
            # The join with attachments repeats a row once per attachment,
            # so rows are counted distinct.
            row_count=Count("id", distinct=True),
            participant_count=Count("learner", distinct=True),
            attachment_count=Count("attachments"),
            sample_id=Min("id"),
        )
        .order_by("title", "tags_key")
    )
    sample_tags = dict(
        StagedRow.objects.filter(
            pk__in=[group["sample_id"] for group in counted]
        ).values_list("pk", "tags")
    )

    return [
        ReviewGroup(
            key=GroupKey(title=group["title"], tags_key=group["tags_key"]),
            title=group["title"],
            tags=list(sample_tags.get(group["sample_id"]) or []),
            rows=group["row_count"],
            participants=group["participant_count"],
            attachments=group["attachment_count"],
        )
        for group in counted
    ]


def review_group_rows(*, batch: ImportBatch, key: GroupKey) -> QuerySet[StagedRow]:
    """Return the unclaimed staged rows of one review group with their learners."""
    return (
        _unclaimed_rows(batch)
        .filter(title=key.title, tags_key=key.tags_key)
        .select_related("learner")
        .prefetch_related("attachments")
        .order_by("line")
    )


def external_results_by_title(titles: list[str]) -> dict[str, ExternalResult]:
    """
    Return the library's External Results whose title equals one of ``titles``.

    Titles compare trimmed and case-insensitively, and the result is keyed by
    that normalised form (``title.strip().lower()``). Of several entries with
    the same title the oldest wins. One query, whatever the number of titles.
    """
    wanted = {title.strip().lower() for title in titles if title.strip()}
    if not wanted:
        return {}
    matches = (
        ExternalResult.objects.annotate(normalised=Lower(Trim("title")))
        .filter(normalised__in=wanted)
        .order_by("-pk")
    )
    # Later assignments win, so ordering newest first leaves the oldest.
    return {match.normalised: match for match in matches}
