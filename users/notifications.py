"""
The message texts of in-app notifications, keyed by code.

A notification stores a code and parameters, never a finished sentence, so
each reader gets it in the language of their own request. Apps register the
texts of their codes at start-up (in ``AppConfig.ready``) because this app
imports no other.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext

from users.models import Notification

logger = logging.getLogger(__name__)

_messages: dict[str, str | Promise] = {}


def notification_message_register(code: str, message: str | Promise) -> None:
    """
    Register the text shown for notifications with ``code``.

    ``message`` is a lazily translated string with named placeholders, such as
    ``gettext_lazy("Activation %(activation)s finished.")``. Registering the
    same code again with another object raises ``ValueError``, because two
    apps would then disagree about what a stored notification means. Objects
    are compared by identity because translating a lazy string while apps
    are still loading fails.
    """
    known = _messages.get(code)
    if known is not None and known is not message:
        raise ValueError(
            f"Notification code {code!r} is already registered with another text."
        )
    _messages[code] = message


def notification_message_format(code: str, params: Mapping[str, Any]) -> str:
    """
    Translate the text of ``code`` into the active language and fill in ``params``.

    An unknown code or a parameter missing from ``params`` is logged and
    shown as a generic text instead of raising, so one bad stored row cannot
    break the notifications page.
    """
    message = _messages.get(code)
    if message is None:
        logger.warning("No message is registered for notification code %s", code)
        return gettext("Notification “%(code)s”.") % {"code": code}

    try:
        return str(message) % dict(params)
    except (KeyError, TypeError, ValueError):
        logger.warning(
            "Notification code %s cannot be formatted with parameters %r",
            code,
            dict(params),
        )
        return gettext("Notification “%(code)s”.") % {"code": code}


def notification_message(notification: Notification) -> str:
    """Return the text of ``notification`` in the active language."""
    return notification_message_format(notification.code, notification.params)
