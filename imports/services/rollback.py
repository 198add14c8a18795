"""
Undoing imports: rolling back an activation, cancelling one, discarding an import.

Each action is recorded in the audit log inside its own transaction, so the
log never shows an action that did not happen.
"""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, ManyToOneRel, Q, QuerySet
from django.utils import timezone

from imports.models import Activation, ImportBatch, StagedRow
from learnlinq.audit import audit_record
from learnlinq.errors import InputRejected
from learnlinq.models import AuditEvent
from results.models import ActivityStatus, Result
from results.services.learning_paths import participations_recalculate
from users.models import User

logger = logging.getLogger(__name__)

State = Activation.State

# States whose results can be rolled back. A cancelled or failed activation
# keeps the results of the chunks it wrote, so it can be undone like a
# finished one. No worker writes to an activation in these states.
ROLLBACK_STATES = frozenset({State.FINISHED, State.CANCELLED, State.FAILED})
CANCEL_STATES = frozenset({State.QUEUED, State.RUNNING})
# Changed statuses listed by the preview; the counts cover all of them.
PREVIEW_SAMPLE_SIZE = 50


def _administrator_check(user: User) -> None:
    if not user.is_settings_administrator:
        raise PermissionDenied("Only a settings administrator may undo imports.")


def _activation_rows(activation: Activation) -> QuerySet[StagedRow]:
    return StagedRow.objects.filter(activation_group__activation=activation)


def _activation_results(activation: Activation) -> QuerySet[Result]:
    """
    Return the results an activation wrote, found by import and line.

    Results keep no link to the activation, only their source line; a
    subquery on the activation's rows keeps this one statement at any size.
    """
    lines = _activation_rows(activation).filter(activated_at__isnull=False)
    return Result.objects.filter(
        source_batch_id=activation.batch_id,
        source_line__in=lines.values("line"),
    )


def _deleted_with_results(results: QuerySet[Result]) -> dict[str, int]:
    """
    Count, per model, the rows that deleting ``results`` deletes with them.

    Attachment links and any other table with a cascading foreign key to
    Result are found through the model registry, so a new kind of linked row
    shows up here without a change to this module.
    """
    counts: dict[str, int] = {}
    for relation in Result._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ManyToOneRel) or relation.related_model is None:
            continue
        if relation.on_delete is not models.CASCADE:
            continue
        related = relation.related_model
        count = related._base_manager.filter(
            **{f"{relation.field.name}__in": results.values("pk")}
        ).count()
        if count:
            counts[str(related._meta.verbose_name_plural)] = count
    return counts


@dataclass(frozen=True)
class RollbackPreview:
    """The results, rows and statuses that rolling back an activation would change."""

    activation: Activation
    rows: int
    results: int
    learners: int
    # Rows deleted along with the results (attachment links), per model.
    linked: dict[str, int] = field(default_factory=dict)
    # Activity statuses that a deleted result decided; each will be
    # recalculated, back to an older result or to "not started".
    status_changes: int = 0
    participations: int = 0
    status_sample: list[ActivityStatus] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.activation.state in ROLLBACK_STATES


def activation_rollback_preview(*, activation: Activation) -> RollbackPreview:
    """Describe what ``activation_rollback`` would do, writing nothing."""
    results = _activation_results(activation)
    counts = results.aggregate(
        results=Count("pk"), learners=Count("learner", distinct=True)
    )
    statuses = ActivityStatus.objects.filter(result__in=results.values("pk"))
    status_counts = statuses.aggregate(
        changes=Count("pk"), participations=Count("participation", distinct=True)
    )
    sample = list(
        statuses.select_related(
            "participation__learner", "participation__path", "activity"
        ).order_by("participation__learner__name", "activity_id")[:PREVIEW_SAMPLE_SIZE]
    )
    return RollbackPreview(
        activation=activation,
        rows=_activation_rows(activation).filter(activated_at__isnull=False).count(),
        results=counts["results"],
        learners=counts["learners"],
        linked=_deleted_with_results(results),
        status_changes=status_counts["changes"],
        participations=status_counts["participations"],
        status_sample=sample,
    )


@dataclass(frozen=True)
class RollbackOutcome:
    """The counts of what a rollback deleted, released and recalculated."""

    activation: Activation
    results: int
    rows: int
    participations: int


def activation_rollback(
    *, activation: Activation, rolled_back_by: User
) -> RollbackOutcome:
    """
    Delete the results of a finished activation and return its rows to review.

    1. Only a settings administrator may roll back (``PermissionDenied``).
    2. Lock the activation row, so a second rollback or a retry waits, and
       accept only a finished, cancelled or failed activation
       (``activation_not_rollbackable`` otherwise).
    3. Delete the results by import and line, with what cascades from them
       (attachment links); statuses that pointed at them lose the link.
    4. Release the rows: they show on the review page as before activation.
    5. Recalculate the participations of every learner who lost a result,
       mark the activation ROLLED_BACK and record the audit event.

    External Results the activation created stay in the library, because
    learning paths may already use them as substitutes.
    """
    _administrator_check(rolled_back_by)

    with transaction.atomic():
        locked = Activation.objects.select_for_update().get(pk=activation.pk)
        if locked.state not in ROLLBACK_STATES:
            raise InputRejected(
                "activation_not_rollbackable",
                {"activation": locked.pk, "state": locked.state},
            )

        results = _activation_results(locked)
        learner_ids = set(results.values_list("learner_id", flat=True))
        deleted, per_model = results.delete()
        result_count = per_model.get(Result._meta.label, 0)

        released = _activation_rows(locked).update(
            activation_group=None, activated_at=None
        )
        participations = participations_recalculate(learner_ids=learner_ids)

        now = timezone.now()
        Activation.objects.filter(pk=locked.pk).update(
            state=State.ROLLED_BACK, finished_at=now, updated_at=now
        )
        audit_record(
            actor=rolled_back_by,
            verb=AuditEvent.Verb.ROLLED_BACK,
            target=locked,
            counts={
                "results": result_count,
                "rows": released,
                "participations": participations,
                "deleted": deleted,
            },
        )

    activation.refresh_from_db()
    logger.info(
        "Rolled back activation %s of import %s by user %s: %s results deleted, "
        "%s rows back in review, %s participations recalculated",
        activation.pk,
        activation.batch_id,
        rolled_back_by.pk,
        result_count,
        released,
        participations,
    )
    return RollbackOutcome(
        activation=activation,
        results=result_count,
        rows=released,
        participations=participations,
    )


