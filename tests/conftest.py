import os
from pathlib import Path

import pytest
from django.test import Client

from tests import factories
from tests.worker import (  # noqa: F401 (fixtures)
    celery_broker,
    celery_session_queue,
    celery_worker,
    worker_environment,
)
from users.models import User

SHARED_DIR = Path(
    os.environ.get(
        "LEARNLINQ_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"
    )
)
REALDATA_DIR = SHARED_DIR / "realdata"
CASES_DIR = SHARED_DIR / "cases"


def pytest_configure(config: pytest.Config) -> None:
    # Many tests read real export files and bad inputs from this folder, so a
    # run without it would fail at collection with a bare FileNotFoundError.
    if not (CASES_DIR / "expected.json").is_file() or not REALDATA_DIR.is_dir():
        raise pytest.UsageError(
            f"The sample files are missing: {SHARED_DIR} has no cases/ and "
            "realdata/ folders. Put the shared folder beside the checkout, or "
            "set LEARNLINQ_SHARED_DIR to its path."
        )


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: pytest.FixtureRequest) -> None:
    # The default hasher takes a noticeable fraction of a second per user, and
    # tests create hundreds of users.
    settings.PASSWORD_HASHERS = [  # type: ignore[attr-defined]
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]


@pytest.fixture(autouse=True)
def _media_root(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    # Each test stores uploads and attachments in its own folder.
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]


@pytest.fixture
def admin_user(db: None) -> User:
    """A settings administrator."""
    return factories.settings_administrator_create(
        username="beheerder", name="Bea Beheer"
    )


@pytest.fixture
def learner(db: None) -> User:
    """A learner without the settings administrator role."""
    return factories.user_create(username="leerling", name="Lars Leerling")


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def learner_client(client: Client, learner: User) -> Client:
    client.force_login(learner)
    return client
