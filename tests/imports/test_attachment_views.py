"""The attachments page of an import, its JSON status and staged downloads."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from imports.models import AttachmentArchive, StagedAttachment
from imports.services.attachments import (
    attachment_archive_create,
    attachment_archive_process,
)
from tests import factories
from users.models import User

PDF = b"%PDF-1.4\n" + b"certificaat\n" * 30 + b"%%EOF\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def archive(admin_user: User) -> AttachmentArchive:
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_row_create(
        batch=batch, learner=factories.user_create(), line=2, result_id="R101"
    )
    created = attachment_archive_create(
        batch=batch,
        created_by=admin_user,
        data=ContentFile(
            _zip({"R101_#_certificaat.pdf": PDF, "R101_#_notities.txt": b"x"}),
            name="bijlagen.zip",
        ),
        original_name="bijlagen.zip",
    )
    return attachment_archive_process(archive_id=created.pk)


def test_attachments_page(admin_client: Client, archive: AttachmentArchive) -> None:
    response = admin_client.get(reverse("imports:attachments", args=[archive.batch_id]))

    assert response.status_code == 200
    assert [row["outcome"] for row in response.context["rows"]] == [
        "stored",
        "rejected",
    ]
    assert "R101_#_notities.txt" in response.content.decode()


def test_attachments_page_filter(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    url = reverse("imports:attachments", args=[archive.batch_id])

    response = admin_client.get(url, {"outcome": "rejected"})

    assert [row["name"] for row in response.context["rows"]] == ["R101_#_notities.txt"]


def test_attachments_page_without_zip(admin_client: Client, admin_user: User) -> None:
    batch = factories.import_batch_create(created_by=admin_user)

    response = admin_client.get(reverse("imports:attachments", args=[batch.pk]))

    assert response.status_code == 404


def test_attachments_page_learner(
    learner_client: Client, archive: AttachmentArchive
) -> None:
    response = learner_client.get(
        reverse("imports:attachments", args=[archive.batch_id])
    )

    assert response.status_code == 403


def test_attachments_page_anonymous(client: Client, archive: AttachmentArchive) -> None:
    response = client.get(reverse("imports:attachments", args=[archive.batch_id]))

    assert response.status_code == 302


def test_attachments_page_wrong_method(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    response = admin_client.post(
        reverse("imports:attachments", args=[archive.batch_id])
    )

    assert response.status_code == 405


def test_attachments_status_json(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    response = admin_client.get(
        reverse("imports:attachments-status", args=[archive.batch_id])
    )
    data = response.json()

    assert response.status_code == 200
    assert data["state"] == "finished"
    assert data["is_final"] is True
    assert data["percent"] == 100
    assert data["stored"] == 1
    assert data["rejected"] == 1
    assert data["skipped"] == 0


def test_attachments_status_learner(
    learner_client: Client, archive: AttachmentArchive
) -> None:
    response = learner_client.get(
        reverse("imports:attachments-status", args=[archive.batch_id])
    )

    assert response.status_code == 403


def test_staged_download_administrator(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    attachment = StagedAttachment.objects.get()

    response = admin_client.get(
        reverse("imports:attachment-download", args=[attachment.pk])
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Disposition"] == 'attachment; filename="certificaat.pdf"'


def test_staged_download_learner(
    learner_client: Client, archive: AttachmentArchive
) -> None:
    attachment = StagedAttachment.objects.get()

    response = learner_client.get(
        reverse("imports:attachment-download", args=[attachment.pk])
    )

    assert response.status_code == 403


def test_staged_download_anonymous(client: Client, archive: AttachmentArchive) -> None:
    attachment = StagedAttachment.objects.get()

    response = client.get(reverse("imports:attachment-download", args=[attachment.pk]))

    assert response.status_code == 302


def test_staged_download_wrong_method(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    attachment = StagedAttachment.objects.get()

    response = admin_client.post(
        reverse("imports:attachment-download", args=[attachment.pk])
    )

    assert response.status_code == 405


def test_batch_status_includes_attachments(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    response = admin_client.get(reverse("imports:status", args=[archive.batch_id]))

    assert response.json()["attachments"]["stored"] == 1


def test_batch_detail_shows_attachments(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    response = admin_client.get(reverse("imports:detail", args=[archive.batch_id]))

    assert response.status_code == 200
    assert (
        reverse("imports:attachments", args=[archive.batch_id])
        in response.content.decode()
    )


def test_review_counts_attachments(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    response = admin_client.get(reverse("imports:review", args=[archive.batch_id]))
    groups = [group for group, _value in response.context["groups"]]

    assert response.status_code == 200
    assert [(group.rows, group.attachments) for group in groups] == [(1, 1)]


def test_review_rows_list_attachments(
    admin_client: Client, archive: AttachmentArchive
) -> None:
    response = admin_client.get(reverse("imports:review", args=[archive.batch_id]))
    value = next(value for _group, value in response.context["groups"])

    expanded = admin_client.get(
        reverse("imports:review", args=[archive.batch_id]), {"group": value}
    )
    attachment = StagedAttachment.objects.get()

    assert reverse("imports:attachment-download", args=[attachment.pk]) in (
        expanded.content.decode()
    )
