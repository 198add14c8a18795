"""The review page: staged rows grouped by title and tags, delete and activate."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from imports.forms.review import (
    ReviewActionForm,
    ReviewSearchForm,
    group_key_decode,
    group_key_encode,
)
from imports.models import ImportBatch, StagedRow
from imports.selectors import GroupKey, review_group_rows, review_groups
from imports.services.review import staged_rows_delete
from imports.views.runs import RUN_PARAM, run_token_new
from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)

logger = logging.getLogger(__name__)

GROUPS_PAGE_SIZE = 100
ROWS_PAGE_SIZE = 50


def activation_run_session_key(token: str) -> str:
    """Return the session key of one activation wizard run's groups and choices."""
    return f"activation:{token}"


def activation_run_start(
    request: HttpRequest, batch: ImportBatch, keys: list[GroupKey]
) -> str:
    """
    Store the selected groups under a new run token and return the token.

    Each run has its own state, so a second selection in another tab starts
    a second run instead of replacing the first one's groups.
    """
    token = run_token_new()
    request.session[activation_run_session_key(token)] = {
        "batch": batch.pk,
        "keys": [[key.title, key.tags_key] for key in keys],
        "choices": {},
    }
    return token


@settings_administrator_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """
    List the import's review groups, and delete or activate a selection.

    The page issues a fixed number of queries whatever the row count: the
    groups come counted from the database and only one group's rows are
    loaded, one page at a time.
    """
    batch = object_for_administrator(request, ImportBatch.objects.all(), pk=pk)

    action_form = ReviewActionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if action_form.is_valid():
            return review_action(request, batch, action_form)
        for error in action_form.non_field_errors():
            messages.error(request, str(error))
        return redirect(request.get_full_path())

    search_form = ReviewSearchForm(request.GET)
    search = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    groups = review_groups(batch=batch, search=search)
    groups_page = Paginator(groups, GROUPS_PAGE_SIZE).get_page(request.GET.get("page"))

    expanded_key = group_key_decode(request.GET.get("group", ""))
    expanded_rows = None
    if expanded_key is not None:
        expanded_rows = Paginator(
            review_group_rows(batch=batch, key=expanded_key), ROWS_PAGE_SIZE
        ).get_page(request.GET.get("rows_page"))

    return render(
        request,
        "imports/review.html",
        {
            "batch": batch,
            "search_form": search_form,
            "search": search,
            "groups": [(group, group_key_encode(group.key)) for group in groups_page],
            "page_obj": groups_page,
            "query_prefix": urlencode({"q": search}) + "&" if search else "",
            "total_rows": sum(group.rows for group in groups),
            "expanded_key": expanded_key,
            "expanded_value": group_key_encode(expanded_key) if expanded_key else "",
            "expanded_rows": expanded_rows,
            "expanded_query": (
                urlencode({"q": search, "group": group_key_encode(expanded_key)}) + "&"
                if expanded_key
                else ""
            ),
        },
    )


def review_action(
    request: HttpRequest, batch: ImportBatch, form: ReviewActionForm
) -> HttpResponse:
    """Carry out a valid POST of the review page and redirect."""
    action = form.cleaned_data["action"]
    keys: list[GroupKey] = form.cleaned_data["groups"]

    if action == ReviewActionForm.ACTIVATE:
        unknown = unknown_group_keys(batch, keys)
        if unknown:
            logger.info(
                "Activation of batch %s rejected for user %s: %s unknown groups",
                batch.pk,
                request.user.pk,
                len(unknown),
            )
            messages.error(
                request,
                _(
                    "These groups are not waiting for review in this import, so "
                    "nothing was activated: %(titles)s. Select the groups again."
                )
                % {"titles": ", ".join(f"“{key.title}”" for key in unknown)},
            )
            return redirect(request.get_full_path())
        token = activation_run_start(request, batch, keys)
        url = reverse("imports:activate", kwargs={"pk": batch.pk})
        return redirect(url + "?" + urlencode({RUN_PARAM: token}))

    stale = stale_selection_message(batch, form)
    if stale:
        logger.info(
            "Delete in batch %s rejected for user %s: selection no longer waiting",
            batch.pk,
            request.user.pk,
        )
        messages.error(request, stale)
        return redirect(request.get_full_path())

    if not form.cleaned_data["confirm"]:
        return delete_confirm(request, batch, form)

    if action == ReviewActionForm.DELETE_GROUPS:
        deleted = staged_rows_delete(batch=batch, keys=keys, deleted_by=request.user)  # type: ignore[arg-type]
    else:
        deleted = staged_rows_delete(
            batch=batch,
            row_ids=form.cleaned_data["rows"],
            deleted_by=request.user,  # type: ignore[arg-type]
        )
    messages.success(
        request,
        ngettext(
            "%(count)s staged row deleted.", "%(count)s staged rows deleted.", deleted
        )
        % {"count": deleted},
    )
    return redirect(request.get_full_path())


def stale_selection_message(batch: ImportBatch, form: ReviewActionForm) -> str:
    """
    Return why a delete selection no longer fits the import, or ''.

    A group or row deleted or activated since the page was loaded, or a row
    of another import, makes the whole delete stop, as activation does, so
    the confirmation never lists less than the user selected.
    """
    if form.cleaned_data["action"] == ReviewActionForm.DELETE_GROUPS:
        unknown = unknown_group_keys(batch, form.cleaned_data["groups"])
        if not unknown:
            return ""
        return _(
            "These groups are not waiting for review in this import, so "
            "nothing was deleted: %(titles)s. Select the groups again."
        ) % {"titles": ", ".join(f"“{key.title}”" for key in unknown)}

    row_ids: list[int] = form.cleaned_data["rows"]
    waiting = StagedRow.objects.filter(
        batch=batch, pk__in=row_ids, activation_group__isnull=True
    ).count()
    missing = len(set(row_ids)) - waiting
    if not missing:
        return ""
    return ngettext(
        "%(count)s selected row is not waiting for review in this import, so "
        "nothing was deleted. Select the rows again.",
        "%(count)s selected rows are not waiting for review in this import, so "
        "nothing was deleted. Select the rows again.",
        missing,
    ) % {"count": missing}


def unknown_group_keys(batch: ImportBatch, keys: list[GroupKey]) -> list[GroupKey]:
    """Return the keys that name no group of ``batch`` still waiting for review."""
    known = {group.key for group in review_groups(batch=batch)}
    return [key for key in keys if key not in known]


def delete_confirm(
    request: HttpRequest, batch: ImportBatch, form: ReviewActionForm
) -> HttpResponse:
    """
    Show what a delete would remove, with a form that posts it again confirmed.

    Works without JavaScript: the page repeats the selection as hidden fields
    with ``confirm=1``, and only that second POST deletes.
    """
    keys: list[GroupKey] = form.cleaned_data["groups"]
    row_ids: list[int] = form.cleaned_data["rows"]
    groups = []
    rows = None
    if form.cleaned_data["action"] == ReviewActionForm.DELETE_GROUPS:
        wanted = set(keys)
        groups = [
            (group, group_key_encode(group.key))
            for group in review_groups(batch=batch)
            if group.key in wanted
        ]
    else:
        rows = (
            StagedRow.objects.filter(
                batch=batch, pk__in=row_ids, activation_group__isnull=True
            )
            .select_related("learner")
            .order_by("line")
        )
    return render(
        request,
        "imports/review_delete_confirm.html",
        {
            "batch": batch,
            "action": form.cleaned_data["action"],
            "groups": groups,
            "group_rows": sum(group.rows for group, _value in groups),
            "rows": rows,
        },
    )
