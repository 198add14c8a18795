"""
End to end under a hostile worker environment: an ASCII locale, another time zone.

A real Celery worker process stages and activates the imports, so the text
and the dates pass through a second interpreter whose locale and ``TZ``
differ from the test process's.

Django's settings set ``TZ`` to ``TIME_ZONE`` and call ``time.tzset()`` when
they load (Django 5.2, ``django.conf.Settings``). So the worker's ``TZ=UTC``
applies only until its settings load. The test process's run under UTC sets
``TZ`` after Django did, so it lasts for the whole test.
"""

import csv
import datetime
import io
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from imports.forms.review import group_key_encode
from imports.models import Activation, ImportBatch, StagedRow
from imports.selectors import GroupKey, review_groups
from imports.services.activation import activation_create
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create
from imports.tasks import import_batch_stage_task
from results.models import Result
from tests.conftest import CASES_DIR
from tests.worker import Worker, wait_for
from users.models import User

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WINDOWS_1252_FILE = CASES_DIR / "files" / "c02-windows-1252.csv"
DST_DATES_FILE = CASES_DIR / "files" / "c13-dst-dates.csv"

# Python falls back to ASCII for text it decodes without an explicit
# encoding: LC_ALL stops the coercion of the C locale to C.UTF-8 and
# PYTHONUTF8=0 stops UTF-8 mode.
ASCII_LOCALE = {
    "LANG": "C",
    "LC_ALL": "C",
    "PYTHONIOENCODING": None,
    "PYTHONUTF8": "0",
}
UTC_ZONE = {"TZ": "UTC"}

# The title in the windows-1252 file, as UTF-8: an en dash (0x96 in the
# file), e with diaeresis, i with diaeresis and e with acute.
EXPECTED_TITLE = "Cursus \N{EN DASH} Coëfficiënt, naïef & één"
EXPECTED_TITLE_UTF8 = (
    b"Cursus \xe2\x80\x93 Co\xc3\xabffici\xc3\xabnt, na\xc3\xafef & \xc3\xa9\xc3\xa9n"
)

# The dates around the daylight saving changes of 2021 in Europe/Amsterdam
# (28 March and 31 October), by title, and as the Dutch pages show them in
# tables (SHORT_DATE_FORMAT, "j-n-Y"). A day's shift would show as 26-3-2021.
DST_DATES = {
    "BHV herhaling": datetime.date(2021, 3, 27),
    "EHBO": datetime.date(2021, 3, 29),
    "VCA": datetime.date(2021, 10, 31),
}
DST_DATES_RENDERED = {
    "BHV herhaling": "27-3-2021",
    "EHBO": "29-3-2021",
    "VCA": "31-10-2021",
}
# The cells of the Timestamp column as the file has them.
DST_DATES_IN_FILE = {
    "BHV herhaling": "27-3-2021",
    "EHBO": "29-3-2021",
    "VCA": "31-10-2021",
}


@pytest.fixture(params=[None, "UTC"], ids=["process-default-tz", "process-utc"])
def process_time_zone(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str | None]:
    """Run the test process under the ``TZ`` of the parameter, restoring it after."""
    zone: str | None = request.param
    if zone is not None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield zone

    monkeypatch.undo()
    time.tzset()


def _batch_final(batch_id: int) -> ImportBatch | None:
    batch = ImportBatch.objects.get(pk=batch_id)
    return batch if batch.is_final else None


def _activation_final(activation_id: int) -> Activation | None:
    activation = Activation.objects.get(pk=activation_id)
    return activation if activation.is_final else None


def _stage_through_worker(
    *, admin: User, path: Path, settings: ImportSettings
) -> ImportBatch:
    """Store ``path`` as an import, have the worker stage it and return it."""
    batch = import_batch_create(
        created_by=admin,
        data=ContentFile(path.read_bytes(), name=path.name),
        original_name=path.name,
        settings=settings,
    )
    transaction.on_commit(partial(import_batch_stage_task.delay, batch.pk))
    return wait_for(partial(_batch_final, batch.pk), timeout=120)


def _activate_through_worker(*, admin: User, batch: ImportBatch) -> Activation:
    """Activate every review group of ``batch`` in portfolio mode and wait."""
    activation = activation_create(
        batch=batch,
        created_by=admin,
        keys=[group.key for group in review_groups(batch=batch)],
        mode=Activation.Mode.PORTFOLIO,
    )
    return wait_for(partial(_activation_final, activation.pk), timeout=120)


