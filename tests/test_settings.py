import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from learnlinq.settings import env_bool, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_accepted_values(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("LEARNLINQ_TEST_FLAG", value)

    assert env_bool("LEARNLINQ_TEST_FLAG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEARNLINQ_TEST_FLAG", raising=False)

    assert env_bool("LEARNLINQ_TEST_FLAG", True) is True


def test_env_bool_invalid_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLINQ_TEST_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match=r"^LEARNLINQ_TEST_FLAG .*'maybe'"):
        env_bool("LEARNLINQ_TEST_FLAG", False)


def test_env_int_parses_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLINQ_TEST_NUMBER", "250")

    assert env_int("LEARNLINQ_TEST_NUMBER", 1) == 250


def test_env_int_invalid_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLINQ_TEST_NUMBER", "20k")

    with pytest.raises(ImproperlyConfigured, match=r"^LEARNLINQ_TEST_NUMBER .*'20k'"):
        env_int("LEARNLINQ_TEST_NUMBER", 1)


def test_env_str_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEARNLINQ_TEST_TEXT", raising=False)

    assert env_str("LEARNLINQ_TEST_TEXT", "standaard") == "standaard"


def test_env_list_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLINQ_TEST_LIST", " a.example.nl, ,b.example.nl ")

    assert env_list("LEARNLINQ_TEST_LIST", "") == ["a.example.nl", "b.example.nl"]


def _settings_load(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    # Settings are read once per process, so each variant needs its own.
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DEBUG", "LEARNLINQ_EMBEDDED")
    }
    environment.update(LEARNLINQ_VAR_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [sys.executable, "-c", "import learnlinq.settings"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_requires_secret_key(tmp_path: Path) -> None:
    completed = _settings_load(tmp_path, LEARNLINQ_EMBEDDED="0")

    assert completed.returncode != 0
    assert "Set SECRET_KEY for a production deployment." in completed.stderr


def test_production_with_secret_key_loads(tmp_path: Path) -> None:
    completed = _settings_load(tmp_path, LEARNLINQ_EMBEDDED="0", SECRET_KEY="x" * 50)

    assert completed.returncode == 0, completed.stderr


def test_invalid_setting_names_variable(tmp_path: Path) -> None:
    completed = _settings_load(tmp_path, IMPORT_MAX_DATA_ROWS="twenty thousand")

    assert completed.returncode != 0
    assert "IMPORT_MAX_DATA_ROWS must be a whole number" in completed.stderr
