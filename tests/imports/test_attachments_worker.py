"""End to end: the wizard's ZIP is read and activated by a real Celery worker."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from imports.models import Activation, AttachmentArchive, ImportBatch
from imports.selectors import GroupKey
from imports.services.activation import activation_create
from imports.tasks import attachment_archive_process_task
from results.models import ResultAttachment
from tests import factories
from tests.imports.test_views_wizard import (
    MANAGEMENT_FIELD,
    WIZARD_URL,
    case_file,
    mapping_data,
    upload_data,
)
from tests.worker import Worker, wait_for
from users.models import User

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _archive_final() -> AttachmentArchive | None:
    archive = AttachmentArchive.objects.first()
    return archive if archive is not None and archive.is_final else None


def _batch_staged() -> ImportBatch | None:
    batch = ImportBatch.objects.first()
    return batch if batch is not None and batch.is_final else None


def _activation_final(activation_id: int) -> Activation | None:
    activation = Activation.objects.get(pk=activation_id)
    return activation if activation.is_final else None


def test_worker_zip_to_portfolio(
    celery_worker: Worker, admin_user: User, client: Client
) -> None:
    factories.user_create(email="jan.devries@example.nl")
    factories.user_create(email="zoe.muller@example.nl")
    client.force_login(admin_user)

    client.get(WIZARD_URL)
    client.post(
        WIZARD_URL,
        {
            **upload_data(case_file("c27-results.csv")),
            "upload-attachments": case_file("c27-attachments.zip"),
        },
    )
    client.post(WIZARD_URL, mapping_data())
    client.post(WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"})
    wait_for(_batch_staged, timeout=120)
    # The worker fixture routes only tasks sent from this process to the
    # test's queue, so the ZIP task the staging task queued is sent again here.
    attachment_archive_process_task.delay(AttachmentArchive.objects.get().pk)
    archive = wait_for(_archive_final, timeout=120)

    assert archive.state == AttachmentArchive.State.FINISHED, celery_worker.log_text()
    assert archive.stored_count == 2

    batch = ImportBatch.objects.get()
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[GroupKey("BHV herhaling", ""), GroupKey("EHBO", "")],
        mode=Activation.Mode.PORTFOLIO,
    )
    finished = wait_for(lambda: _activation_final(activation.pk), timeout=120)

    assert finished.state == Activation.State.FINISHED, celery_worker.log_text()
    attachments = ResultAttachment.objects.select_related("blob", "result")
    digests = {}
    for attachment in attachments:
        name = attachment.blob.file.name
        assert name
        with default_storage.open(name, "rb") as stored:
            digest = hashlib.sha256(stored.read()).hexdigest()
        digests[(attachment.result.source_result_id, attachment.original_name)] = digest
    assert digests == {
        ("R101", "certificaat.pdf"): (
            "0d6087657fd3a4eb3c7327be776cc7ebbd36ba9d0068e9c709fce29c5b595e4a"
        ),
        ("R102", "pasfoto.jpg"): (
            "85e24b6c4620fadf7bf9838aa76275e7bd5831fc5327d4adced34f37ede8cc87"
        ),
    }
