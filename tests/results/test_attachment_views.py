"""Downloading result attachments, and the storage page."""

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from results.models import Result, ResultAttachment
from results.services.attachments import attachment_blob_store
from tests import factories
from users.models import User

PDF = b"%PDF-1.4\n" + b"diploma\n" * 50 + b"%%EOF\n"
NAME = "Diploma Zoë \u2013 测试.pdf"


@pytest.fixture
def attachment(learner: User, tmp_path: Path) -> ResultAttachment:
    source = tmp_path / "upload"
    source.write_bytes(PDF)
    blob = attachment_blob_store(sha256="ab" * 32, size=len(PDF), path=str(source))
    result = Result.objects.create(
        learner=learner, achieved_on=datetime.date(2021, 2, 3), title="BHV herhaling"
    )
    return ResultAttachment.objects.create(
        result=result,
        blob=blob,
        original_name=NAME,
        content_type="application/pdf",
        size=len(PDF),
    )


def _url(attachment: ResultAttachment) -> str:
    return reverse("results:attachment-download", args=[attachment.pk])


def test_download_owner(learner_client: Client, attachment: ResultAttachment) -> None:
    response = learner_client.get(_url(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Diploma%20Zo%C3%AB%20%E2%80%93%20"
        "%E6%B5%8B%E8%AF%95.pdf"
    )


def test_download_administrator(
    client: Client, admin_user: User, attachment: ResultAttachment
) -> None:
    client.force_login(admin_user)

    response = client.get(_url(attachment))

    assert response.status_code == 200


def test_download_other_learner(client: Client, attachment: ResultAttachment) -> None:
    client.force_login(factories.user_create())

    response = client.get(_url(attachment))

    assert response.status_code == 404


def test_download_anonymous(client: Client, attachment: ResultAttachment) -> None:
    response = client.get(_url(attachment))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_download_wrong_method(
    learner_client: Client, attachment: ResultAttachment
) -> None:
    response = learner_client.post(_url(attachment))

    assert response.status_code == 405


def test_download_missing(learner_client: Client, db: None) -> None:
    response = learner_client.get(reverse("results:attachment-download", args=[999]))

    assert response.status_code == 404


def test_storage_page(
    admin_client: Client, attachment: ResultAttachment, settings: object
) -> None:
    settings.ATTACHMENT_QUOTA_BYTES = 10 * len(PDF)  # type: ignore[attr-defined]

    response = admin_client.get(reverse("results:storage"))

    assert response.status_code == 200
    assert response.context["usage"].used_bytes == len(PDF)
    assert response.context["usage"].file_count == 1
    assert response.context["usage"].free_bytes == 9 * len(PDF)


def test_storage_page_learner(learner_client: Client) -> None:
    response = learner_client.get(reverse("results:storage"))

    assert response.status_code == 403


def test_storage_page_anonymous(client: Client, db: None) -> None:
    response = client.get(reverse("results:storage"))

    assert response.status_code == 302


def test_storage_page_wrong_method(admin_client: Client) -> None:
    response = admin_client.post(reverse("results:storage"))

    assert response.status_code == 405


def test_portfolio_lists_attachments(
    learner_client: Client, attachment: ResultAttachment
) -> None:
    response = learner_client.get(reverse("results:portfolio"))

    assert response.status_code == 200
    assert _url(attachment) in response.content.decode()
    assert NAME in response.content.decode()
