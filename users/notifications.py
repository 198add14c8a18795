"""
The message texts of in-app notifications, keyed by code.

A notification stores a code and parameters, never a finished sentence, so
each reader gets it in the language of their own request. Apps register the
texts of their codes at start-up (in ``AppConfig.ready``) because this app
imports no other.
"""

import logging
from collections.abc import Collection, Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext

from users.models import Notification

logger = logging.getLogger(__name__)

_messages: dict[str, str | Promise] = {}
_phrases: dict[str, Mapping[str, Promise]] = {}
_counts: dict[str, Collection[str]] = {}


class _Count(int):
    """
    A count parameter that prints with the active language's digit grouping.

    It stays an ``int``, so ``ngettext`` still chooses the plural form by it.
    """

    def __str__(self) -> str:
        return number_format(int(self))


def notification_message_register(
    code: str,
    message: str | Promise,
    *,
    phrases: Mapping[str, Promise] | None = None,
    counts: Collection[str] = (),
) -> None:
    """
    Register the text shown for notifications with ``code``.

    ``message`` is a lazily translated string with named placeholders, such as
    ``gettext_lazy("Activation %(activation)s finished.")``, or an
    ``ngettext_lazy(..., "rows")`` that chooses its plural form by the stored
    parameter ``rows``. ``phrases`` maps further placeholders of ``message`` to
    such counted phrases, for sentences with more than one count. ``counts``
    names the parameters that are counts, printed with digit grouping (ids
    are not). Registering the same code again with another message object
    raises ``ValueError``, because two apps would then disagree about what a
    stored notification means. Objects are compared by identity because
    translating a lazy string while apps are still loading fails.
    """
    known = _messages.get(code)
    if known is not None and known is not message:
        raise ValueError(
            f"Notification code {code!r} is already registered with another text."
        )
    _messages[code] = message
    _phrases[code] = dict(phrases or {})
    _counts[code] = tuple(counts)


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

    values = dict(params)
    for name in _counts.get(code, ()):
        if isinstance(values.get(name), int):
            values[name] = _Count(values[name])
    try:
        # Each phrase, and a counted message, chooses its plural form in the
        # reader's language from the stored count it names.
        for name, phrase in _phrases.get(code, {}).items():
            values[name] = str(phrase % values)
        return str(message % values)
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