def _dst_settings() -> ImportSettings:
    return ImportSettings(
        user_field="email",
        delimiter=";",
        quotechar='"',
        encoding="utf-8",
        date_format="d-M-yyyy",
    )


def _page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode("utf-8")


def _report_rows(client: Client, batch: ImportBatch) -> list[list[str]]:
    response: Any = client.get(reverse("imports:rejected-csv", args=[batch.pk]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize("worker_environment", [ASCII_LOCALE], ids=["ascii-locale"])
def test_worker_windows_1252_in_ascii_locale(
    celery_worker: Worker,
    case_users: dict[str, User],
    admin_user: User,
) -> None:
    zoe = case_users["zoe.muller@example.nl"]
    settings = ImportSettings(
        user_field="email",
        delimiter=";",
        quotechar='"',
        encoding="windows-1252",
        date_format="d-M-yyyy",
    )

    batch = _stage_through_worker(
        admin=admin_user, path=WINDOWS_1252_FILE, settings=settings
    )

    assert batch.state == ImportBatch.State.STAGED, celery_worker.log_text()
    assert batch.staged_count == 1
    assert batch.rejected_count == 0
    row = StagedRow.objects.get(batch=batch)
    assert row.learner_id == zoe.pk
    assert row.achieved_on == datetime.date(2021, 3, 12)
    assert row.title == EXPECTED_TITLE
    assert row.title.encode("utf-8") == EXPECTED_TITLE_UTF8

    activation = _activate_through_worker(admin=admin_user, batch=batch)

    assert activation.state == Activation.State.FINISHED, celery_worker.log_text()
    result = Result.objects.get(learner=zoe)
    assert result.title == EXPECTED_TITLE
    assert result.title.encode("utf-8") == EXPECTED_TITLE_UTF8
    assert result.achieved_on == datetime.date(2021, 3, 12)


@pytest.mark.parametrize("worker_environment", [UTC_ZONE], ids=["worker-utc"])
def test_worker_dst_dates_unshifted(
    process_time_zone: str | None,
    celery_worker: Worker,
    case_users: dict[str, User],
    admin_user: User,
    client: Client,
) -> None:
    jan = case_users["jan.devries@example.nl"]

    # Staged rows.
    batch = _stage_through_worker(
        admin=admin_user, path=DST_DATES_FILE, settings=_dst_settings()
    )

    assert batch.state == ImportBatch.State.STAGED, celery_worker.log_text()
    assert batch.staged_count == 3
    staged = dict(
        StagedRow.objects.filter(batch=batch, learner=jan).values_list(
            "title", "achieved_on"
        )
    )
    for title, achieved_on in DST_DATES.items():
        assert staged.get(title) == achieved_on, title

    # The review page, each group expanded in turn.
    client.force_login(admin_user)
    review_url = reverse("imports:review", args=[batch.pk])
    for title, rendered in DST_DATES_RENDERED.items():
        group = group_key_encode(GroupKey(title=title, tags_key=""))
        page = _page_text(client, f"{review_url}?{urlencode({'group': group})}")
        assert rendered in page, title

    # Results, written by the worker.
    activation = _activate_through_worker(admin=admin_user, batch=batch)

    assert activation.state == Activation.State.FINISHED, celery_worker.log_text()
    assert activation.done_rows == 3
    results = dict(
        Result.objects.filter(learner=jan).values_list("title", "achieved_on")
    )
    for title, achieved_on in DST_DATES.items():
        assert results.get(title) == achieved_on, title

    # The learner's portfolio.
    client.force_login(jan)
    portfolio = _page_text(client, reverse("results:portfolio"))
    for title, rendered in DST_DATES_RENDERED.items():
        assert rendered in portfolio, title

    # The same file again: the worker finds each row's result by its date,
    # and the report of rejected rows names the date of that result.
    again = _stage_through_worker(
        admin=admin_user, path=DST_DATES_FILE, settings=_dst_settings()
    )

    assert again.state == ImportBatch.State.STAGED, celery_worker.log_text()
    assert again.staged_count == 0
    rejections = {
        line.values[2]: line for line in again.rejected_lines.order_by("line")
    }
    for title, achieved_on in DST_DATES.items():
        assert rejections[title].code == "duplicate_result", title
        assert rejections[title].params["date"] == achieved_on.isoformat(), title

    client.force_login(admin_user)
    report = {row[2]: row for row in _report_rows(client, again)[1:]}
    for title, cell in DST_DATES_IN_FILE.items():
        assert report[title][1] == cell, title
        assert DST_DATES[title].isoformat() in report[title][6], title
