import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.worker import current_database_url
from users.models import User
from users.services import SETTINGS_ADMINISTRATORS_GROUP

PASSWORD = "a-long-admin-secret-42"
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _run(*args: str) -> str:
    output = StringIO()
    call_command("create_administrator", *args, stdout=output)
    return output.getvalue()


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLINQ_ADMIN_PASSWORD", PASSWORD)


@pytest.mark.django_db
def test_create_administrator_creates_superuser(admin_env: None) -> None:
    output = _run("--username", "beheer", "--email", "beheer@example.nl")

    user = User.objects.get(username="beheer")
    assert "Created administrator “beheer”." in output
    assert user.is_superuser
    assert user.is_staff
    assert user.email == "beheer@example.nl"
    assert user.check_password(PASSWORD)
    assert user.groups.filter(name=SETTINGS_ADMINISTRATORS_GROUP).exists()
    assert user.is_settings_administrator


@pytest.mark.django_db
def test_create_administrator_reads_environment(
    admin_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNLINQ_ADMIN_USERNAME", "omgeving")
    monkeypatch.setenv("LEARNLINQ_ADMIN_EMAIL", "omgeving@example.nl")

    _run()

    assert User.objects.get(username="omgeving").email == "omgeving@example.nl"


@pytest.mark.django_db
def test_create_administrator_second_run_keeps_password(
    admin_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("--username", "beheer")
    monkeypatch.setenv("LEARNLINQ_ADMIN_PASSWORD", "another-long-secret-43")

    output = _run("--username", "beheer")

    assert "exists" in output
    assert User.objects.count() == 1
    assert User.objects.get(username="beheer").check_password(PASSWORD)


@pytest.mark.django_db
def test_create_administrator_reset_password(
    admin_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("--username", "beheer")
    monkeypatch.setenv("LEARNLINQ_ADMIN_PASSWORD", "another-long-secret-43")

    _run("--username", "beheer", "--reset-password")

    user = User.objects.get(username="beheer")
    assert user.check_password("another-long-secret-43")


@pytest.mark.django_db
def test_create_administrator_promotes_existing_user(admin_env: None) -> None:
    User.objects.create_user(username="lid", password=PASSWORD)

    _run("--username", "lid")

    user = User.objects.get(username="lid")
    assert user.is_superuser
    assert user.is_settings_administrator


@pytest.mark.django_db
def test_create_administrator_without_username(
    admin_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEARNLINQ_ADMIN_USERNAME", raising=False)

    with pytest.raises(CommandError, match="LEARNLINQ_ADMIN_USERNAME"):
        _run()


@pytest.mark.django_db
def test_create_administrator_without_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEARNLINQ_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", StringIO(""))

    with pytest.raises(CommandError, match="Set LEARNLINQ_ADMIN_PASSWORD"):
        _run("--username", "beheer")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_create_administrator_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLINQ_ADMIN_PASSWORD", "short")

    with pytest.raises(CommandError, match="The password is rejected"):
        _run("--username", "beheer")

    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_create_administrator_terminal_closed_input() -> None:
    # A real terminal whose input ends (Ctrl+D) at the password prompt, in a
    # child process without a controlling terminal so getpass reads this one.
    controller, terminal = os.openpty()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "LEARNLINQ_ADMIN_PASSWORD"
    }
    environment["DATABASE_URL"] = current_database_url()
    child = subprocess.Popen(
        [sys.executable, str(MANAGE), "create_administrator", "--username", "beheer"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,
    )

    # getpass flushes pending input when it turns echo off, so the end of
    # input is sent until the child has read it.
    for _attempt in range(600):
        if child.poll() is not None:
            break
        os.write(controller, b"\x04")
        time.sleep(0.1)
    _output, errors = child.communicate(timeout=30)
    os.close(controller)
    os.close(terminal)

    assert child.returncode == 1
    assert "No password was typed" in errors
    assert "Traceback" not in errors
    assert not User.objects.exists()
