"""Cleaning of single values: header names, cells and tags."""

import re
import unicodedata
from collections.abc import Sequence

TAG_SEPARATOR = "|"

# ``\s`` covers the no-break spaces (U+00A0, U+202F) that spreadsheets put
# around values. A zero-width space or a stray byte-order mark is invisible in
# a spreadsheet too, so it is trimmed as well.
_EDGE_SPACE = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_INNER_SPACE = re.compile(r"[\s\u200b]+")


def value_clean(value: str) -> str:
    """Return the value without surrounding spaces, including no-break spaces."""
    return _EDGE_SPACE.sub("", value)


def header_normalise(name: str) -> str:
    """
    Return the form of a column name used to compare names.

    Trims spaces and byte-order marks, joins runs of inner white space (such
    as a line break typed in a header cell) into one space, composes accents
    (NFC) and casefolds, so ``" userid "`` and ``"UserId"`` compare equal.
    """
    cleaned = _INNER_SPACE.sub(" ", value_clean(name))
    return unicodedata.normalize("NFC", cleaned).casefold()


def tags_split(value: str) -> list[str]:
    """Split a Tags cell on ``|`` into trimmed tags, dropping empty parts."""
    parts = (value_clean(part) for part in value.split(TAG_SEPARATOR))
    return [part for part in parts if part]


def tags_key(tags: Sequence[str]) -> str:
    """
    Return a key that is equal for the same set of tags.

    The key ignores case, order and repeats: ``["VCA", "bhv", "BHV"]`` and
    ``["bhv", "vca"]`` both give ``"bhv|vca"``.
    """
    folded = {value_clean(tag).casefold() for tag in tags}
    folded.discard("")
    return TAG_SEPARATOR.join(sorted(folded))
