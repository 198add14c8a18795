"""
Match the UserId values of a file to users, a bounded number of queries in all.

One query per lookup kind serves every row: usernames and ImportIDs compare
exactly, e-mail addresses ignoring case through the ``Lower("email")`` index,
and free fields through their value index. A value that fits several users
is ambiguous and matches none of them.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models.functions import Lower

from imports import fields
from users.models import FreeField, FreeFieldValue, User

# Values per query. 20,000 fits the bind-parameter limits of SQLite (32,766
# since 3.32) and PostgreSQL (65,535), so a file of the default maximum size
# is matched with one query per lookup kind.
MATCH_CHUNK_SIZE = 20_000

# A number a spreadsheet wrote in scientific notation, such as 8.8E+15.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")


@dataclass(frozen=True)
class UserMatch:
    """The outcome for one UserId value: a user id, or a rejection code."""

    user_id: int | None
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def users_match(*, user_field: str, values: Iterable[str]) -> dict[str, UserMatch]:
    """Return a match for every distinct value, keyed by the value as given."""
    distinct = sorted(set(values))
    if not distinct:
        return {}

    found = _users_by_key(
        user_field=user_field, keys=[_key(user_field, v) for v in distinct]
    )
    unmatched = [value for value in distinct if not found.get(_key(user_field, value))]
    padded = _values_with_leading_zeros(user_field=user_field, values=unmatched)

    matches: dict[str, UserMatch] = {}
    for value in distinct:
        user_ids = found.get(_key(user_field, value), [])
        params: dict[str, Any] = {"field": _field_label(user_field), "value": value}
        if len(user_ids) == 1:
            matches[value] = UserMatch(user_id=user_ids[0])
        elif user_ids:
            params["count"] = len(user_ids)
            matches[value] = UserMatch(None, "user_ambiguous", params)
        else:
            params.update(_damage_hint(value, padded))
            matches[value] = UserMatch(None, "user_not_found", params)
    return matches


def _key(user_field: str, value: str) -> str:
    # SQL LOWER() and str.lower() agree on ASCII, which is what addresses hold.
    if user_field == fields.USER_FIELD_EMAIL:
        return value.lower()
    return value


def _field_label(user_field: str) -> str:
    return {
        fields.USER_FIELD_EMAIL: "e-mail",
        fields.USER_FIELD_USERNAME: "username",
        fields.USER_FIELD_IMPORT_ID: "ImportID",
    }.get(user_field, user_field)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), MATCH_CHUNK_SIZE):
        yield items[start : start + MATCH_CHUNK_SIZE]


def _users_by_key(*, user_field: str, keys: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for chunk in _chunks(sorted(set(keys))):
        for key, user_id in _lookup_rows(user_field=user_field, keys=chunk):
            if key is not None:
                found.setdefault(key, []).append(user_id)
    return found


def _lookup_rows(
    *, user_field: str, keys: list[str]
) -> Iterable[tuple[str | None, int]]:
    if user_field == fields.USER_FIELD_EMAIL:
        return (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=keys)
            .values_list("email_lower", "pk")
        )
    if user_field == fields.USER_FIELD_USERNAME:
        return User.objects.filter(username__in=keys).values_list("username", "pk")
    if user_field == fields.USER_FIELD_IMPORT_ID:
        return User.objects.filter(import_id__in=keys).values_list("import_id", "pk")
    return FreeFieldValue.objects.filter(
        field__name=user_field, value__in=keys
    ).values_list("value", "user_id")


def _values_with_leading_zeros(
    *, user_field: str, values: list[str]
) -> dict[str, list[str]]:
    """
    Return digits-only value -> stored values that equal it with leading zeros.

    One query fetches the stored values of the field that start with a zero;
    it runs only when some unmatched value is all digits.
    """
    wanted = {value for value in values if value.isascii() and value.isdigit()}
    if not wanted or user_field == fields.USER_FIELD_EMAIL:
        return {}

    stored: Iterable[str | None]
    if user_field == fields.USER_FIELD_USERNAME:
        stored = User.objects.filter(username__startswith="0").values_list(
            "username", flat=True
        )
    elif user_field == fields.USER_FIELD_IMPORT_ID:
        stored = User.objects.filter(import_id__startswith="0").values_list(
            "import_id", flat=True
        )
    else:
        field_id = FreeField.objects.filter(name=user_field).values("pk")
        stored = FreeFieldValue.objects.filter(
            field_id__in=field_id, value__startswith="0"
        ).values_list("value", flat=True)

    wanted_by_digits: dict[str, list[str]] = {}
    for value in wanted:
        wanted_by_digits.setdefault(_without_leading_zeros(value), []).append(value)

    padded: dict[str, list[str]] = {}
    for candidate in stored:
        if candidate is None:
            continue
        for value in wanted_by_digits.get(_without_leading_zeros(candidate), []):
            if len(candidate) > len(value):
                padded.setdefault(value, []).append(candidate)
    return {value: sorted(found) for value, found in padded.items()}


def _without_leading_zeros(value: str) -> str:
    return value.lstrip("0") or "0"


def _damage_hint(value: str, padded: dict[str, list[str]]) -> dict[str, Any]:
    if value in padded:
        return {"hint": "leading_zeros", "candidates": padded[value]}
    if _SCIENTIFIC.match(value):
        return {"hint": "scientific_notation"}
    return {}
