"""Views of one import and the list of imports."""

from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imports.models import Activation, ActivationGroup, ImportBatch, RejectedLine
from tests import factories
from tests.conftest import CASES_DIR
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(admin_user: User) -> ImportBatch:
    batch = factories.import_batch_create(
        created_by=admin_user,
        original_name="bhv-2021.csv",
        size=2048,
        rows_read=3,
        staged_count=1,
        rejected_count=2,
        header=["UserId", "Timestamp", "LearningActivityTitle"],
    )
    factories.staged_row_create(batch=batch, learner=factories.user_create(), line=2)
    RejectedLine.objects.create(
        batch=batch,
        line=3,
        code="user_not_found",
        params={"line": 3, "field": "e-mail", "value": "nobody@example.nl"},
        values=["nobody@example.nl", "3-2-2021", "BHV"],
    )
    RejectedLine.objects.create(
        batch=batch,
        line=4,
        code="date_impossible",
        params={"line": 4, "value": "31-2-2021", "format": "d-M-yyyy"},
        values=["jan.devries@example.nl", "31-2-2021", "BHV"],
    )
    return batch


def urls(batch: ImportBatch) -> dict[str, str]:
    return {
        "list": reverse("imports:list"),
        "detail": reverse("imports:detail", args=[batch.pk]),
        "status": reverse("imports:status", args=[batch.pk]),
        "rejected-csv": reverse("imports:rejected-csv", args=[batch.pk]),
    }


URL_NAMES = ["list", "detail", "status", "rejected-csv"]


@pytest.mark.parametrize("name", URL_NAMES)
def test_batch_pages_anonymous_redirects(
    client: Client, batch: ImportBatch, name: str
) -> None:
    response = client.get(urls(batch)[name])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", URL_NAMES)
def test_batch_pages_learner_forbidden(
    learner_client: Client, batch: ImportBatch, name: str
) -> None:
    response = learner_client.get(urls(batch)[name])

    assert response.status_code == 403


@pytest.mark.parametrize("name", URL_NAMES)
def test_batch_pages_post_not_allowed(
    admin_client: Client, batch: ImportBatch, name: str
) -> None:
    response = admin_client.post(urls(batch)[name])

    assert response.status_code == 405


@pytest.mark.parametrize("name", ["detail", "status", "rejected-csv"])
def test_batch_pages_unknown_batch_404(admin_client: Client, name: str) -> None:
    response = admin_client.get(reverse(f"imports:{name}", args=[999999]))

    assert response.status_code == 404