@dataclass(frozen=True)
class DiscardPreview:
    """The staged rows a discard would delete, and the activated rows that block it."""

    batch: ImportBatch
    rows: int
    claimed_rows: int

    @property
    def allowed(self) -> bool:
        return self.claimed_rows == 0 and self.batch.state in DISCARD_STATES


# A batch still being read may gain rows after the discard; wait for it.
DISCARD_STATES = frozenset({ImportBatch.State.STAGED, ImportBatch.State.FAILED})


def import_batch_discard_preview(*, batch: ImportBatch) -> DiscardPreview:
    """Count the staged rows a discard would delete and the rows that prevent it."""
    counts = StagedRow.objects.filter(batch=batch).aggregate(
        rows=Count("pk", filter=Q(activation_group__isnull=True)),
        claimed=Count("pk", filter=Q(activation_group__isnull=False)),
    )
    return DiscardPreview(
        batch=batch, rows=counts["rows"], claimed_rows=counts["claimed"]
    )


def import_batch_discard(*, batch: ImportBatch, discarded_by: User) -> int:
    """
    Delete every staged row of an import before activation; return how many.

    1. Only a settings administrator may discard (``PermissionDenied``).
    2. Lock the import row and accept a staged or failed import only
       (``import_not_discardable`` otherwise, with its state).
    3. Delete the unclaimed rows first and only then check for claimed ones.
       A concurrent activation that claims rows after this check finds them
       deleted, and one that claimed before makes the check fail
       (``import_has_activated_rows``) and the whole discard roll back.
    4. Mark the import DISCARDED and record the audit event. Rejected lines
       stay, so the report of what was wrong in the file remains.
    """
    _administrator_check(discarded_by)

    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state not in DISCARD_STATES:
            raise InputRejected(
                "import_not_discardable", {"batch": locked.pk, "state": locked.state}
            )

        # delete() also counts what cascades (attachment links); only the
        # staged rows are reported.
        _total, per_model = StagedRow.objects.filter(
            batch=locked, activation_group__isnull=True
        ).delete()
        deleted = per_model.get(StagedRow._meta.label, 0)
        claimed = StagedRow.objects.filter(batch=locked).count()
        if claimed:
            raise InputRejected(
                "import_has_activated_rows", {"batch": locked.pk, "rows": claimed}
            )

        ImportBatch.objects.filter(pk=locked.pk).update(
            state=ImportBatch.State.DISCARDED, updated_at=timezone.now()
        )
        audit_record(
            actor=discarded_by,
            verb=AuditEvent.Verb.DISCARDED,
            target=locked,
            counts={"rows": deleted},
        )

    batch.refresh_from_db()
    logger.info(
        "Discarded import %s by user %s: %s staged rows deleted",
        batch.pk,
        discarded_by.pk,
        deleted,
    )
    return deleted


@dataclass(frozen=True)
class CancelOutcome:
    """The rows a cancelled activation had written and the rows returned to review."""

    activation: Activation
    done_rows: int
    released_rows: int


def activation_cancel(*, activation: Activation, cancelled_by: User) -> CancelOutcome:
    """
    Stop a queued or running activation and return its unwritten rows to review.

    1. Mark it CANCELLED with a conditional UPDATE from QUEUED or RUNNING
       (``activation_not_cancellable`` otherwise) and commit. The worker
       checks the state before each chunk, so it stops after the chunk it
       is writing, and a task still in the queue becomes a no-op.
    2. In a second transaction, release the rows not yet written. It must
       be a separate transaction: the worker's chunk locks its rows and then
       updates the activation row, so holding both here could deadlock. On
       PostgreSQL the release waits for that chunk's row locks and then skips
       the rows it wrote.
    3. Record the audit event with what was done and what was released.
    """
    _administrator_check(cancelled_by)

    now = timezone.now()
    with transaction.atomic():
        cancelled = Activation.objects.filter(
            pk=activation.pk, state__in=CANCEL_STATES
        ).update(state=State.CANCELLED, finished_at=now, updated_at=now)
        if not cancelled:
            activation.refresh_from_db()
            raise InputRejected(
                "activation_not_cancellable",
                {"activation": activation.pk, "state": activation.state},
            )

    with transaction.atomic():
        released = (
            _activation_rows(activation)
            .filter(activated_at__isnull=True)
            .update(activation_group=None)
        )
        activation.refresh_from_db()
        audit_record(
            actor=cancelled_by,
            verb=AuditEvent.Verb.CANCELLED,
            target=activation,
            counts={"done": activation.done_rows, "released": released},
        )

    logger.info(
        "Cancelled activation %s by user %s: %s rows written, %s back in review",
        activation.pk,
        cancelled_by.pk,
        activation.done_rows,
        released,
    )
    return CancelOutcome(
        activation=activation, done_rows=activation.done_rows, released_rows=released
    )
