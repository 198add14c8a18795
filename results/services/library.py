"""Writes to the External Results library: editing and merging entries."""

import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import ManyToOneRel

from learnlinq.audit import audit_record
from learnlinq.errors import InputRejected
from learnlinq.models import AuditEvent
from results.models import ExternalResult, LearningActivity, Result
from results.services.learning_paths import participations_recalculate
from users.models import User

logger = logging.getLogger(__name__)


def external_result_update(
    *, external_result: ExternalResult, title: str, library_title: str
) -> ExternalResult:
    """Rename an External Result; its results and substitute links stay as they are."""
    title = title.strip()
    library_title = library_title.strip()
    if not title:
        raise InputRejected("external_result_title_missing")
    if not library_title:
        raise InputRejected("external_result_library_title_missing")

    external_result.title = title
    external_result.library_title = library_title
    external_result.save(update_fields=["title", "library_title", "updated_at"])
    logger.info("Renamed External Result %s", external_result.pk)
    return external_result


@dataclass(frozen=True)
class MergeOutcome:
    """The counts of what a merge moved into its target."""

    target: ExternalResult
    sources: int
    results: int
    substitute_links: int
    participations: int


def _foreign_keys_to_external_result() -> list[models.ForeignKey]:
    """
    Return every foreign key in the project that points at ExternalResult.

    Other apps (activation groups, for one) refer to External Results with
    PROTECT. Finding them through the model registry lets a merge move those
    references too without this app importing the apps that own them.
    """
    # include_hidden: those keys use related_name="+", which hides them from
    # the usual related_objects list.
    keys: list[models.ForeignKey] = []
    for relation in ExternalResult._meta.get_fields(include_hidden=True):
        # Seen from ExternalResult, a foreign key to it is a one-to-many
        # relation. Substitute links live in the many-to-many table, which
        # the merge handles itself, skipping links the target already has.
        if not isinstance(relation, ManyToOneRel) or relation.related_model is None:
            continue
        if relation.related_model._meta.auto_created:
            continue
        if isinstance(relation.field, models.ForeignKey):
            keys.append(relation.field)
    return keys


def external_results_merge(
    *, source_ids: Collection[int], target_id: int, merged_by: User
) -> MergeOutcome:
    """
    Move the results of several External Results into one and delete the others.

    1. Lock the target and sources, so two merges of the same entries cannot
       interleave; reject a missing source or the target as its own source.
    2. Move every reference (results and other apps' foreign keys) to the
       target; nothing is deleted with the sources.
    3. Give the target the sources' substitute links, skipping links it has.
    4. Delete the sources, record the merge and recalculate the statuses of
       every learner with a result for the target, because the target now
       passes more activities.
    """
    source_ids = sorted(set(source_ids))
    if not source_ids:
        raise InputRejected("merge_sources_missing")
    if target_id in source_ids:
        raise InputRejected("merge_target_is_source", {"id": target_id})

    with transaction.atomic():
        locked = {
            external_result.pk: external_result
            for external_result in ExternalResult.objects.select_for_update()
            .filter(pk__in=[target_id, *source_ids])
            .order_by("pk")
        }
        target = locked.get(target_id)
        if target is None:
            raise InputRejected("external_result_not_found", {"id": target_id})
        missing = [pk for pk in source_ids if pk not in locked]
        if missing:
            raise InputRejected("external_result_not_found", {"id": missing[0]})

        moved_results = 0
        for field in _foreign_keys_to_external_result():
            updated = field.model._base_manager.filter(
                **{f"{field.name}__in": source_ids}
            ).update(**{field.name: target_id})
            if field.model is Result:
                moved_results = updated

        links = LearningActivity.substitutes.through
        source_activity_ids = set(
            links.objects.filter(externalresult_id__in=source_ids).values_list(
                "learningactivity_id", flat=True
            )
        )
        target_activity_ids = set(
            links.objects.filter(externalresult_id=target_id).values_list(
                "learningactivity_id", flat=True
            )
        )
        new_links = [
            links(learningactivity_id=activity_id, externalresult_id=target_id)
            for activity_id in sorted(source_activity_ids - target_activity_ids)
        ]
        links.objects.bulk_create(new_links)

        ExternalResult.objects.filter(pk__in=source_ids).delete()
        learner_ids = set(
            Result.objects.filter(external_result_id=target_id).values_list(
                "learner_id", flat=True
            )
        )
        participations = participations_recalculate(learner_ids=learner_ids)
        outcome = MergeOutcome(
            target=target,
            sources=len(source_ids),
            results=moved_results,
            substitute_links=len(new_links),
            participations=participations,
        )
        audit_record(
            actor=merged_by,
            verb=AuditEvent.Verb.MERGED,
            target=target,
            counts={
                "sources": outcome.sources,
                "results": outcome.results,
                "substitute_links": outcome.substitute_links,
                "participations": outcome.participations,
            },
        )

    logger.info(
        "Merged External Results %s into %s: %s results, %s new substitute links",
        source_ids,
        target_id,
        moved_results,
        len(new_links),
    )
    return outcome
