"""
Running an activation: the Celery worker's side of turning staged rows into results.

Each chunk of ``ACTIVATION_CHUNK_SIZE`` rows is written and committed in its
own transaction, so progress is visible to other connections and a job that
died half-way resumes with the rows not yet written.
"""

import logging
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from imports.models import Activation, ActivationGroup, StagedRow
from imports.notifications import activation_link, activation_notification_params
from imports.services.attachments import staged_attachments_activate
from results.models import Result
from results.services import ResultDraft, results_bulk_create
from results.services.learning_paths import participations_recalculate
from users.services import notification_create

logger = logging.getLogger(__name__)

Mode = Activation.Mode
State = Activation.State


def _after_chunk(activation: Activation, result_ids: list[int]) -> None:
    """
    Run follow-up work for the results of one chunk, inside its transaction.

    Called once per chunk with the ids of the results the chunk wrote (or
    found written by an earlier run). An exception here rolls the chunk back
    and fails the activation, so a follow-up step never misses a chunk.
    """
    # Portfolio-only results never pass a learning activity.
    if activation.mode == Mode.PORTFOLIO or not result_ids:
        return
    learner_ids = set(
        Result.objects.filter(pk__in=result_ids).values_list("learner_id", flat=True)
    )
    participations_recalculate(learner_ids=learner_ids)


def _result_draft(
    row: StagedRow, group: ActivationGroup, portfolio: bool
) -> ResultDraft:
    return ResultDraft(
        learner_id=row.learner_id,
        achieved_on=row.achieved_on,
        achieved_time=row.achieved_time,
        title=row.title,
        tags=list(row.tags),
        external_result_id=None if portfolio else group.external_result_id,
        portfolio_only=portfolio,
        source_batch_id=row.batch_id,
        source_line=row.line,
        source_result_id=row.result_id,
    )


def _chunk_write(activation: Activation, groups: dict[int, ActivationGroup]) -> int:
    """
    Write the next chunk of claimed rows as results and return its row count.

    Rows are locked (PostgreSQL) or the transaction holds SQLite's write lock
    from its start, so a second worker running the same activation waits
    and then takes the following rows instead of the same ones.
    """
    portfolio = activation.mode == Mode.PORTFOLIO
    with transaction.atomic():
        # A cancelled activation stops here, after the chunk that was running
        # when it was cancelled.
        running = Activation.objects.filter(pk=activation.pk, state=State.RUNNING)
        if not running.exists():
            logger.info("Activation %s is no longer running; stopping", activation.pk)
            return 0
        rows = list(
            StagedRow.objects.select_for_update()
            .filter(activation_group__activation=activation, activated_at__isnull=True)
            .order_by("id")[: settings.ACTIVATION_CHUNK_SIZE]
        )
        if not rows:
            return 0

        drafts = [
            # The query above only returns claimed rows, so the group is set.
            _result_draft(row, groups[cast(int, row.activation_group_id)], portfolio)
            for row in rows
        ]
        result_ids = results_bulk_create(drafts=drafts)
        staged_attachments_activate(
            row_ids=[row.pk for row in rows], result_ids=result_ids
        )

        marked = StagedRow.objects.filter(
            pk__in=[row.pk for row in rows], activated_at__isnull=True
        ).update(activated_at=timezone.now())
        Activation.objects.filter(pk=activation.pk).update(
            done_rows=F("done_rows") + marked, updated_at=timezone.now()
        )
        _after_chunk(activation, result_ids)

    logger.info(
        "Activation %s wrote a chunk of %s rows (lines %s to %s)",
        activation.pk,
        marked,
        rows[0].line,
        rows[-1].line,
    )
    return len(rows)


