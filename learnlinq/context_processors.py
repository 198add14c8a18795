from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, object]:
    """Expose whether the menu shows the administrator's pages."""
    user = getattr(request, "user", None)
    is_admin = bool(
        user is not None
        and user.is_authenticated
        and user.has_perm("users.settings_administrator")
    )
    return {"is_settings_administrator": is_admin}
