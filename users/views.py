"""Pages of the users app: the in-app messages ("Berichten")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from users.notifications import notification_message
from users.services import notifications_mark_read

NOTIFICATIONS_PAGE_SIZE = 50


def notification_link(request: HttpRequest, link: str) -> str:
    """Return ``link`` if it stays on this site, else '' so no link is shown."""
    if url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return link
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """List the user's notifications, newest first. A POST marks all as read."""
    if request.method == "POST":
        count = notifications_mark_read(recipient=request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            ngettext(
                "%(count)s message marked as read.",
                "%(count)s messages marked as read.",
                count,
            )
            % {"count": count},
        )
        return redirect("users:notifications")

    page = Paginator(
        request.user.notifications.order_by("-created_at", "-id"),  # type: ignore[union-attr]
        NOTIFICATIONS_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    items = [
        {
            "notification": notification,
            "text": notification_message(notification),
            "link": notification_link(request, notification.link),
        }
        for notification in page
    ]
    return render(
        request,
        "users/notifications.html",
        {"page_obj": page, "items": items},
    )
