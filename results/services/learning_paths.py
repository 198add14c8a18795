"""Enrolment in learning paths and the recalculation of participants' statuses."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from results.models import (
    ActivityStatus,
    LearningActivity,
    LearningPath,
    Participation,
    Result,
)
from users.models import User

logger = logging.getLogger(__name__)

# Learners per round of queries, so an ``IN (...)`` list stays well below the
# bind-parameter limits of SQLite and PostgreSQL however many learners a merge
# or rollback touches.
RECALCULATE_BATCH_SIZE = 1000


@dataclass(frozen=True)
class Outcome:
    """The status that one learner's results give one learning activity."""

    status: str
    passed_on: datetime.date | None = None
    result_id: int | None = None
    renewal_due_on: datetime.date | None = None


NOT_STARTED = Outcome(status=ActivityStatus.Status.NOT_STARTED)


def activity_outcome(
    *,
    newest: tuple[int, datetime.date] | None,
    validity_months: int | None,
    today: datetime.date,
) -> Outcome:
    """
    Derive an activity's status from the learner's newest substitute result.

    ``newest`` is ``(result_id, achieved_on)`` or None. A pass with a validity
    period expires on ``achieved_on + validity_months``. That day is the
    renewal due date, and from that day on the activity counts as expired.
    """
    if newest is None:
        return NOT_STARTED

    result_id, achieved_on = newest
    if validity_months is None:
        return Outcome(ActivityStatus.Status.PASSED, achieved_on, result_id)

    due = achieved_on + relativedelta(months=validity_months)
    status = (
        ActivityStatus.Status.EXPIRED if due <= today else ActivityStatus.Status.PASSED
    )
    return Outcome(status, achieved_on, result_id, due)


def _batches(values: Iterable[int], size: int) -> Iterator[list[int]]:
    batch: list[int] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _activities_by_path(
    path_ids: Collection[int],
) -> tuple[dict[int, list[LearningActivity]], dict[int, set[int]]]:
    """Return each path's activities and each activity's substitute ids (2 queries)."""
    activities = LearningActivity.objects.filter(
        section__path_id__in=path_ids
    ).select_related("section")
    by_path: dict[int, list[LearningActivity]] = defaultdict(list)
    for activity in activities:
        by_path[activity.section.path_id].append(activity)

    substitutes: dict[int, set[int]] = defaultdict(set)
    links = LearningActivity.substitutes.through.objects.filter(
        learningactivity__section__path_id__in=path_ids
    ).values_list("learningactivity_id", "externalresult_id")
    for activity_id, external_result_id in links:
        substitutes[activity_id].add(external_result_id)
    return by_path, substitutes


def _newest_results(
    *, learner_ids: Collection[int], external_result_ids: Collection[int]
) -> dict[tuple[int, int], tuple[int, datetime.date]]:
    """
    Map (learner, External Result) to the newest result as (id, achieved_on).

    Portfolio-only results never count. They have no External Result, and the
    filter excludes them explicitly in case that constraint is ever relaxed.
    """
    newest: dict[tuple[int, int], tuple[int, datetime.date]] = {}
    if not external_result_ids:
        return newest

    rows = (
        Result.objects.filter(
            learner_id__in=learner_ids,
            external_result_id__in=external_result_ids,
            portfolio_only=False,
        )
        .order_by("learner_id", "external_result_id", "-achieved_on", "-id")
        .values_list("learner_id", "external_result_id", "id", "achieved_on")
    )
    for learner_id, external_result_id, result_id, achieved_on in rows.iterator(
        chunk_size=5000
    ):
        # Rows arrive newest first per pair, so the first one wins.
        newest.setdefault((learner_id, external_result_id), (result_id, achieved_on))
    return newest


def _best_for_activity(
    *,
    learner_id: int,
    substitute_ids: set[int],
    newest: dict[tuple[int, int], tuple[int, datetime.date]],
) -> tuple[int, datetime.date] | None:
    best: tuple[int, datetime.date] | None = None
    for external_result_id in substitute_ids:
        candidate = newest.get((learner_id, external_result_id))
        if candidate is None:
            continue
        if best is None or (candidate[1], candidate[0]) > (best[1], best[0]):
            best = candidate
    return best


