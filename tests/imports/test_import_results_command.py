"""Tests of ``manage.py import_results``."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import override

from imports.models import ImportBatch
from tests import factories
from tests.conftest import CASES_DIR
from tests.worker import current_database_url
from users.models import User

FILES = CASES_DIR / "files"


def _run(*args: str) -> tuple[dict[str, Any], CommandError | None]:
    stdout = io.StringIO()
    error = None
    try:
        with override("en"):
            call_command("import_results", *args, stdout=stdout, stderr=io.StringIO())
    except CommandError as caught:
        error = caught
    return json.loads(stdout.getvalue()), error


@pytest.mark.usefixtures("case_users")
def test_command_json_shape(admin_user: User) -> None:
    output, error = _run(
        str(FILES / "c16-unknown-user.csv"), "--user-field", "email", "--json"
    )

    assert error is None
    assert set(output) == {
        "batch",
        "rows",
        "staged",
        "not_passed",
        "rejected",
        "errors",
        "file_error",
        "groups",
        "warnings",
        "attachments",
    }
    assert output["rows"] == 3
    assert output["staged"] == 2
    assert output["rejected"] == 1
    assert output["file_error"] is None
    assert output["attachments"] is None
    assert output["errors"] == [
        {
            "line": 3,
            "code": "user_not_found",
            "message": "Line 3: no user with e-mail “piet.onbekend@example.nl”.",
        }
    ]
    assert ImportBatch.objects.get(pk=output["batch"]).created_by == admin_user


@pytest.mark.usefixtures("case_users", "admin_user")
def test_command_groups_counted() -> None:
    output, _error = _run(
        str(FILES / "c16-unknown-user.csv"), "--user-field", "email", "--json"
    )

    assert output["groups"] == [
        {"title": "BHV herhaling", "tags": [], "rows": 1, "participants": 1},
        {"title": "VCA", "tags": [], "rows": 1, "participants": 1},
    ]


@pytest.mark.usefixtures("case_users", "admin_user")
def test_command_include_rows() -> None:
    output, _error = _run(
        str(FILES / "c07-ragged-rows.csv"),
        "--user-field",
        "email",
        "--json",
        "--include-rows",
    )

    assert output["staged_rows"] == [
        {
            "line": 2,
            "username": "jdevries",
            "email": "jan.devries@example.nl",
            "date": "2021-02-03",
            "time": None,
            "title": 'EHBO; reanimatie "AED"',
            "tags": ["EHBO"],
            "result_id": "R101",
            "attachments": [],
        }
    ]


@pytest.mark.usefixtures("case_users", "admin_user")
def test_command_refused_file_exit_one() -> None:
    output, error = _run(
        str(FILES / "c04-comma.csv"), "--user-field", "email", "--json"
    )

    assert error is not None
    assert error.returncode == 1
    assert output["file_error"]["code"] == "delimiter_mismatch"
    assert "“,”" in output["file_error"]["message"]
    assert output["staged"] == 0


@pytest.mark.usefixtures("case_users", "admin_user")
def test_command_map_fixed_passed(tmp_path: Path) -> None:
    source = tmp_path / "register.csv"
    source.write_text(
        "Employee,Date,Status,Role\n"
        "jdevries,2021-02-03,Complete,Teacher\n"
        "zmuller,2021-02-03,In Progress,Teacher\n",
        encoding="utf-8",
    )

    output, _error = _run(
        str(source),
        "--user-field=username",
        "--delimiter=,",
        "--date-format=yyyy-MM-dd",
        "--map=UserId=Employee",
        "--map=Timestamp=Date",
        "--map=Tags=Role",
        "--fixed=LearningActivityTitle=Restraint training",
        "--passed-column=Status",
        "--passed-values=Complete",
        "--json",
    )

    assert output["staged"] == 1
    assert output["not_passed"] == 1
    assert output["rejected"] == 0
    assert output["errors"][0]["code"] == "not_passed"
    assert output["groups"] == [
        {
            "title": "Restraint training",
            "tags": ["Teacher"],
            "rows": 1,
            "participants": 1,
        }
    ]


@pytest.mark.usefixtures("case_users")
def test_command_as_user(learner: User) -> None:
    output, _error = _run(
        str(FILES / "c16-unknown-user.csv"),
        "--user-field=email",
        "--as=leerling",
        "--json",
    )

    assert ImportBatch.objects.get(pk=output["batch"]).created_by == learner


@pytest.mark.usefixtures("case_users")
def test_command_without_administrator_fails() -> None:
    with pytest.raises(CommandError, match="No superuser or settings administrator"):
        call_command(
            "import_results", str(FILES / "c16-unknown-user.csv"), "--user-field=email"
        )


@pytest.mark.usefixtures("case_users", "admin_user")
def test_command_bad_user_field_fails() -> None:
    with override("en"), pytest.raises(CommandError, match="custom_nothing"):
        call_command(
            "import_results",
            str(FILES / "c16-unknown-user.csv"),
            "--user-field=custom_nothing",
        )
    assert not ImportBatch.objects.exists()


@pytest.mark.usefixtures("case_users", "admin_user")
def test_command_text_summary() -> None:
    stdout = io.StringIO()

    with override("en"):
        call_command(
            "import_results",
            str(FILES / "c16-unknown-user.csv"),
            "--user-field=email",
            stdout=stdout,
        )

    text = stdout.getvalue()
    assert "3 rows read, 2 staged, 0 not passed, 1 rejected." in text
    assert "Line 3: no user with e-mail" in text


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("case_users")
def test_command_subprocess_exit_codes(tmp_path: Path) -> None:
    factories.settings_administrator_create(username="beheer")
    # The child process must use the test database and media folder.
    environment = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage = Path(django_settings.BASE_DIR) / "manage.py"

    def run(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                str(manage),
                "import_results",
                str(FILES / name),
                "--user-field=email",
                "--json",
            ],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )

    read = run("c16-unknown-user.csv")
    refused = run("c04-comma.csv")

    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["staged"] == 2
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["file_error"]["code"] == "delimiter_mismatch"
