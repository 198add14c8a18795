"""Views of one import and the list of imports."""

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from imports.models import ImportBatch, RejectedLine
from tests import factories
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
