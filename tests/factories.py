"""Small factories for test data; each takes overrides as keyword arguments."""

import datetime
import itertools
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import Group

from imports.models import ImportBatch, StagedRow
from imports.reading.values import tags_key
from results.models import ExternalResult
from users.models import User
from users.services import settings_administrator_group_ensure

_sequence = itertools.count(1)


def user_create(**overrides: Any) -> User:
    number = next(_sequence)
    fields: dict[str, Any] = {
        "username": f"learner{number}",
        "name": f"Learner {number}",
        "email": f"learner{number}@example.nl",
    }
    fields.update(overrides)
    password = fields.pop("password", "correct horse battery staple")
    user = User(**fields)
    user.set_password(password)
    user.save()
    return user


def settings_administrator_create(**overrides: Any) -> User:
    user = user_create(**overrides)
    group: Group = settings_administrator_group_ensure()
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


def external_result_create(**overrides: Any) -> ExternalResult:
    fields: dict[str, Any] = {"title": "BHV herhaling", "library_title": "BHV"}
    fields.update(overrides)
    return ExternalResult.objects.create(**fields)


def import_batch_create(*, created_by: User, **overrides: Any) -> ImportBatch:
    fields: dict[str, Any] = {
        "created_by": created_by,
        "source_file": "imports/test.csv",
        "original_name": "test.csv",
        "size": 0,
        "user_field": "email",
        "date_format": "d-M-yyyy",
        "state": ImportBatch.State.STAGED,
    }
    fields.update(overrides)
    return ImportBatch.objects.create(**fields)


def staged_row_create(
    *, batch: ImportBatch, learner: User, **overrides: Any
) -> StagedRow:
    fields: dict[str, Any] = {
        "batch": batch,
        "learner": learner,
        "line": next(_sequence) + 1,
        "achieved_on": datetime.date(2021, 2, 3),
        "title": "BHV herhaling",
    }
    fields.update(overrides)
    return StagedRow.objects.create(**fields)


def staged_rows_bulk_create(
    *,
    batch: ImportBatch,
    learners: Sequence[User],
    title: str = "BHV herhaling",
    tags: Sequence[str] = (),
    achieved_on: datetime.date = datetime.date(2021, 2, 3),
) -> list[StagedRow]:
    """Stage one row per learner in one group, with fresh line numbers."""
    rows = [
        StagedRow(
            batch=batch,
            learner=learner,
            line=next(_sequence) + 1,
            achieved_on=achieved_on,
            title=title,
            tags=list(tags),
            tags_key=tags_key(tags),
        )
        for learner in learners
    ]
    return StagedRow.objects.bulk_create(rows)
