from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from users.models import User
from users.services import SETTINGS_ADMINISTRATORS_GROUP

PASSWORD = "a-long-admin-secret-42"


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
