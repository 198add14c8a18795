"""
The activation wizard and the activation pages.

The wizard keeps the selected group keys and the choices made so far in the
session under the run token that the review page creates (``?run=``). So
two runs in two tabs, of one import or of two, never share a selection.
Steps: mode, target and overview. Merge chooses one External Result on the
target step, individual mode one per group, and portfolio mode skips the
step. The overview's POST activates.
"""

import hashlib
import json
import logging
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from imports.forms.activation import (
    MODE_EXPLANATIONS,
    ActivateForm,
    ModeForm,
    TargetForm,
)
from imports.messages import activation_error_message
from imports.models import Activation, ImportBatch, StagedRow
from imports.selectors import GroupKey, external_results_by_title, review_groups
from imports.services.activation import (
    GroupTarget,
    activation_create,
    activation_overview,
    activation_retry,
)
from imports.services.recovery import activation_worker_missing
from imports.services.rollback import ROLLBACK_STATES
from imports.views.review import activation_run_session_key
from imports.views.runs import RUN_PARAM, run_token_get
from learnlinq.errors import InputRejected
from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)
from results.models import ExternalResult

logger = logging.getLogger(__name__)

MODE, TARGET, OVERVIEW = "mode", "target", "overview"
ACTIVATIONS_PAGE_SIZE = 25
MODES_WITH_TARGET = (Activation.Mode.MERGE, Activation.Mode.INDIVIDUAL)

GroupTargetFormSet = formset_factory(TargetForm, extra=0)


def run_state(request: HttpRequest, run: str) -> dict[str, Any]:
    return dict(request.session.get(activation_run_session_key(run)) or {})


def selected_keys(request: HttpRequest, run: str) -> list[GroupKey]:
    """Return the group keys chosen on the review page for this wizard run."""
    stored = run_state(request, run).get("keys") or []
    return [GroupKey(title=title, tags_key=tags_key) for title, tags_key in stored]


def selected_keys_store(request: HttpRequest, run: str, keys: list[GroupKey]) -> None:
    request.session[activation_run_session_key(run)] = {
        **run_state(request, run),
        "keys": [[key.title, key.tags_key] for key in keys],
    }


def stored_choices(request: HttpRequest, run: str) -> dict[str, Any]:
    return dict(run_state(request, run).get("choices") or {})


def choices_store(request: HttpRequest, run: str, **choices: Any) -> None:
    request.session[activation_run_session_key(run)] = {
        **run_state(request, run),
        "choices": {**stored_choices(request, run), **choices},
    }


