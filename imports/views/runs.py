"""
Run tokens: each wizard run gets its own token, so two tabs of one session
keep separate state instead of overwriting each other's.
"""

import re
import secrets

from django.http import HttpRequest

RUN_PARAM = "run"
# 16 hex digits: 64 random bits, short enough for a URL and a session key.
RUN_TOKEN_PATTERN = re.compile(r"[0-9a-f]{16}")


def run_token_new() -> str:
    return secrets.token_hex(8)


def run_token_get(request: HttpRequest) -> str | None:
    """Return the request's ``?run=`` token, or None if missing or malformed."""
    value = request.GET.get(RUN_PARAM, "")
    return value if RUN_TOKEN_PATTERN.fullmatch(value) else None
