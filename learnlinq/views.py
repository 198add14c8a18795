import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

logger = logging.getLogger(__name__)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send administrators to their imports and everyone else to their portfolio."""
    if request.user.has_perm("users.settings_administrator"):
        return redirect("imports:list")
    return redirect("results:portfolio")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """
    Render the page for a POST whose CSRF token is missing or stale.

    Django calls this through ``CSRF_FAILURE_VIEW``. Rendering with the
    request keeps the menu and hands out a fresh token, so reloading the
    form and sending it again works. The reason is logged, never shown.
    """
    logger.warning(
        "CSRF check failed for %s %s by user %s: %s",
        request.method,
        request.path,
        getattr(request.user, "pk", None),
        reason,
    )
    return render(request, "403_csrf.html", status=403)
