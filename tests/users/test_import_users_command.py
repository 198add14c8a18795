import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import CASES_DIR
from users.models import User


def _run(*args: str) -> str:
    output = StringIO()
    with translation.override("en"):
        call_command("import_users", *args, stdout=output)
    return output.getvalue()


@pytest.mark.django_db
def test_import_users_prints_counts() -> None:
    output = _run(str(CASES_DIR / "users.csv"))

    assert "created: 6, updated: 0, unchanged: 0, rejected: 0" in output
    assert "free fields created: custom_personeelsnummer" in output
    assert User.objects.count() == 6


@pytest.mark.django_db
def test_import_users_rerun_unchanged() -> None:
    _run(str(CASES_DIR / "users.csv"))

    output = _run(str(CASES_DIR / "users.csv"))

    assert "created: 0, updated: 0, unchanged: 6, rejected: 0" in output


@pytest.mark.django_db
def test_import_users_prints_rejected_lines(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("Username;Email\nanna;anna@example.nl\n;x@example.nl\n")

    output = _run(str(path))

    assert "created: 1, updated: 0, unchanged: 0, rejected: 1" in output
    assert "Line 3: the username is missing. Fill it in." in output


@pytest.mark.django_db
def test_import_users_json_output(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("Username,Email\r\nanna,anna(at)example.nl\r\nbert,\r\n")

    result = json.loads(_run(str(path), "--json", "--delimiter", ","))

    assert result["created"] == 1
    assert result["rejected"] == 1
    assert result["rejected_lines"] == [
        {
            "line": 2,
            "username": "anna",
            "code": "email_invalid",
            "params": {"value": "anna(at)example.nl"},
            "message": "Line 2: e-mail address “anna(at)example.nl” is invalid. "
            "Correct it or leave the cell empty.",
        }
    ]


@pytest.mark.django_db
def test_import_users_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_bytes("Username;Name\nzmuller;Zoë Müller\n".encode("cp1252"))

    _run(str(path), "--encoding", "windows-1252")

    assert User.objects.get(username="zmuller").name == "Zoë Müller"


@pytest.mark.django_db
def test_import_users_file_fault_names_file(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name\nAnna\n")

    with pytest.raises(CommandError, match=r"^people\.csv: The header has no Username"):
        _run(str(path))

    assert User.objects.count() == 0


@pytest.mark.django_db
def test_import_users_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file or directory"):
        _run(str(tmp_path / "absent.csv"))
