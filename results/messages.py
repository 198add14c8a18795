"""The results app's one table from error code to translated message."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

ERROR_MESSAGES = {
    "external_result_not_found": _(
        "External Result %(id)s does not exist any more. Reload the library and "
        "choose again."
    ),
    "external_result_title_missing": _("Enter a title for the External Result."),
    "external_result_library_title_missing": _(
        "Enter a library title for the External Result."
    ),
    "external_result_title_too_long": _(
        "The title “%(title)s” has %(length)s characters; shorten it to at most "
        "%(max)s."
    ),
    "merge_sources_missing": _(
        "Choose at least one External Result to merge into this one."
    ),
    "merge_target_is_source": _(
        "External Result %(id)s cannot be merged into itself. Leave it out of the "
        "selection."
    ),
}


def error_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Return the translated message for ``code``, filled with ``params``."""
    template = ERROR_MESSAGES.get(code)
    if template is None:
        return str(_("The action failed (%(code)s).")) % {"code": code}
    return str(template) % dict(params or {})
