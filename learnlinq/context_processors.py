from django.http import HttpRequest

from learnlinq.permissions import user_is_settings_administrator

# The menu entry each page belongs to, by "namespace:url name". Pages of the
# imports app not listed here belong to "imports".
MENU_SECTIONS = {
    "imports:activate": "activations",
    "imports:activations": "activations",
    "imports:activation-detail": "activations",
    "results:library": "library",
    "results:external-result-detail": "library",
    "results:external-result-edit": "library",
    "results:external-result-merge": "library",
    "results:learning-paths": "learning-paths",
    "results:participant-status": "learning-paths",
    "learnlinq:audit": "audit",
    "results:portfolio": "portfolio",
    "results:learner-portfolio": "portfolio",
    "results:learners": "portfolio",
    "users:notifications": "messages",
}


def menu_section(request: HttpRequest) -> str:
    """Return the menu entry the current page belongs to, or ''."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    section = MENU_SECTIONS.get(f"{match.namespace}:{match.url_name}", "")
    if not section and match.namespace == "imports":
        return "imports"
    return section


def navigation(request: HttpRequest) -> dict[str, object]:
    """
    Expose what the menu needs: the administrator's pages and the unread count.

    The count is one indexed query per page. It goes through the related
    manager, so this module imports no app.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "is_settings_administrator": False,
            "unread_notifications": 0,
            "menu_section": menu_section(request),
        }

    unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "is_settings_administrator": user_is_settings_administrator(user),
        "unread_notifications": unread,
        "menu_section": menu_section(request),
    }