def _activation_finish(activation: Activation) -> None:
    # The state and the notification commit together, so whoever sees the
    # activation finished also finds its message.
    with transaction.atomic():
        finished = Activation.objects.filter(
            pk=activation.pk, state=State.RUNNING
        ).update(
            state=State.FINISHED, finished_at=timezone.now(), updated_at=timezone.now()
        )
        activation.refresh_from_db()
        if not finished:
            # Another run of the same activation finished it first and sent
            # the notification, or the activation was cancelled meanwhile.
            logger.info(
                "Activation %s is %s; not marking it finished",
                activation.pk,
                activation.state,
            )
            return

        notification_create(
            recipient=activation.created_by,
            code="activation_finished",
            params=activation_notification_params(
                activation, done=activation.done_rows
            ),
            link=activation_link(activation),
        )
    logger.info(
        "Finished activation %s: %s of %s rows written",
        activation.pk,
        activation.done_rows,
        activation.total_rows,
    )


# Characters of the error text kept with a failure; enough for a database
# message, short enough for a notification.
FAILURE_DETAIL_MAX_LENGTH = 300


def _activation_fail(activation: Activation, error: Exception) -> None:
    # The error's class and text go into the failure and the notification, so
    # the administrator reads why it failed without access to the server log.
    reason = {
        "error": type(error).__name__,
        "detail": str(error)[:FAILURE_DETAIL_MAX_LENGTH],
    }
    with transaction.atomic():
        failed = Activation.objects.filter(
            pk=activation.pk, state__in=[State.QUEUED, State.RUNNING]
        ).update(
            state=State.FAILED,
            finished_at=timezone.now(),
            failure_code="unexpected_error",
            failure_params=reason,
            updated_at=timezone.now(),
        )
        activation.refresh_from_db()
        if not failed:
            return
        notification_create(
            recipient=activation.created_by,
            code="activation_failed",
            params=activation_notification_params(
                activation, done=activation.done_rows, **reason
            ),
            link=activation_link(activation),
        )


def activation_run(*, activation_id: int) -> Activation:
    """
    Write the claimed rows of an activation as results, one chunk at a time.

    1. A finished or failed activation is a logged no-op, because a
       redelivered task must not run it again.
    2. Mark it RUNNING with a conditional UPDATE from QUEUED or RUNNING, so a
       run that lost a race with a failure does nothing. RUNNING is accepted
       because a worker killed half-way leaves it so, and its redelivered
       task resumes the job.
    3. Write chunks of ``ACTIVATION_CHUNK_SIZE`` rows, each in its own
       transaction that creates the results, marks the rows activated and
       adds to ``done_rows``. Progress is visible to other connections after
       every chunk, and a crash loses at most the chunk in flight. The
       unique source-line constraint keeps a repeated chunk from writing any
       result twice.
    4. When no claimed row is left, mark it FINISHED and notify the
       administrator.

    An unexpected error marks the activation FAILED with a failure code and
    notifies the administrator. Results of chunks already committed stay,
    and ``activation_retry`` continues with the remaining rows. Activation
    creates results only and never enrols a learner in anything.
    """
    activation = Activation.objects.select_related("batch", "created_by").get(
        pk=activation_id
    )
    if activation.is_final:
        logger.info(
            "Activation %s is already %s; nothing to run",
            activation.pk,
            activation.state,
        )
        return activation

    now = timezone.now()
    started = Activation.objects.filter(
        pk=activation.pk, state__in=[State.QUEUED, State.RUNNING]
    ).update(
        state=State.RUNNING,
        # A resumed run keeps the time the job first started.
        started_at=Coalesce("started_at", Value(now)),
        updated_at=now,
    )
    if not started:
        activation.refresh_from_db()
        logger.info(
            "Activation %s became %s before it ran", activation.pk, activation.state
        )
        return activation
    logger.info(
        "Running activation %s of import %s: %s rows",
        activation.pk,
        activation.batch_id,
        activation.total_rows,
    )

    groups = {group.pk: group for group in activation.groups.all()}
    try:
        while _chunk_write(activation, groups):
            pass
        _activation_finish(activation)
    except Exception as error:
        logger.exception("Activation %s failed", activation.pk)
        _activation_fail(activation, error)
    return activation