def test_batch_list_newest_first(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    newer = factories.import_batch_create(
        created_by=admin_user, original_name="new.csv"
    )

    response = admin_client.get(reverse("imports:list"))

    assert response.status_code == 200
    names = [item.original_name for item in response.context["page_obj"]]
    assert names == [newer.original_name, batch.original_name]


def test_batch_list_shows_counts(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(reverse("imports:list"))

    content = response.content.decode()
    assert "bhv-2021.csv" in content
    assert reverse("imports:detail", args=[batch.pk]) in content


def test_batch_detail_lists_rejected_lines(
    admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    assert response.status_code == 200
    rows = response.context["rejected_rows"]
    assert [row["line"] for row in rows] == [3, 4]
    assert "nobody@example.nl" in rows[0]["message"]
    assert "31-2-2021" in rows[1]["message"]


def test_batch_detail_links_download_and_review(
    admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    content = response.content.decode()
    assert reverse("imports:rejected-csv", args=[batch.pk]) in content
    assert reverse("imports:review", args=[batch.pk]) in content


def test_batch_detail_polls_while_queued(
    admin_client: Client, admin_user: User
) -> None:
    queued = factories.import_batch_create(
        created_by=admin_user, state=ImportBatch.State.QUEUED
    )

    response = admin_client.get(reverse("imports:detail", args=[queued.pk]))

    assert f'data-poll-url="{reverse("imports:status", args=[queued.pk])}"' in (
        response.content.decode()
    )


def test_batch_detail_shows_file_error(admin_client: Client, admin_user: User) -> None:
    failed = factories.import_batch_create(
        created_by=admin_user,
        state=ImportBatch.State.FAILED,
        file_error_code="file_empty",
    )

    response = admin_client.get(reverse("imports:detail", args=[failed.pk]))

    assert response.status_code == 200
    assert response.context["file_error"]


def test_batch_status_json(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(reverse("imports:status", args=[batch.pk]))

    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "staged"
    assert data["is_final"] is True
    assert data["staged"] == 1
    assert data["rejected"] == 2
    assert data["rows_read"] == 3
    assert isinstance(data["state_label"], str)


def test_batch_status_while_staging(admin_client: Client, admin_user: User) -> None:
    staging = factories.import_batch_create(
        created_by=admin_user, state=ImportBatch.State.STAGING
    )

    response = admin_client.get(reverse("imports:status", args=[staging.pk]))

    assert response.json()["is_final"] is False


def test_rejected_csv_download(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(reverse("imports:rejected-csv", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "bhv-2021" in response["Content-Disposition"]
    assert isinstance(response, StreamingHttpResponse)
    body = response.getvalue().decode("utf-8")
    assert "nobody@example.nl" in body
    assert "31-2-2021" in body


# Nothing to review ------------------------------------------------------------


def test_batch_detail_header_only_nothing_to_review(
    admin_client: Client, admin_user: User
) -> None:
    empty = factories.import_batch_create(created_by=admin_user, rows_read=0)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:detail", args=[empty.pk]))

    assert response.status_code == 200
    assert response.context["nothing_to_review"] == "no_data_rows"
    content = response.content.decode()
    assert "Nothing to review: the file has a header row but no data rows." in content
    assert reverse("imports:review", args=[empty.pk]) not in content


def test_batch_detail_all_rejected_nothing_to_review(
    admin_client: Client, batch: ImportBatch
) -> None:
    batch.staged_rows.all().delete()
    ImportBatch.objects.filter(pk=batch.pk).update(staged_count=0)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    assert response.context["nothing_to_review"] == "all_rejected"
    content = response.content.decode()
    assert "Nothing to review: every data row was rejected or not passed." in content
    assert reverse("imports:rejected-csv", args=[batch.pk]) in content
    assert reverse("imports:review", args=[batch.pk]) not in content


@pytest.mark.parametrize(
    ("rows_read", "staged_count", "flag", "reason"),
    [
        (0, 0, True, "no_data_rows"),
        (3, 0, True, "all_rejected"),
        (3, 1, False, ""),
    ],
)
def test_batch_status_nothing_to_review(
    admin_client: Client,
    admin_user: User,
    rows_read: int,
    staged_count: int,
    flag: bool,
    reason: str,
) -> None:
    batch = factories.import_batch_create(
        created_by=admin_user, rows_read=rows_read, staged_count=staged_count
    )
    if staged_count:
        factories.staged_row_create(batch=batch, learner=admin_user)

    data = admin_client.get(reverse("imports:status", args=[batch.pk])).json()

    assert data["nothing_to_review"] is flag
    assert data["nothing_to_review_reason"] == reason


def test_batch_status_queued_has_something_pending(
    admin_client: Client, admin_user: User
) -> None:
    batch = factories.import_batch_create(
        created_by=admin_user, state=ImportBatch.State.QUEUED
    )

    data = admin_client.get(reverse("imports:status", args=[batch.pk])).json()

    assert data["nothing_to_review"] is False


# File settings ----------------------------------------------------------------


def test_batch_detail_workbook_shows_sheet(
    admin_client: Client, admin_user: User
) -> None:
    # A workbook saved with a .csv name: the page goes by the file's content.
    workbook = CASES_DIR / "files" / "c03-xlsx-named-csv.csv"
    batch = factories.import_batch_create(created_by=admin_user, sheet_name="Blad1")
    batch.source_file.save("results.csv", ContentFile(workbook.read_bytes()))
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    assert response.context["is_workbook"] is True
    content = response.content.decode()
    assert "<dt>Worksheet</dt><dd>Blad1</dd>" in content
    assert "<dt>Delimiter</dt>" not in content
    assert "<dt>Text qualifier</dt>" not in content
    assert "<dt>Encoding</dt>" not in content


def test_batch_detail_workbook_first_sheet(
    admin_client: Client, admin_user: User
) -> None:
    workbook = CASES_DIR / "files" / "c03-xlsx-named-csv.csv"
    batch = factories.import_batch_create(created_by=admin_user)
    batch.source_file.save("results.xlsx", ContentFile(workbook.read_bytes()))
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    assert "<dt>Worksheet</dt><dd>The first sheet</dd>" in response.content.decode()


def test_batch_detail_csv_shows_csv_settings(
    admin_client: Client, admin_user: User
) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    batch.source_file.save(
        "results.csv", ContentFile(b"UserId;Timestamp;LearningActivityTitle\n")
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    assert response.context["is_workbook"] is False
    content = response.content.decode()
    assert "<dt>Delimiter</dt><dd>Semicolon ( ; )</dd>" in content
    assert "<dt>Text qualifier</dt><dd>Double quote ( &quot; )</dd>" in content
    assert (
        "<dt>Encoding</dt><dd>UTF-8 (with or without byte-order mark)</dd>" in content
    )
    assert "<dt>Worksheet</dt>" not in content


# Discarded imports ------------------------------------------------------------


def test_batch_pages_discarded_staged_count(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    discarded = admin_client.post(reverse("imports:discard", args=[batch.pk]))
    batch.refresh_from_db()

    detail = admin_client.get(reverse("imports:detail", args=[batch.pk]))
    status = admin_client.get(reverse("imports:status", args=[batch.pk])).json()

    content = detail.content.decode()
    assert discarded.status_code == 302
    assert batch.state == ImportBatch.State.DISCARDED
    assert batch.staged_count == 1
    assert '<strong data-field="staged">1</strong> staged when read' in content
    assert '<strong data-field="waiting">0</strong> waiting for review' in content
    assert '<strong data-field="deleted">1</strong> deleted' in content
    assert status["staged"] == 1
    assert status["waiting"] == 0
    assert status["deleted"] == 1
    assert status["state_label"] == "Discarded"


# Live counts and the status derived from them --------------------------------


def detail_page(client: Client, batch: ImportBatch) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("imports:detail", args=[batch.pk])).content.decode()


def activate_rows(batch: ImportBatch, admin_user: User) -> None:
    activation = Activation.objects.create(
        batch=batch,
        created_by=admin_user,
        mode=Activation.Mode.PORTFOLIO,
        state=Activation.State.FINISHED,
    )
    group = ActivationGroup.objects.create(activation=activation, title="BHV")
    batch.staged_rows.update(activation_group=group, activated_at=timezone.now())


def test_batch_detail_waiting_ready_for_review(
    admin_client: Client, batch: ImportBatch
) -> None:
    content = detail_page(admin_client, batch)

    assert 'data-field="state_label">Ready for review</span>' in content
    assert '<strong data-field="waiting">1</strong> waiting for review' in content
    assert reverse("imports:review", args=[batch.pk]) in content
    assert reverse("imports:discard", args=[batch.pk]) in content


def test_batch_detail_all_activated(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activate_rows(batch, admin_user)

    content = detail_page(admin_client, batch)

    assert 'data-field="state_label">Activated</span>' in content
    assert '<strong data-field="staged">1</strong> staged when read' in content
    assert '<strong data-field="waiting">0</strong> waiting for review' in content
    assert '<strong data-field="activated">1</strong> activated' in content
    assert '<strong data-field="deleted">0</strong> deleted' in content
    assert "Nothing left to review: every staged row was activated or deleted." in (
        content
    )
    assert reverse("imports:review", args=[batch.pk]) not in content
    assert reverse("imports:discard", args=[batch.pk]) not in content
    assert (
        "This import cannot be discarded because 1 of its rows was activated."
        in content
    )


def test_batch_detail_all_deleted(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    batch.staged_rows.all().delete()

    content = detail_page(admin_client, batch)

    assert 'data-field="state_label">Nothing left to review</span>' in content
    assert '<strong data-field="deleted">1</strong> deleted' in content
    assert "Nothing left to review: every staged row was deleted." in content
    assert reverse("imports:review", args=[batch.pk]) not in content
    assert reverse("imports:discard", args=[batch.pk]) in content


def test_batch_detail_all_rejected_status(
    admin_client: Client, batch: ImportBatch
) -> None:
    batch.staged_rows.all().delete()
    ImportBatch.objects.filter(pk=batch.pk).update(staged_count=0)

    content = detail_page(admin_client, batch)

    assert 'data-field="state_label">Nothing left to review</span>' in content


@pytest.mark.parametrize(
    ("change", "label", "waiting", "activated", "deleted"),
    [
        ("none", "Ready for review", 1, 0, 0),
        ("activate", "Activated", 0, 1, 0),
        ("delete", "Nothing left to review", 0, 0, 1),
    ],
)
def test_batch_status_live_counts(
    admin_client: Client,
    admin_user: User,
    batch: ImportBatch,
    change: str,
    label: str,
    waiting: int,
    activated: int,
    deleted: int,
) -> None:
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if change == "activate":
        activate_rows(batch, admin_user)
    if change == "delete":
        batch.staged_rows.all().delete()

    data = admin_client.get(reverse("imports:status", args=[batch.pk])).json()

    assert data["state_label"] == label
    assert data["waiting"] == waiting
    assert data["activated"] == activated
    assert data["deleted"] == deleted
    assert data["staged"] == 1


def test_batch_list_live_counts_one_query(
    admin_client: Client,
    admin_user: User,
    batch: ImportBatch,
    django_assert_max_num_queries: Any,
) -> None:
    activated = factories.import_batch_create(
        created_by=admin_user, original_name="done.csv", rows_read=1, staged_count=1
    )
    factories.staged_row_create(batch=activated, learner=admin_user)
    activate_rows(activated, admin_user)
    for number in range(5):
        factories.import_batch_create(
            created_by=admin_user, original_name=f"more{number}.csv"
        )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("imports:list"))

    rows = {
        item.original_name: counts for item, counts in response.context["batch_rows"]
    }
    content = response.content.decode()
    assert rows["bhv-2021.csv"].status_label == "Ready for review"
    assert rows["bhv-2021.csv"].waiting == 1
    assert rows["done.csv"].status_label == "Activated"
    assert rows["done.csv"].activated == 1
    assert rows["more0.csv"].status_label == "Nothing left to review"
    assert '<span class="state state--activated">Activated</span>' in content


def test_batch_counts_add_up_not_passed(admin_client: Client, admin_user: User) -> None:
    batch = factories.import_batch_create(
        created_by=admin_user,
        rows_read=107,
        staged_count=0,
        rejected_count=107,
        not_passed_count=7,
    )

    data = admin_client.get(reverse("imports:status", args=[batch.pk])).json()
    content = detail_page(admin_client, batch)

    assert data["rejected"] == 100
    assert data["not_passed"] == 7
    assert data["rows_read"] == data["staged"] + data["not_passed"] + data["rejected"]
    assert '<strong data-field="rejected">100</strong> rejected' in content
    assert '<strong data-field="not_passed">7</strong> not passed' in content