def selection_fingerprint(
    keys: list[GroupKey], mode: str, choices: dict[str, Any]
) -> str:
    """
    Return a hash of the groups, the mode and the targets an overview shows.

    The overview's form posts it back, so Activate is rejected when the run's
    selection changed after the page was shown, for example in another tab.
    """
    selection: dict[str, Any] = {
        "keys": sorted([key.title, key.tags_key] for key in keys),
        "mode": mode,
    }
    if mode == Activation.Mode.MERGE:
        for name in ("external_result", "new_title", "new_library_title"):
            selection[name] = choices.get(name)
    if mode == Activation.Mode.INDIVIDUAL:
        # Each entry starts with the unique group key, so the sort never
        # has to compare an External Result id with None.
        selection["group_targets"] = sorted(choices.get("group_targets") or [])
    payload = json.dumps(selection, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def post_data(request: HttpRequest) -> Any:
    """Return the POST data to bind a form to, or None on GET."""
    # An empty POST must still bind the form, so ``request.POST or None``
    # would not do: the Activate button posts no fields.
    return request.POST if request.method == "POST" else None


def step_url(batch: ImportBatch, run: str, step: str) -> str:
    query = urlencode({RUN_PARAM: run, "step": step})
    return reverse("imports:activate", kwargs={"pk": batch.pk}) + "?" + query


@settings_administrator_required
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    """
    Walk the administrator through mode, target and overview, then activate.

    Without a known run token, or without selected groups in the run (a
    bookmarked, finished or expired wizard), the page sends the
    administrator back to the review page.
    """
    batch = object_for_administrator(request, ImportBatch.objects.all(), pk=pk)
    run = run_token_get(request)
    state = run_state(request, run) if run else {}
    keys = selected_keys(request, run) if run else []
    if run is None or state.get("batch") != batch.pk or not keys:
        messages.warning(
            request,
            _(
                "This activation is no longer open, or its groups were not "
                "selected. Select the groups to activate again."
            ),
        )
        return redirect("imports:review", pk=batch.pk)

    groups = selected_groups(batch, keys)
    step = request.GET.get("step", MODE)
    choices = stored_choices(request, run)
    if step not in (MODE, TARGET, OVERVIEW) or (step != MODE and "mode" not in choices):
        step = MODE

    if step == MODE:
        return mode_step(request, batch, run, groups, choices)
    if step == TARGET:
        return target_step(request, batch, run, groups, choices)
    return overview_step(request, batch, run, keys, groups, choices)


def selected_groups(batch: ImportBatch, keys: list[GroupKey]) -> list[Any]:
    """Return the review groups of ``keys`` that are still unclaimed, in key order."""
    requested = set(keys)
    by_key = {
        group.key: group
        for group in review_groups(batch=batch)
        if group.key in requested
    }
    return [by_key[key] for key in keys if key in by_key]


def mode_step(
    request: HttpRequest,
    batch: ImportBatch,
    run: str,
    groups: list[Any],
    choices: dict[str, Any],
) -> HttpResponse:
    form = ModeForm(post_data(request), initial={"mode": choices.get("mode")})
    if request.method == "POST" and form.is_valid():
        mode = form.cleaned_data["mode"]
        choices_store(request, run, mode=mode)
        next_step = TARGET if mode in MODES_WITH_TARGET else OVERVIEW
        return redirect(step_url(batch, run, next_step))

    modes = [
        (choice, MODE_EXPLANATIONS[Activation.Mode(choice.data["value"])])
        for choice in form["mode"]
    ]
    return render(
        request,
        "imports/activation/mode.html",
        wizard_context(batch, run, groups, MODE, form=form, modes=modes),
    )


def target_step(
    request: HttpRequest,
    batch: ImportBatch,
    run: str,
    groups: list[Any],
    choices: dict[str, Any],
) -> HttpResponse:
    if choices["mode"] == Activation.Mode.INDIVIDUAL:
        return group_targets_step(request, batch, run, groups, choices)
    if choices["mode"] != Activation.Mode.MERGE:
        return redirect(step_url(batch, run, OVERVIEW))

    first_title = groups[0].title if groups else ""
    initial = {
        "target": TargetForm.EXISTING
        if choices.get("external_result")
        else TargetForm.NEW,
        "external_result": choices.get("external_result"),
        "new_title": choices.get("new_title") or first_title,
        "new_library_title": choices.get("new_library_title") or first_title,
    }
    form = TargetForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        external_result = form.cleaned_data["external_result"]
        choices_store(
            request,
            run,
            external_result=external_result.pk if external_result else None,
            new_title=form.cleaned_data["new_title"],
            new_library_title=form.cleaned_data["new_library_title"],
        )
        return redirect(step_url(batch, run, OVERVIEW))

    return render(
        request,
        "imports/activation/target.html",
        wizard_context(batch, run, groups, TARGET, form=form),
    )


def group_targets_step(
    request: HttpRequest,
    batch: ImportBatch,
    run: str,
    groups: list[Any],
    choices: dict[str, Any],
) -> HttpResponse:
    """
    Ask, per selected group, for an existing External Result or a new one.

    One form per group, in the order of ``groups``. A new External Result's
    titles are pre-filled with the group's title. A group whose title
    already names an External Result of the library (trimmed, any case)
    gets that entry pre-selected, so the library does not fill up with
    identical entries.
    """
    stored = stored_group_targets(choices)
    same_title = external_results_by_title([group.title for group in groups])
    initial = []
    for group in groups:
        chosen = stored.get(group.key)
        if chosen is None:
            existing = same_title.get(group.title.strip().lower())
            chosen = {"external_result": existing.pk if existing else None}
        initial.append(
            {
                "target": TargetForm.EXISTING
                if chosen.get("external_result")
                else TargetForm.NEW,
                "external_result": chosen.get("external_result"),
                "new_title": chosen.get("new_title") or group.title,
                "new_library_title": chosen.get("new_library_title") or group.title,
            }
        )
    formset = GroupTargetFormSet(post_data(request), initial=initial, prefix="group")

    if request.method == "POST" and formset.is_valid():
        group_targets = []
        for group, form in zip(groups, formset.forms, strict=True):
            external_result = form.cleaned_data["external_result"]
            group_targets.append(
                [
                    group.key.title,
                    group.key.tags_key,
                    external_result.pk if external_result else None,
                    form.cleaned_data["new_title"],
                    form.cleaned_data["new_library_title"],
                ]
            )
        choices_store(request, run, group_targets=group_targets)
        return redirect(step_url(batch, run, OVERVIEW))

    return render(
        request,
        "imports/activation/group_targets.html",
        wizard_context(
            batch,
            run,
            groups,
            TARGET,
            formset=formset,
            group_forms=list(zip(groups, formset.forms, strict=True)),
        ),
    )


def stored_group_targets(choices: dict[str, Any]) -> dict[GroupKey, dict[str, Any]]:
    """Return the per-group choices kept in the session, by group key."""
    return {
        GroupKey(title=title, tags_key=tags_key): {
            "external_result": external_result,
            "new_title": new_title,
            "new_library_title": new_library_title,
        }
        for title, tags_key, external_result, new_title, new_library_title in (
            choices.get("group_targets") or []
        )
    }


def group_targets_load(choices: dict[str, Any]) -> dict[GroupKey, GroupTarget] | None:
    """
    Return the per-group targets for the service, or None if one is stale.

    None means an External Result chosen earlier was removed from the
    library meanwhile, or the target step was never completed, so the
    administrator must choose again.
    """
    stored = stored_group_targets(choices)
    if not stored:
        return None
    requested = {item["external_result"] for item in stored.values()} - {None}
    existing = ExternalResult.objects.in_bulk(requested)
    if len(existing) != len(requested):
        return None
    return {
        key: GroupTarget(
            external_result=existing.get(item["external_result"]),
            new_title=item["new_title"],
            new_library_title=item["new_library_title"],
        )
        for key, item in stored.items()
    }


def overview_step(
    request: HttpRequest,
    batch: ImportBatch,
    run: str,
    keys: list[GroupKey],
    groups: list[Any],
    choices: dict[str, Any],
) -> HttpResponse:
    mode = choices["mode"]
    merge = mode == Activation.Mode.MERGE
    external_result = None
    if merge and choices.get("external_result"):
        external_result = ExternalResult.objects.filter(
            pk=choices["external_result"]
        ).first()
    # Individual mode passes its choices per group in ``targets`` instead.
    new_title = choices.get("new_title", "") if merge else ""
    new_library_title = choices.get("new_library_title", "") if merge else ""
    if merge and external_result is None and not new_title:
        return redirect(step_url(batch, run, TARGET))
    targets = None
    if mode == Activation.Mode.INDIVIDUAL:
        targets = group_targets_load(choices)
        if targets is None:
            return redirect(step_url(batch, run, TARGET))

    form = ActivateForm(post_data(request))
    valid = request.method == "POST" and form.is_valid()
    if valid and form.cleaned_data["fingerprint"] != selection_fingerprint(
        keys, mode, choices
    ):
        logger.info(
            "Activation of batch %s rejected for user %s: selection changed",
            batch.pk,
            request.user.pk,
        )
        form.add_error(
            None,
            _(
                "The groups, mode or External Result changed after this overview "
                "was shown, so nothing was activated. Check the overview below "
                "and activate again."
            ),
        )
        valid = False
    if valid:
        try:
            activation = activation_create(
                batch=batch,
                created_by=request.user,  # type: ignore[arg-type]
                keys=keys,
                mode=mode,
                external_result=external_result,
                new_title=new_title,
                new_library_title=new_library_title,
                targets=targets,
            )
        except InputRejected as error:
            logger.info(
                "Activation of batch %s rejected for user %s: %s",
                batch.pk,
                request.user.pk,
                error.code,
            )
            form.add_error(None, activation_error_message(error.code, error.params))
        else:
            request.session.pop(activation_run_session_key(run), None)
            messages.success(
                request,
                ngettext(
                    "Activation %(activation)s is queued with %(rows)s row. This "
                    "page shows its progress; you also get a message when it is "
                    "finished.",
                    "Activation %(activation)s is queued with %(rows)s rows. This "
                    "page shows its progress; you also get a message when it is "
                    "finished.",
                    activation.total_rows,
                )
                % {
                    "activation": activation.pk,
                    "rows": number_format(activation.total_rows, force_grouping=True),
                },
            )
            return redirect("imports:activation-detail", pk=activation.pk)

    try:
        overview = activation_overview(
            batch=batch,
            keys=keys,
            mode=mode,
            external_result=external_result,
            new_title=new_title,
            new_library_title=new_library_title,
            targets=targets,
        )
    except InputRejected as error:
        overview = None
        if not form.errors:
            form.add_error(None, activation_error_message(error.code, error.params))
    if overview is not None and overview.unavailable:
        # Groups activated or deleted elsewhere since the review are dropped
        # from the selection. The page names them, and Activate then starts
        # with the groups that are left.
        keys = [key for key in keys if key not in set(overview.unavailable)]
        selected_keys_store(request, run, keys)
    return render(
        request,
        "imports/activation/overview.html",
        wizard_context(
            batch,
            run,
            groups,
            OVERVIEW,
            form=form,
            overview=overview,
            fingerprint=selection_fingerprint(keys, mode, choices),
            mode_label=Activation.Mode(mode).label,
            back_url=step_url(
                batch, run, TARGET if mode in MODES_WITH_TARGET else MODE
            ),
        ),
    )


def wizard_context(
    batch: ImportBatch, run: str, groups: list[Any], step: str, **extra: Any
) -> dict[str, Any]:
    steps = [
        (MODE, _("Mode")),
        (TARGET, _("External Result")),
        (OVERVIEW, _("Overview")),
    ]
    return {
        "batch": batch,
        "groups": groups,
        "step": step,
        "steps": steps,
        "step_index": [name for name, _label in steps].index(step),
        "run": run,
        "mode_url": step_url(batch, run, MODE),
        "target_url": step_url(batch, run, TARGET),
        **extra,
    }


@require_GET
@settings_administrator_required
def activation_list(request: HttpRequest) -> HttpResponse:
    """List activations: queued and running first, then finished ones."""
    activations = Activation.objects.select_related("batch", "created_by").order_by(
        "-created_at", "-id"
    )
    pending = [item for item in activations.exclude(state__in=Activation.FINAL_STATES)]
    finished = Paginator(
        activations.filter(state__in=Activation.FINAL_STATES), ACTIVATIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/activation/list.html",
        {
            "pending": pending,
            "page_obj": finished,
            "ended_rows": [
                (activation, activation_ended_label(activation))
                for activation in finished
            ],
        },
    )


def activation_ended_label(activation: Activation) -> str:
    """Return the label of the time an activation ended, named by how it ended."""
    labels = {
        Activation.State.FINISHED: _("Finished on"),
        Activation.State.FAILED: _("Failed on"),
        Activation.State.CANCELLED: _("Cancelled on"),
        Activation.State.ROLLED_BACK: _("Rolled back on"),
    }
    return str(labels.get(Activation.State(activation.state), _("Ended on")))


def activation_can_roll_back(activation: Activation) -> bool:
    """
    Tell whether rolling back would undo anything: an ended activation with results.

    A cancelled or failed activation may have written no row at all, and its
    rollback would only show zeros.
    """
    if activation.state not in ROLLBACK_STATES:
        return False
    return StagedRow.objects.filter(
        activation_group__activation=activation, activated_at__isnull=False
    ).exists()


@require_GET
@settings_administrator_required
def activation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one activation: its groups, targets, progress and outcome."""
    activation = object_for_administrator(
        request,
        Activation.objects.select_related("batch", "created_by"),
        pk=pk,
    )
    groups = activation.groups.select_related("external_result").order_by("title", "id")
    return render(
        request,
        "imports/activation/detail.html",
        {
            "activation": activation,
            "groups": groups,
            "worker_missing": activation_worker_missing(activation=activation),
            "ended_label": activation_ended_label(activation),
            "can_roll_back": activation_can_roll_back(activation),
            "failure": (
                activation_error_message(
                    activation.failure_code, activation.failure_params
                )
                if activation.failure_code
                else ""
            ),
        },
    )


@require_POST
@settings_administrator_required
def activation_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a failed activation again, to resume with the rows not yet written."""
    activation = object_for_administrator(request, Activation.objects.all(), pk=pk)

    try:
        activation_retry(
            activation_id=activation.pk,
            retried_by=request.user,  # type: ignore[arg-type]
        )
    except InputRejected as error:
        logger.info(
            "Retry of activation %s rejected for user %s: %s",
            activation.pk,
            request.user.pk,
            error.code,
        )
        messages.error(request, activation_error_message(error.code, error.params))
    else:
        messages.success(
            request,
            _(
                "Activation %(activation)s is queued again. It continues with the "
                "rows not yet activated."
            )
            % {"activation": activation.pk},
        )
    return redirect("imports:activation-detail", pk=activation.pk)


@require_GET
@settings_administrator_required
def activation_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Return an activation's progress for the pages that poll it."""
    activation = object_for_administrator(request, Activation.objects.all(), pk=pk)
    return JsonResponse(
        {
            "state": activation.state,
            "state_label": str(activation.get_state_display()),
            "done": activation.done_rows,
            "total": activation.total_rows,
            "percent": activation.progress_percent,
            "is_final": activation.is_final,
            "worker_missing": activation_worker_missing(activation=activation),
            "ended_label": activation_ended_label(activation),
            "can_roll_back": activation_can_roll_back(activation),
        }
    )
