"""
Activation: turning the staged rows of chosen review groups into results.

``activation_create`` runs in the web request or command: it checks the
choices, claims the rows and enqueues the job. The Celery worker then runs
``imports.services.activation_run.activation_run``, which writes the results
chunk by chunk.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as KombuOperationalError

from imports.models import Activation, ActivationGroup, ImportBatch, StagedRow
from imports.notifications import activation_link, activation_notification_params
from imports.selectors import GroupKey, ReviewGroup, review_groups
from imports.services.attachments import (
    attachments_pending,
)
from learnlinq.audit import audit_record
from learnlinq.errors import InputRejected
from learnlinq.models import AuditEvent
from results.models import ExternalResult
from results.services import external_result_create
from users.models import User
from users.services import notification_create

logger = logging.getLogger(__name__)

Mode = Activation.Mode
State = Activation.State

TITLE_MAX_LENGTH = ExternalResult._meta.get_field("title").max_length or 255


# Checking the choices ----------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """The External Result choice after checking: an existing one or a new title."""

    external_result: ExternalResult | None
    new_title: str
    new_library_title: str


@dataclass(frozen=True)
class GroupTarget:
    """
    The External Result one group becomes results of, in individual mode.

    Either an existing entry of the library, or a new one with ``new_title``
    (and ``new_library_title``, which defaults to the title).
    """

    external_result: ExternalResult | None
    new_title: str = ""
    new_library_title: str = ""


def _keys_unique(keys: Sequence[GroupKey]) -> list[GroupKey]:
    # Sorted, so two activations that share groups claim them in the same
    # order and cannot deadlock on PostgreSQL's row locks.
    return sorted(set(keys), key=lambda key: (key.title, key.tags_key))


def _target_check(
    *,
    mode: str,
    external_result: ExternalResult | None,
    new_title: str,
    new_library_title: str,
) -> _Target:
    """Check the mode and its External Result choice, raising ``InputRejected``."""
    if mode not in Mode.values:
        raise InputRejected(
            "mode_invalid", {"mode": mode, "choices": ", ".join(Mode.values)}
        )
    new_title = new_title.strip()
    new_library_title = new_library_title.strip()

    if mode == Mode.PORTFOLIO:
        if external_result is not None or new_title or new_library_title:
            raise InputRejected("target_not_allowed", {"mode": mode})
        return _Target(None, "", "")

    if mode == Mode.INDIVIDUAL and external_result is not None:
        # Each group gets its own new External Result, so pointing them all
        # at one existing entry would be a merge.
        raise InputRejected("target_not_allowed", {"mode": mode})

    if mode == Mode.MERGE and external_result is None:
        if not new_title and not new_library_title:
            raise InputRejected("target_missing")
        if not new_title:
            raise InputRejected("title_missing")
    if external_result is not None and (new_title or new_library_title):
        raise InputRejected("target_ambiguous")

    for value in (new_title, new_library_title):
        if len(value) > TITLE_MAX_LENGTH:
            raise InputRejected(
                "title_too_long",
                {"title": value, "length": len(value), "max": TITLE_MAX_LENGTH},
            )
    return _Target(external_result, new_title, new_library_title)


def _group_targets_check(
    *, mode: str, targets: Mapping[GroupKey, GroupTarget] | None
) -> dict[GroupKey, _Target]:
    """
    Check the per-group choices of individual mode, raising ``InputRejected``.

    Only individual mode takes them (``target_not_allowed`` otherwise). Each
    choice needs an existing External Result or a new title, not both.
    """
    if not targets:
        return {}
    if mode != Mode.INDIVIDUAL:
        raise InputRejected("target_not_allowed", {"mode": mode})

    checked = {}
    for key, group_target in targets.items():
        if group_target.external_result is None and not group_target.new_title.strip():
            raise InputRejected("title_missing")
        checked[key] = _target_check(
            mode=Mode.MERGE,
            external_result=group_target.external_result,
            new_title=group_target.new_title,
            new_library_title=group_target.new_library_title,
        )
    return checked


def _groups_select(
    *, batch: ImportBatch, keys: Sequence[GroupKey]
) -> list[ReviewGroup]:
    """Return the review groups for ``keys``, raising if one is gone or claimed."""
    if not keys:
        raise InputRejected("no_groups")
    if batch.state != ImportBatch.State.STAGED:
        raise InputRejected(
            "batch_not_staged", {"batch": batch.pk, "state": batch.state}
        )
    if attachments_pending(batch=batch):
        # Rows activated now would miss the documents still being read.
        raise InputRejected("attachments_pending", {"batch": batch.pk})

    available = {group.key: group for group in review_groups(batch=batch)}
    selected = []
    for key in _keys_unique(keys):
        group = available.get(key)
        if group is None:
            raise InputRejected("group_already_activated", {"title": key.title})
        selected.append(group)
    return selected


# The overview --------------------------------------------------------------


@dataclass
class OverviewGroup:
    """One selected review group as the overview lists it."""

    key: GroupKey
    title: str
    tags: list[str]
    rows: int
    learners: int
    target: str


@dataclass
class ActivationOverview:
    """A summary of the activation some choices would start, for confirmation."""

    mode: str
    groups: list[OverviewGroup]
    total_rows: int
    total_learners: int
    target: str
    # Selected groups that were activated or deleted since they were chosen.
    unavailable: list[GroupKey]


def _new_target_label(title: str) -> str:
    return gettext("new: %(title)s") % {"title": title}


def _learners_count(*, batch: ImportBatch, keys: Sequence[GroupKey]) -> int:
    if not keys:
        return 0
    selection = Q()
    for key in keys:
        selection |= Q(title=key.title, tags_key=key.tags_key)
    return (
        StagedRow.objects.filter(selection, batch=batch, activation_group__isnull=True)
        .aggregate(learners=Count("learner", distinct=True))
        .get("learners")
        or 0
    )


def activation_overview(
    *,
    batch: ImportBatch,
    keys: Sequence[GroupKey],
    mode: str,
    external_result: ExternalResult | None = None,
    new_title: str = "",
    new_library_title: str = "",
    targets: Mapping[GroupKey, GroupTarget] | None = None,
) -> ActivationOverview:
    """
    Describe the activation these choices would start, without writing anything.

    Raises ``InputRejected`` for an invalid mode or External Result choice,
    like ``activation_create``. A selected group that is no longer available
    is listed in ``unavailable`` instead, so a page can show the overview
    again after a concurrent activation took a group. Three queries whatever
    the row count. A learner in several groups counts once in
    ``total_learners``. ``targets`` are the per-group choices of individual
    mode, as ``activation_create`` takes them.
    """
    target = _target_check(
        mode=mode,
        external_result=external_result,
        new_title=new_title,
        new_library_title=new_library_title,
    )
    group_targets = _group_targets_check(mode=mode, targets=targets)
    available = {group.key: group for group in review_groups(batch=batch)}
    selected = _keys_unique(keys)
    groups = [available[key] for key in selected if key in available]
    unavailable = [key for key in selected if key not in available]

    if mode == Mode.PORTFOLIO:
        overall = gettext("portfolio only, no External Result")
    elif mode == Mode.INDIVIDUAL:
        overall = gettext("one External Result per group, as listed below")
    elif target.external_result is not None:
        overall = str(target.external_result)
    else:
        overall = _new_target_label(target.new_title)

    rows = []
    for group in groups:
        chosen = group_targets.get(group.key)
        if chosen is not None and chosen.external_result is not None:
            group_target = str(chosen.external_result)
        elif chosen is not None:
            group_target = _new_target_label(chosen.new_title)
        elif mode == Mode.INDIVIDUAL:
            group_target = _new_target_label(target.new_title or group.title)
        else:
            group_target = overall
        rows.append(
            OverviewGroup(
                key=group.key,
                title=group.title,
                tags=group.tags,
                rows=group.rows,
                learners=group.participants,
                target=group_target,
            )
        )

    return ActivationOverview(
        mode=mode,
        groups=rows,
        total_rows=sum(group.rows for group in groups),
        total_learners=_learners_count(batch=batch, keys=[g.key for g in groups]),
        target=overall,
        unavailable=unavailable,
    )


# Starting an activation ----------------------------------------------------


def _activation_enqueue(activation_id: int) -> None:
    """
    Send the activation's task to the broker, or mark it FAILED if that fails.

    Runs after the commit, so raising would not undo the activation. A job
    that no worker will ever receive is marked FAILED with
    ``enqueue_failed`` instead, so that it can be retried and its page shows
    why it does not start.
    """
    # imports.tasks imports this module, so the task is looked up at call time.
    from imports.tasks import activation_run_task

    try:
        task = activation_run_task.delay(activation_id)
    except KombuOperationalError as error:
        logger.exception("Could not enqueue activation %s", activation_id)
        Activation.objects.filter(pk=activation_id, state=State.QUEUED).update(
            state=State.FAILED,
            finished_at=timezone.now(),
            failure_code="enqueue_failed",
            # The class name only: a broker error's text can contain its URL.
            failure_params={"error": type(error).__name__},
            updated_at=timezone.now(),
        )
        return

    # A plain UPDATE of one column: the worker may already be changing the
    # state of this row, and a save() would overwrite it.
    Activation.objects.filter(pk=activation_id).update(celery_task_id=task.id)
    logger.info("Enqueued activation %s as task %s", activation_id, task.id)


def _external_results_create(
    *,
    mode: str,
    target: _Target,
    group_targets: Mapping[GroupKey, _Target],
    groups: Sequence[ReviewGroup],
    created_by: User,
) -> dict[GroupKey, ExternalResult | None]:
    """
    Return the External Result each group's results will point to.

    In individual mode a group with its own choice in ``group_targets`` gets
    that one. The other groups get a new External Result named after the
    shared new title, or else after the group. Groups whose new titles match
    (trimmed, case-insensitive, library title included) share one new
    External Result, so one activation never adds identical library entries.
    """
    if mode == Mode.PORTFOLIO:
        return {group.key: None for group in groups}

    if mode == Mode.MERGE:
        merged = target.external_result or external_result_create(
            title=target.new_title,
            library_title=target.new_library_title,
            created_by=created_by,
        )
        return {group.key: merged for group in groups}

    created: dict[tuple[str, str], ExternalResult] = {}

    def shared_create(title: str, library_title: str) -> ExternalResult:
        title = title.strip()
        library_title = library_title.strip() or title
        key = (title.casefold(), library_title.casefold())
        if key not in created:
            created[key] = external_result_create(
                title=title, library_title=library_title, created_by=created_by
            )
        return created[key]

    chosen: dict[GroupKey, ExternalResult | None] = {}
    for group in groups:
        group_target = group_targets.get(group.key)
        if group_target is not None and group_target.external_result is not None:
            chosen[group.key] = group_target.external_result
        elif group_target is not None:
            chosen[group.key] = shared_create(
                group_target.new_title, group_target.new_library_title
            )
        else:
            chosen[group.key] = shared_create(
                target.new_title or group.title, target.new_library_title
            )
    return chosen


def activation_create(
    *,
    batch: ImportBatch,
    created_by: User,
    keys: Sequence[GroupKey],
    mode: str,
    external_result: ExternalResult | None = None,
    new_title: str = "",
    new_library_title: str = "",
    targets: Mapping[GroupKey, GroupTarget] | None = None,
    enqueue: bool = True,
) -> Activation:
    """
    Claim the staged rows of the chosen groups for a new activation and enqueue it.

    1. Check the mode, the External Result choice and the groups before any
       write, so bad input raises ``InputRejected`` with nothing to undo.
       Codes: ``mode_invalid``, ``target_missing``, ``title_missing``,
       ``title_too_long``, ``target_not_allowed``, ``target_ambiguous``,
       ``no_groups``, ``batch_not_staged``, ``group_already_activated``.
    2. In one transaction, create the activation, its External Results and
       one activation group per review group. Merge mode makes or reuses one
       External Result. Individual mode takes each group's choice from
       ``targets`` and otherwise a new one named after the group. Portfolio
       mode makes none.
    3. Claim each group's rows with a conditional UPDATE (``activation_group
       IS NULL``). Another administrator may have activated or deleted the
       group since step 1. A claim that updates no row raises
       ``group_already_activated`` and rolls everything back. On PostgreSQL
       the UPDATE's row locks make a second concurrent claim wait, and then
       it finds the rows taken. Groups are claimed in a fixed order, so two
       overlapping claims cannot deadlock.
    4. Store the claimed row counts, record the audit event and notify the
       administrator.
    5. Enqueue the job only on commit, so a worker never looks for an
       activation or rows it cannot see yet. With ``enqueue=False`` nothing
       is sent, and the caller runs ``activation_run`` itself.
    """
    target = _target_check(
        mode=mode,
        external_result=external_result,
        new_title=new_title,
        new_library_title=new_library_title,
    )
    group_targets = _group_targets_check(mode=mode, targets=targets)
    groups = _groups_select(batch=batch, keys=keys)

    with transaction.atomic():
        activation = Activation.objects.create(
            batch=batch, created_by=created_by, mode=mode
        )
        external_results = _external_results_create(
            mode=mode,
            target=target,
            group_targets=group_targets,
            groups=groups,
            created_by=created_by,
        )
        activation_groups = ActivationGroup.objects.bulk_create(
            [
                ActivationGroup(
                    activation=activation,
                    title=group.title,
                    tags=group.tags,
                    tags_key=group.key.tags_key,
                    external_result=external_results[group.key],
                )
                for group in groups
            ]
        )

        for activation_group in activation_groups:
            claimed = StagedRow.objects.filter(
                batch=batch,
                title=activation_group.title,
                tags_key=activation_group.tags_key,
                activation_group__isnull=True,
            ).update(activation_group=activation_group)
            if claimed == 0:
                logger.info(
                    "Activation of import %s stopped: group %r was claimed or "
                    "deleted meanwhile",
                    batch.pk,
                    activation_group.title,
                )
                raise InputRejected(
                    "group_already_activated", {"title": activation_group.title}
                )
            activation_group.row_count = claimed
        ActivationGroup.objects.bulk_update(activation_groups, ["row_count"])

        activation.total_rows = sum(group.row_count for group in activation_groups)
        activation.save(update_fields=["total_rows", "updated_at"])
        audit_record(
            actor=created_by,
            verb=AuditEvent.Verb.ACTIVATED,
            target=activation,
            counts={"rows": activation.total_rows, "groups": len(activation_groups)},
        )
        notification_create(
            recipient=created_by,
            code="activation_started",
            params=activation_notification_params(
                activation, groups=len(activation_groups)
            ),
            link=activation_link(activation),
        )
        if enqueue:
            transaction.on_commit(lambda: _activation_enqueue(activation.pk))

    logger.info(
        "Created activation %s of import %s: mode %s, %s groups, %s rows, by user %s",
        activation.pk,
        batch.pk,
        mode,
        len(activation_groups),
        activation.total_rows,
        created_by.pk,
    )
    return activation


def activation_retry(
    *, activation_id: int, retried_by: User, enqueue: bool = True
) -> Activation:
    """
    Queue a failed activation again, to resume with the rows not yet written.

    Only a FAILED activation can be retried (``activation_not_failed``
    otherwise). The state change is a conditional UPDATE, so two retries at
    once enqueue one job. With ``enqueue=False`` nothing is sent, and the
    caller runs ``activation_run`` itself.
    """
    with transaction.atomic():
        changed = Activation.objects.filter(
            pk=activation_id, state=State.FAILED
        ).update(
            state=State.QUEUED,
            finished_at=None,
            failure_code="",
            failure_params={},
            updated_at=timezone.now(),
        )
        activation = Activation.objects.select_related("batch").get(pk=activation_id)
        if not changed:
            raise InputRejected(
                "activation_not_failed",
                {"activation": activation.pk, "state": activation.state},
            )
        if enqueue:
            transaction.on_commit(lambda: _activation_enqueue(activation_id))

    logger.info("Activation %s queued again by user %s", activation_id, retried_by.pk)
    return activation
