"""Fixtures for staging tests: the case users and a helper that stages bytes."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from imports.models import ImportBatch
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create, import_batch_stage
from tests.conftest import CASES_DIR
from users.models import User

StageBytes = Callable[..., ImportBatch]


@pytest.fixture
def case_users(db: None) -> dict[str, User]:
    """The users of the bad-input cases, loaded with ``import_users``; by e-mail."""
    call_command("import_users", str(CASES_DIR / "users.csv"), stdout=io.StringIO())
    return {user.email: user for user in User.objects.exclude(email="")}


@pytest.fixture
def stage_bytes(admin_user: User) -> StageBytes:
    """Return a function that stores bytes as an import and stages it."""

    def stage(
        data: bytes, *, name: str = "results.csv", **settings: Any
    ) -> ImportBatch:
        settings.setdefault("user_field", "email")
        batch = import_batch_create(
            created_by=admin_user,
            data=ContentFile(data, name=name),
            original_name=name,
            settings=ImportSettings(**settings),
        )
        return import_batch_stage(batch_id=batch.pk)

    return stage
