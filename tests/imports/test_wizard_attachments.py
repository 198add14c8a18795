"""The import wizard's optional attachments ZIP, from upload to staged attachments."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imports.models import AttachmentArchive, ImportBatch, StagedAttachment
from imports.services.attachments import (
    attachment_archive_after_staging,
    attachment_archive_process,
)
from imports.services.staging import import_batch_stage
from tests import factories
from tests.conftest import CASES_DIR
from tests.imports.test_views_wizard import (
    MANAGEMENT_FIELD,
    WIZARD_URL,
    case_file,
    current_step,
    mapping_data,
    upload_data,
)
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_users() -> None:
    factories.user_create(email="jan.devries@example.nl")
    factories.user_create(email="zoe.muller@example.nl")


def _walk(client: Client, attachments: SimpleUploadedFile) -> None:
    client.get(WIZARD_URL)
    client.post(
        WIZARD_URL,
        {
            **upload_data(case_file("c27-results.csv")),
            "upload-attachments": attachments,
        },
    )
    client.post(WIZARD_URL, mapping_data())
    client.post(WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"})


def test_wizard_zip_attached(admin_client: Client, case_users: None) -> None:
    _walk(admin_client, case_file("c27-attachments.zip"))
    batch = ImportBatch.objects.get()
    archive = AttachmentArchive.objects.get(batch=batch)

    import_batch_stage(batch_id=batch.pk)
    attachment_archive_process(archive_id=archive.pk)

    assert archive.original_name == "c27-attachments.zip"
    assert sorted(
        StagedAttachment.objects.values_list("row__result_id", "original_name")
    ) == [
        ("R101", "certificaat.pdf"),
        ("R102", "pasfoto.jpg"),
    ]


def test_wizard_zip_leaves_no_wizard_files(
    admin_client: Client, case_users: None
) -> None:
    _walk(admin_client, case_file("c27-attachments.zip"))

    wizard = Path(settings.MEDIA_ROOT) / "wizard"
    assert [path for path in wizard.rglob("*") if path.is_file()] == []


def test_wizard_zip_not_a_zip(admin_client: Client, case_users: None) -> None:
    admin_client.get(WIZARD_URL)
    fake = SimpleUploadedFile(
        "bijlagen.zip", (CASES_DIR / "files" / "c27-results.csv").read_bytes()
    )

    response = admin_client.post(
        WIZARD_URL,
        {**upload_data(case_file("c27-results.csv")), "upload-attachments": fake},
    )

    assert current_step(response) == "upload"
    assert response.context["form"].has_error("attachments", "archive_not_zip")


def test_wizard_zip_too_large(
    admin_client: Client, case_users: None, settings: object
) -> None:
    settings.IMPORT_MAX_ZIP_BYTES = 100  # type: ignore[attr-defined]
    admin_client.get(WIZARD_URL)

    response = admin_client.post(
        WIZARD_URL,
        {
            **upload_data(case_file("c27-results.csv")),
            "upload-attachments": case_file("c27-attachments.zip"),
        },
    )

    assert current_step(response) == "upload"
    assert response.context["form"].has_error("attachments", "archive_too_large")


def test_staging_failed_closes_archive(admin_user: User) -> None:
    batch = factories.import_batch_create(
        created_by=admin_user, state=ImportBatch.State.FAILED
    )
    archive = AttachmentArchive.objects.create(
        batch=batch, created_by=admin_user, original_name="b.zip", size=1, file="x.zip"
    )

    attachment_archive_after_staging(batch_id=batch.pk)
    archive.refresh_from_db()

    assert archive.state == AttachmentArchive.State.FAILED
    assert archive.failure_code == "import_failed"


def test_staging_done_queues_archive(
    admin_user: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    AttachmentArchive.objects.create(
        batch=batch, created_by=admin_user, original_name="b.zip", size=1, file="x.zip"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        attachment_archive_after_staging(batch_id=batch.pk)

    assert len(callbacks) == 1
    assert AttachmentArchive.objects.get().state == AttachmentArchive.State.QUEUED
