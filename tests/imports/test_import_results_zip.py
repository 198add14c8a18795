"""``import_results --zip``: attachments on the command line, as JSON."""

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.conftest import CASES_DIR
from users.models import User

FILES = CASES_DIR / "files"

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_users(admin_user: User) -> None:
    for email in (
        "jan.devries@example.nl",
        "zoe.muller@example.nl",
        "els.bakker@example.nl",
    ):
        factories.user_create(email=email)


def _run(csv: str, zip_name: str, *extra: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "import_results",
        str(FILES / csv),
        "--user-field=email",
        "--zip",
        str(FILES / zip_name),
        "--json",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_command_zip_attachments(case_users: None) -> None:
    summary = _run("c23-results.csv", "c23-lying-extensions.zip")

    assert summary["staged"] == 3
    assert summary["attachments"]["stored"] == 2
    assert summary["attachments"]["skipped"] == 0
    assert [
        (item["name"], item["code"]) for item in summary["attachments"]["rejected"]
    ] == [
        ("R101_#_certificaat.pdf", "content_mismatch"),
        ("R101_#_foto.jpg", "content_mismatch"),
        ("R102_#_rapport.pdf.exe", "type_not_allowed"),
    ]


def test_command_zip_rows_list_attachments(case_users: None) -> None:
    summary = _run("c27-results.csv", "c27-attachments.zip", "--include-rows")
    rows = {row["result_id"]: row["attachments"] for row in summary["staged_rows"]}

    assert rows["R101"] == [
        {
            "name": "certificaat.pdf",
            "size": 621,
            "sha256": (
                "0d6087657fd3a4eb3c7327be776cc7ebbd36ba9d0068e9c709fce29c5b595e4a"
            ),
        }
    ]
    assert rows["R102"] == [
        {
            "name": "pasfoto.jpg",
            "size": 898,
            "sha256": (
                "85e24b6c4620fadf7bf9838aa76275e7bd5831fc5327d4adced34f37ede8cc87"
            ),
        }
    ]


def test_command_zip_junk_skipped(case_users: None) -> None:
    summary = _run("c19-results.csv", "c19-archiver-junk.zip")

    assert summary["attachments"]["stored"] == 1
    assert summary["attachments"]["skipped"] == 3
    assert summary["attachments"]["rejected"] == []


def test_command_zip_bomb_refuses_import(case_users: None) -> None:
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_results",
            str(FILES / "c22-results.csv"),
            "--user-field=email",
            "--zip",
            str(FILES / "c22-bomb-overlap.zip"),
            "--json",
            stdout=out,
        )
    summary = json.loads(out.getvalue())

    assert summary["staged"] == 0
    assert summary["file_error"]["code"] == "archive_overlapping_entries"
    assert summary["attachments"]["state"] == "failed"


def test_command_without_zip_has_no_attachments(case_users: None) -> None:
    out = io.StringIO()
    call_command(
        "import_results",
        str(FILES / "c27-results.csv"),
        "--user-field=email",
        "--json",
        stdout=out,
    )

    assert json.loads(out.getvalue())["attachments"] is None


def test_command_zip_missing_file(case_users: None) -> None:
    with pytest.raises(CommandError, match="File not found"):
        call_command(
            "import_results",
            str(FILES / "c27-results.csv"),
            "--user-field=email",
            "--zip",
            str(FILES / "bestaat-niet.zip"),
        )


@pytest.mark.parametrize(
    ("csv", "zip_name", "staged", "stored", "rejected", "skipped"),
    [
        ("c19-results.csv", "c19-archiver-junk.zip", 1, 1, 0, 3),
        ("c20-results.csv", "c20-folders.zip", 2, 2, 0, 1),
        ("c22-results.csv", "c22-nested.zip", 3, 2, 1, 0),
        ("c23-results.csv", "c23-lying-extensions.zip", 3, 2, 3, 0),
        ("c27-results.csv", "c27-attachments.zip", 2, 2, 0, 0),
    ],
)
def test_command_zip_accepted_archives(
    case_users: None,
    csv: str,
    zip_name: str,
    staged: int,
    stored: int,
    rejected: int,
    skipped: int,
) -> None:
    summary = _run(csv, zip_name)

    assert summary["file_error"] is None
    assert summary["staged"] == staged
    assert summary["attachments"]["stored"] == stored
    assert len(summary["attachments"]["rejected"]) == rejected
    assert summary["attachments"]["skipped"] == skipped


@pytest.mark.parametrize(
    ("csv", "zip_name", "code"),
    [
        ("c21-results.csv", "c21-zip-slip.zip", "archive_unsafe_names"),
        ("c22-results.csv", "c22-bomb-overlap.zip", "archive_overlapping_entries"),
        ("c22-results.csv", "c22-bomb-forged-size.zip", "archive_entry_too_big"),
    ],
)
def test_command_zip_refused_archives(
    case_users: None, csv: str, zip_name: str, code: str
) -> None:
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_results",
            str(FILES / csv),
            "--user-field=email",
            "--zip",
            str(FILES / zip_name),
            "--json",
            stdout=out,
        )
    summary = json.loads(out.getvalue())

    assert summary["file_error"]["code"] == code
    assert summary["staged"] == 0
    assert summary["attachments"]["stored"] == 0
