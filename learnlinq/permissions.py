"""Access rules shared by the views of every app."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

SETTINGS_ADMINISTRATOR_PERMISSION = "users.settings_administrator"

M = TypeVar("M", bound=Model)


def user_is_settings_administrator(user: Any) -> bool:
    """Return whether ``user`` may import and activate results."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.has_perm(SETTINGS_ADMINISTRATOR_PERMISSION)
    )


def settings_administrator_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """
    Restrict a view to settings administrators.

    An anonymous visitor is redirected to the login page. A logged-in user
    without the role gets the 403 page, because logging in again would not
    help.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not user_is_settings_administrator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def object_for_administrator(
    request: HttpRequest, queryset: QuerySet[M], **lookup: Any
) -> M:
    """
    Fetch one object a settings administrator may see, or raise ``Http404``.

    Every administrator may open every import and activation of the
    organisation, so the scope is the role itself. The role is checked here
    as well as in the decorator, so a view that forgets the decorator still
    leaks nothing.
    """
    if not user_is_settings_administrator(request.user):
        raise PermissionDenied
    return get_object_or_404(queryset, **lookup)
