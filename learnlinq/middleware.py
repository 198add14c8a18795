"""Request middleware of the project."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)


class CookieLocaleMiddleware:
    """
    Activate the language from the language cookie, or ``LANGUAGE_CODE``.

    Replaces ``django.middleware.locale.LocaleMiddleware``, which would follow
    the browser's ``Accept-Language`` header. The users are Dutch, but many
    browsers are set to English, so the header is ignored: a page is Dutch
    until the user picks another language with the language switch, whose
    ``set_language`` view stores the choice in the cookie. URL language
    prefixes are not used here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_from_cookie(request) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]

        response = self.get_response(request)

        # Caches must keep one copy per cookie value, because the same URL
        # is served in several languages.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def language_from_cookie(request: HttpRequest) -> str | None:
    """Return the supported language the cookie names, or None."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        # A stale or hand-edited cookie must not break the page.
        logger.info("Ignoring unsupported language cookie %r", code[:20])
        return None