def _recalculate_batch(learner_ids: list[int], today: datetime.date) -> int:
    """
    Recalculate the participations of one batch of learners.

    1. Fetch the participations and their existing activity statuses.
    2. Fetch the paths' activities and substitute links.
    3. Fetch the newest substitute result per learner and External Result.
    4. Derive each status in memory; write only what changed, in bulk.
    """
    participations = list(Participation.objects.filter(learner_id__in=learner_ids))
    if not participations:
        return 0

    path_ids = {participation.path_id for participation in participations}
    existing: dict[tuple[int, int], ActivityStatus] = {
        (status.participation_id, status.activity_id): status
        for status in ActivityStatus.objects.filter(
            participation__learner_id__in=learner_ids
        )
    }
    activities_by_path, substitutes = _activities_by_path(path_ids)
    external_result_ids = set().union(*substitutes.values()) if substitutes else set()
    newest = _newest_results(
        learner_ids=learner_ids, external_result_ids=external_result_ids
    )

    to_create: list[ActivityStatus] = []
    to_update: list[ActivityStatus] = []
    changed_participations: list[Participation] = []
    for participation in participations:
        activities = activities_by_path.get(participation.path_id, [])
        all_passed = bool(activities)
        for activity in activities:
            outcome = activity_outcome(
                newest=_best_for_activity(
                    learner_id=participation.learner_id,
                    substitute_ids=substitutes.get(activity.pk, set()),
                    newest=newest,
                ),
                validity_months=activity.validity_months,
                today=today,
            )
            all_passed = all_passed and outcome.status == ActivityStatus.Status.PASSED
            status = existing.get((participation.pk, activity.pk))
            if status is None:
                to_create.append(
                    ActivityStatus(
                        participation=participation,
                        activity=activity,
                        status=outcome.status,
                        passed_on=outcome.passed_on,
                        result_id=outcome.result_id,
                        renewal_due_on=outcome.renewal_due_on,
                    )
                )
            elif _status_apply(status, outcome):
                to_update.append(status)

        path_status = (
            Participation.Status.PASSED
            if all_passed
            else Participation.Status.IN_PROGRESS
        )
        if participation.status != path_status:
            participation.status = path_status
            # bulk_update() skips auto_now, so the timestamp is set here.
            participation.updated_at = timezone.now()
            changed_participations.append(participation)

    ActivityStatus.objects.bulk_create(to_create, batch_size=1000)
    ActivityStatus.objects.bulk_update(
        to_update,
        ["status", "passed_on", "result", "renewal_due_on"],
        batch_size=1000,
    )
    Participation.objects.bulk_update(
        changed_participations, ["status", "updated_at"], batch_size=1000
    )
    return len(participations)


def _status_apply(status: ActivityStatus, outcome: Outcome) -> bool:
    """Copy ``outcome`` onto ``status``; return whether anything changed."""
    current = Outcome(
        status.status, status.passed_on, status.result_id, status.renewal_due_on
    )
    if current == outcome:
        return False
    status.status = outcome.status
    status.passed_on = outcome.passed_on
    status.result_id = outcome.result_id
    status.renewal_due_on = outcome.renewal_due_on
    return True


def participations_recalculate(
    *, learner_ids: Collection[int], today: datetime.date | None = None
) -> int:
    """
    Recalculate every participation of the given learners; return how many.

    Each activity takes its status from the learner's newest result for any of
    its substitutes. Queries are set-based: a fixed handful per
    ``RECALCULATE_BATCH_SIZE`` learners, never one per learner. Learners who
    are not enrolled anywhere cost one query, and this function enrols no one.
    """
    today = today or timezone.localdate()
    total = 0
    with transaction.atomic():
        for batch in _batches(sorted(set(learner_ids)), RECALCULATE_BATCH_SIZE):
            total += _recalculate_batch(batch, today)
    logger.debug("Recalculated %s participations", total)
    return total


def participations_enrol(
    *, path: LearningPath, learners: Sequence[User], enrolled_by: User | None
) -> list[Participation]:
    """
    Enrol learners in a path and give them their current statuses at once.

    Learners already enrolled keep their participation, so enrolling twice is
    harmless. Returns the participations of all given learners.
    """
    learner_ids = [learner.pk for learner in learners]
    with transaction.atomic():
        Participation.objects.bulk_create(
            [
                Participation(path=path, learner_id=learner_id, enrolled_by=enrolled_by)
                for learner_id in learner_ids
            ],
            ignore_conflicts=True,
        )
        participations_recalculate(learner_ids=learner_ids)
    logger.info(
        "Enrolled %s learners in learning path %s by user %s",
        len(learner_ids),
        path.pk,
        getattr(enrolled_by, "pk", None),
    )
    return list(Participation.objects.filter(path=path, learner_id__in=learner_ids))
