"""Reads of the imports app: review groups, their rows and the counts of imports."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext as _

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
    requested = {title.strip().lower() for title in titles if title.strip()}
    if not requested:
        return {}
    matches = (
        ExternalResult.objects.annotate(normalised=Lower(Trim("title")))
        .filter(normalised__in=requested)
        .order_by("-pk")
    )
    # Later assignments win, so ordering newest first leaves the oldest.
    return {match.normalised: match for match in matches}


@dataclass(frozen=True)
class BatchCounts:
    """
    An import's row counts as shown on its pages.

    What reading gave: ``rows_read == staged + not_passed + rejected``, where
    ``staged`` is the stored number staged when the file was read, rows
    staged by corrections included, and ``rejected`` leaves out the rows not
    passed. What became of the staged rows since: ``waiting + activated +
    deleted == staged``. Rows claimed by an activation still running count
    as activated, and rows removed by discarding the import as deleted.
    """

    rows_read: int
    staged: int
    not_passed: int
    rejected: int
    waiting: int
    activated: int
    deleted: int
    status: str
    status_label: str


# Derived statuses of a staged import once no row waits for review.
STATUS_ACTIVATED = "activated"
STATUS_NOTHING_LEFT = "nothing_left"


def batch_counts(*, batches: Sequence[ImportBatch]) -> dict[int, BatchCounts]:
    """
    Return the counts and derived status of each of ``batches``, by id.

    One aggregate query whatever the number of imports and rows.
    """
    live: dict[int, dict[str, int]] = {
        item["batch_id"]: {"waiting": item["waiting"], "activated": item["activated"]}
        for item in StagedRow.objects.filter(batch__in=[batch.pk for batch in batches])
        .order_by()
        .values("batch_id")
        .annotate(
            waiting=Count("pk", filter=Q(activation_group__isnull=True)),
            activated=Count("pk", filter=Q(activation_group__isnull=False)),
        )
    }
    counts = {}
    for batch in batches:
        item = live.get(batch.pk, {})
        counts[batch.pk] = _batch_counts_build(
            batch, waiting=item.get("waiting", 0), activated=item.get("activated", 0)
        )
    return counts


def _batch_counts_build(
    batch: ImportBatch, *, waiting: int, activated: int
) -> BatchCounts:
    status, status_label = batch.state, str(batch.get_state_display())
    if batch.state == ImportBatch.State.STAGED and not waiting:
        if activated:
            status, status_label = STATUS_ACTIVATED, _("Activated")
        else:
            status, status_label = STATUS_NOTHING_LEFT, _("Nothing left to review")

    # staged_count is stored when reading ends, together with the rows.
    deleted = 0
    if batch.is_final:
        deleted = max(0, batch.staged_count - waiting - activated)
    return BatchCounts(
        rows_read=batch.rows_read,
        staged=batch.staged_count,
        not_passed=batch.not_passed_count,
        rejected=max(0, batch.rejected_count - batch.not_passed_count),
        waiting=waiting,
        activated=activated,
        deleted=deleted,
        status=status,
        status_label=status_label,
    )
