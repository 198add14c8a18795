"""The Dutch translation: complete, compiled, and used by default."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from imports.messages import rejection_message

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"

# One msgid or msgstr keyword with the first line of its string. Continuation
# lines ("...") follow on their own lines.
_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')
_CONTINUATION = re.compile(r'^"(.*)"$')


def po_entries(path: Path) -> list[dict[str, str]]:
    """Parse the active (non-obsolete) entries of a .po file into dicts."""
    entries: list[dict[str, str]] = []
    entry: dict[str, str] = {}
    keyword = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, keyword = {}, ""
            continue
        if line.startswith("#,"):
            entry["#flags"] = line[2:]
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword = match.group(1)
            entry[keyword] = match.group(2)
            continue
        match = _CONTINUATION.match(line)
        assert match and keyword, f"Unexpected line in {path.name}: {line!r}"
        entry[keyword] += match.group(1)
    if entry:
        entries.append(entry)
    return entries


def po_unescape(text: str) -> str:
    """Turn the escapes of a .po string (\\" and \\n) into the characters."""
    # unicode_escape reads bytes as Latin-1, so the UTF-8 bytes of “ and ”
    # pass through unchanged and are decoded as UTF-8 afterwards.
    return text.encode().decode("unicode_escape").encode("latin-1").decode()


def test_po_file_every_entry_translated() -> None:
    entries = po_entries(LOCALE_DIR / "django.po")
    messages = [entry for entry in entries if entry.get("msgid")]

    assert messages, "django.po has no messages; run makemessages -l nl"
    untranslated = [
        entry["msgid"]
        for entry in messages
        if any(not value for key, value in entry.items() if key.startswith("msgstr"))
    ]
    fuzzy = [entry["msgid"] for entry in messages if "fuzzy" in entry.get("#flags", "")]
    assert untranslated == []
    assert fuzzy == []


def test_mo_file_translates_every_msgid() -> None:
    # Read the project's own compiled catalog, not Django's merged one, which
    # also contains Django's translations of common words such as "Cancel".
    mo_path = LOCALE_DIR / "django.mo"
    assert mo_path.exists(), "django.mo is missing; run compilemessages"
    with mo_path.open("rb") as mo_file:
        catalog = gettext.GNUTranslations(mo_file)._catalog  # type: ignore[attr-defined]

    missing = []
    for entry in po_entries(LOCALE_DIR / "django.po"):
        msgid = entry.get("msgid")
        if not msgid:
            continue
        msgid = po_unescape(msgid)
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        keys = [(msgid, 0), (msgid, 1)] if "msgid_plural" in entry else [msgid]
        if not all(catalog.get(key) for key in keys):
            missing.append(msgid)

    assert missing == [], "django.mo is stale; run compilemessages"


def test_rejection_impossible_date_dutch() -> None:
    params = {"line": 12, "value": "31-02-2023", "format": "d-M-yyyy"}

    with translation.override("nl"):
        message = rejection_message("date_impossible", params)

    assert message == "Regel 12: datum “31-02-2023” bestaat niet (notatie d-M-yyyy)."


def test_rejection_impossible_date_english() -> None:
    params = {"line": 12, "value": "31-02-2023", "format": "d-M-yyyy"}

    with translation.override("en"):
        message = rejection_message("date_impossible", params)

    assert message == "Line 12: date “31-02-2023” does not exist (format d-M-yyyy)."


def test_rejection_field_list_joined_dutch() -> None:
    params = {"line": 4, "fields": ["UserId", "Timestamp"]}

    with translation.override("nl"):
        message = rejection_message("required_missing", params)

    assert message.startswith("Regel 4: “UserId” en “Timestamp” ")


@pytest.mark.django_db
def test_wizard_page_dutch_by_default(admin_client: Client) -> None:
    response = admin_client.get(
        reverse("imports:wizard"), headers={"accept_language": "en"}, follow=True
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="nl"' in content
    assert "Resultatenbestand" in content
    assert "Scheidingsteken" in content
    assert "Tekstscheidingsteken" in content
    assert "Tekencodering" in content
    assert "Datumnotatie" in content
    assert "Results file" not in content


@pytest.mark.django_db
def test_wizard_page_english_with_cookie(admin_client: Client) -> None:
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:wizard"), follow=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Results file" in content
    assert "Resultatenbestand" not in content
