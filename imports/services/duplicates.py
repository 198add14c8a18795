"""
Find rows that repeat another row of the file, a waiting staged row, or a result.

Two rows are the same result when they have the same learner, title, tags
(compared as ``tags_key``) and date, or the same learner and ResultId. A
ResultId given to two different learners in one file is always an error,
because attachments are matched on it.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from imports.models import ImportBatch, StagedRow
from imports.reading import tags_key
from results.models import Result

# Learners per query when loading existing rows and results.
LEARNER_CHUNK_SIZE = 2_000

ContentKey = tuple[int, str, str, datetime.date]
ResultIdKey = tuple[int, str]


@dataclass(frozen=True)
class Candidate:
    """A checked row with its learner, before the duplicate check."""

    line: int
    learner_id: int
    title: str
    tags_key: str
    achieved_on: datetime.date
    result_id: str


@dataclass(frozen=True)
class Verdict:
    """A duplicate finding for one line; ``reject`` is false when it is kept."""

    code: str
    params: dict[str, Any]
    reject: bool


@dataclass
class _Known:
    """Rows and results already present, keyed two ways."""

    by_content: dict[ContentKey, dict[str, Any]] = field(default_factory=dict)
    by_result_id: dict[ResultIdKey, dict[str, Any]] = field(default_factory=dict)

    def add(self, content: ContentKey, result_id: str, where: dict[str, Any]) -> None:
        self.by_content.setdefault(content, where)
        if result_id:
            self.by_result_id.setdefault((content[0], result_id), where)

    def find(self, candidate: Candidate) -> dict[str, Any] | None:
        found = self.by_content.get(_content_key(candidate))
        if found is None and candidate.result_id:
            found = self.by_result_id.get((candidate.learner_id, candidate.result_id))
        return found


def duplicates_find(
    candidates: Sequence[Candidate],
    *,
    batch_id: int,
    keep: bool,
    earlier: Sequence[Candidate] = (),
) -> dict[int, Verdict]:
    """
    Return line -> verdict for every candidate that is not a new result.

    ``earlier`` are rows of the same import staged before, which count as
    earlier lines of the file. With ``keep`` true, duplicates are reported
    but not rejected; a reused ResultId is rejected either way.
    """
    if not candidates:
        return {}
    results = _results_known(candidates)
    staged = _staged_known(candidates, batch_id=batch_id)

    in_file = _Known()
    result_id_owner: dict[str, tuple[int, int]] = {}
    for row in earlier:
        in_file.add(_content_key(row), row.result_id, {"first_line": row.line})
        if row.result_id:
            result_id_owner.setdefault(row.result_id, (row.learner_id, row.line))

    verdicts: dict[int, Verdict] = {}
    for row in sorted(candidates, key=lambda candidate: candidate.line):
        verdict = _verdict(row, results, staged, in_file, result_id_owner, keep=keep)
        if verdict is not None:
            verdicts[row.line] = verdict
        if verdict is None or not verdict.reject:
            in_file.add(_content_key(row), row.result_id, {"first_line": row.line})
            if row.result_id:
                result_id_owner.setdefault(row.result_id, (row.learner_id, row.line))
    return verdicts


def _verdict(
    row: Candidate,
    results: _Known,
    staged: _Known,
    in_file: _Known,
    result_id_owner: dict[str, tuple[int, int]],
    *,
    keep: bool,
) -> Verdict | None:
    owner = result_id_owner.get(row.result_id) if row.result_id else None
    if owner is not None and owner[0] != row.learner_id:
        return Verdict(
            "result_id_reused",
            {"value": row.result_id, "first_line": owner[1]},
            reject=True,
        )

    # The most lasting copy is named first, because an existing result tells
    # the administrator more than another line of the same upload.
    for code, known in (
        ("duplicate_result", results),
        ("duplicate_staged", staged),
        ("duplicate_in_file", in_file),
    ):
        where = known.find(row)
        if where is not None:
            return Verdict(code, dict(where), reject=not keep)
    return None


def _content_key(row: Candidate) -> ContentKey:
    return (row.learner_id, row.title, row.tags_key, row.achieved_on)


def _learner_chunks(candidates: Sequence[Candidate]) -> Iterator[list[int]]:
    learner_ids = sorted({row.learner_id for row in candidates})
    for start in range(0, len(learner_ids), LEARNER_CHUNK_SIZE):
        yield learner_ids[start : start + LEARNER_CHUNK_SIZE]


def _nearby(
    candidates: Sequence[Candidate], date_field: str, result_id_field: str
) -> Q:
    # A date range and "has a ResultId" keep the number of bind parameters
    # fixed, whatever the number of distinct dates and ResultIds.
    first = min(row.achieved_on for row in candidates)
    last = max(row.achieved_on for row in candidates)
    nearby = Q(**{f"{date_field}__range": (first, last)})
    if any(row.result_id for row in candidates):
        nearby |= ~Q(**{result_id_field: ""})
    return nearby


def _results_known(candidates: Sequence[Candidate]) -> _Known:
    known = _Known()
    nearby = _nearby(candidates, "achieved_on", "source_result_id")
    for chunk in _learner_chunks(candidates):
        rows = (
            Result.objects.filter(learner_id__in=chunk)
            .filter(nearby)
            .values_list(
                "learner_id", "title", "tags", "achieved_on", "source_result_id"
            )
        )
        for learner_id, title, tags, achieved_on, result_id in rows:
            content = (learner_id, title, tags_key(tags or []), achieved_on)
            where = {"title": title, "date": achieved_on.isoformat()}
            known.add(content, result_id, where)
    return known


def _staged_known(candidates: Sequence[Candidate], *, batch_id: int) -> _Known:
    known = _Known()
    nearby = _nearby(candidates, "achieved_on", "result_id")
    for chunk in _learner_chunks(candidates):
        rows = (
            StagedRow.objects.filter(
                learner_id__in=chunk,
                activated_at__isnull=True,
                batch__state=ImportBatch.State.STAGED,
            )
            .exclude(batch_id=batch_id)
            .filter(nearby)
            .values_list(
                "learner_id",
                "title",
                "tags_key",
                "achieved_on",
                "result_id",
                "batch_id",
                "line",
            )
        )
        for learner_id, title, key, achieved_on, result_id, other, line in rows:
            where = {"batch": other, "batch_line": line}
            known.add((learner_id, title, key, achieved_on), result_id, where)
    return known
