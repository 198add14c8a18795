"""Creating results and External Results, one at a time or in bulk."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from learnlinq.errors import InputRejected
from results.models import ExternalResult, Result
from users.models import User

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = ExternalResult._meta.get_field("title").max_length or 255


@dataclass(frozen=True)
class ResultDraft:
    """
    The values of one result before it is written.

    ``source_batch_id`` and ``source_line`` name the imported line the result
    comes from; together they are unique, which makes writing a draft twice
    harmless. A draft with ``portfolio_only`` must not name an External Result.
    """

    learner_id: int
    achieved_on: datetime.date
    title: str
    achieved_time: datetime.time | None = None
    tags: list[str] = field(default_factory=list)
    external_result_id: int | None = None
    portfolio_only: bool = False
    source_batch_id: int | None = None
    source_line: int | None = None
    source_result_id: str = ""

    @property
    def source(self) -> tuple[int, int] | None:
        if self.source_batch_id is None or self.source_line is None:
            return None
        return (self.source_batch_id, self.source_line)


def _draft_check(draft: ResultDraft) -> None:
    # SQLite's INSERT OR IGNORE, which ignore_conflicts produces there, also
    # skips rows that break a CHECK constraint, so the rule is enforced here.
    if draft.portfolio_only and draft.external_result_id is not None:
        raise ValueError(
            "A portfolio-only result cannot belong to an External Result "
            f"(learner {draft.learner_id}, line {draft.source_line})."
        )
    if (draft.source_batch_id is None) != (draft.source_line is None):
        raise ValueError("source_batch_id and source_line must be given together.")


def _result_from_draft(draft: ResultDraft) -> Result:
    return Result(
        learner_id=draft.learner_id,
        achieved_on=draft.achieved_on,
        achieved_time=draft.achieved_time,
        title=draft.title,
        tags=list(draft.tags),
        external_result_id=draft.external_result_id,
        portfolio_only=draft.portfolio_only,
        source_batch_id=draft.source_batch_id,
        source_line=draft.source_line,
        source_result_id=draft.source_result_id,
    )


def _source_result_ids(
    sources: Sequence[tuple[int, int]],
) -> dict[tuple[int, int], int]:
    """Return the id of the result of each ``(batch id, line)``, one query per batch."""
    lines_by_batch: dict[int, list[int]] = defaultdict(list)
    for batch_id, line in sources:
        lines_by_batch[batch_id].append(line)

    found: dict[tuple[int, int], int] = {}
    for batch_id, lines in lines_by_batch.items():
        rows = Result.objects.filter(
            source_batch_id=batch_id, source_line__in=lines
        ).values_list("source_line", "id")
        for source_line, result_id in rows:
            if source_line is not None:
                found[(batch_id, source_line)] = result_id
    return found


def results_bulk_create(*, drafts: Sequence[ResultDraft]) -> list[int]:
    """
    Write the drafts as results and return their ids in the drafts' order.

    A draft whose source line already has a result is skipped by the
    database (``ON CONFLICT DO NOTHING`` on the source-line constraint), and
    the id returned for it is that earlier result's. So a chunk written again
    after a crash or a redelivered task adds nothing. Costs one INSERT for
    the drafts with a source (Django splits it where the database limits the
    number of parameters), one SELECT per import batch among them, and one
    INSERT for the drafts without a source.
    """
    for draft in drafts:
        _draft_check(draft)
    sourced = [draft for draft in drafts if draft.source is not None]
    sources = [draft.source for draft in sourced if draft.source is not None]
    unsourced = [draft for draft in drafts if draft.source is None]

    with transaction.atomic():
        Result.objects.bulk_create(
            [_result_from_draft(draft) for draft in sourced], ignore_conflicts=True
        )
        ids_by_source = _source_result_ids(sources)
        missing = [source for source in sources if source not in ids_by_source]
        if missing:
            raise IntegrityError(
                f"No result was written for source lines {missing[:10]}, so the "
                "database skipped them for a reason other than an existing result."
            )

        # Without ignore_conflicts, Django sets the new primary keys on
        # SQLite and PostgreSQL alike.
        created = Result.objects.bulk_create(
            [_result_from_draft(draft) for draft in unsourced]
        )

    unsourced_ids = iter(result.pk for result in created)
    ids = [
        ids_by_source[draft.source] if draft.source is not None else next(unsourced_ids)
        for draft in drafts
    ]
    logger.debug("Wrote results for %s drafts", len(drafts))
    return ids


def external_result_create(
    *, title: str, library_title: str, created_by: User | None
) -> ExternalResult:
    """
    Add an External Result to the library.

    An empty ``library_title`` takes the title, so the library never lists a
    nameless entry. Raises ``InputRejected`` for a missing or too long title.
    """
    title = title.strip()
    library_title = library_title.strip() or title
    if not title:
        raise InputRejected("external_result_title_missing")
    for value in (title, library_title):
        if len(value) > TITLE_MAX_LENGTH:
            raise InputRejected(
                "external_result_title_too_long",
                {"title": value, "length": len(value), "max": TITLE_MAX_LENGTH},
            )

    external_result = ExternalResult.objects.create(
        title=title, library_title=library_title, created_by=created_by
    )
    logger.info(
        "Created External Result %s by user %s",
        external_result.pk,
        getattr(created_by, "pk", None),
    )
    return external_result
