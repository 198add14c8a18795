"""Tests of the code-to-message table of the imports app."""

import logging
from collections.abc import Iterator

import pytest
from django.utils.translation import override

from imports.messages import (
    FILE_ERROR_MESSAGES,
    REJECTION_MESSAGES,
    activation_error_message,
    file_error_message,
    rejection_message,
    warning_message,
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with override("en"):
        yield


def test_rejection_date_impossible() -> None:
    message = rejection_message(
        "date_impossible", {"line": 14, "value": "31-2-2021", "format": "d-M-yyyy"}
    )

    assert message == "Line 14: date “31-2-2021” does not exist (format d-M-yyyy)."


def test_rejection_user_not_found() -> None:
    message = rejection_message(
        "user_not_found", {"line": 3, "field": "e-mail", "value": "piet@example.nl"}
    )

    assert message == "Line 3: no user with e-mail “piet@example.nl”."


def test_rejection_leading_zeros_hint() -> None:
    params = {
        "line": 2,
        "field": "custom_personeelsnummer",
        "value": "123",
        "hint": "leading_zeros",
        "candidates": ["00123", "0123"],
    }

    message = rejection_message("user_not_found", params)

    assert message.startswith("Line 2: no user with custom_personeelsnummer “123”.")
    assert "“00123” and “0123” exist" in message


def test_rejection_list_joined() -> None:
    params = {"line": 5, "fields": ["Timestamp", "LearningActivityTitle"]}

    message = rejection_message("required_missing", params)

    assert message.startswith("Line 5: “Timestamp” and “LearningActivityTitle” empty.")


def test_file_error_delimiter_suggestion() -> None:
    params = {"header": "UserId,Timestamp", "suggested": ",", "delimiter": ";"}

    message = file_error_message("delimiter_mismatch", params)

    assert message == (
        "The file has one column named “UserId,Timestamp”: the delimiter is "
        "probably “,”, not “;”."
    )


def test_unknown_code_generic_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="imports.messages"):
        rejected = rejection_message("no_such_code", {"line": 7})
        refused = file_error_message("no_such_code", {})
        warned = warning_message("no_such_code", {"line": 8})

    assert rejected == "Line 7 was not imported (no_such_code)."
    assert refused == "The file was refused (no_such_code)."
    assert warned == "Note on line 8 (no_such_code)."
    assert caplog.text.count("no_such_code") == 3


def test_missing_parameter_empty(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="imports.messages"):
        message = rejection_message("field_count", {"line": 3})

    assert message.startswith("Line 3:  fields,  expected.")
    assert "Message parameter count missing" in caplog.text


@pytest.mark.parametrize("code", sorted(REJECTION_MESSAGES))
def test_rejection_messages_name_line(code: str) -> None:
    assert rejection_message(code, {"line": 42}).startswith("Line 42")


@pytest.mark.parametrize("code", sorted(FILE_ERROR_MESSAGES))
def test_file_error_messages_render(code: str) -> None:
    assert file_error_message(code, {})


def test_state_shown_as_translated_label() -> None:
    params = {"activation": 3, "state": "running"}

    with override("nl"):
        dutch = activation_error_message("activation_not_failed", params)
    with override("en"):
        english = activation_error_message("activation_not_failed", params)

    assert "“Bezig”" in dutch
    assert "“Running”" in english
    assert "running" not in dutch


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        ("field_count", {"line": 3, "count": 1, "expected": 3}, "Line 3: 1 field,"),
        ("field_count", {"line": 3, "count": 4, "expected": 3}, "Line 3: 4 fields,"),
        (
            "user_ambiguous",
            {"line": 3, "count": 2, "field": "e-mail", "value": "a@b.nl"},
            "Line 3: 2 users match e-mail",
        ),
    ],
)
def test_rejection_plural_forms(
    code: str, params: dict[str, object], expected: str
) -> None:
    assert rejection_message(code, params).startswith(expected)


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        (
            "too_many_rows",
            {"count": 1, "max": 0},
            "The file has 1 data row; the maximum is 0.",
        ),
        (
            "archive_too_many_entries",
            {"count": 1, "max": 0},
            "The ZIP holds 1 entry; the maximum is 0.",
        ),
        (
            "archive_too_many_entries",
            {"count": 20001, "max": 20000},
            "The ZIP holds 20001 entries; the maximum is 20000.",
        ),
    ],
)
def test_file_error_plural_forms(
    code: str, params: dict[str, object], expected: str
) -> None:
    assert file_error_message(code, params).startswith(expected)


def test_activation_error_plural_form() -> None:
    one = activation_error_message("import_has_activated_rows", {"batch": 4, "rows": 1})
    many = activation_error_message(
        "import_has_activated_rows", {"batch": 4, "rows": 7}
    )

    assert one.startswith("Import 4 has 1 activated row.")
    assert many.startswith("Import 4 has 7 activated rows.")
