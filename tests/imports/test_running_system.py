"""
The import on a running system: upload limits, background work and progress.

The worker tests start a real Celery worker process and import the
20,000-record results file, so they use a transactional database.
"""

import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django.fixtures import Settings

from imports.forms.wizard import UploadForm
from imports.messages import attachment_message
from imports.models import (
    Activation,
    AttachmentArchive,
    ImportBatch,
    RejectedLine,
    StagedAttachment,
    StagedRow,
)
from imports.selectors import review_groups
from imports.services.activation import activation_create
from imports.services.attachments import FLUSH_ENTRIES
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create, import_batch_stage
from learnlinq.celery import app as celery_app
from results.models import ExternalResult, Result
from tests.conftest import CASES_DIR
from tests.imports.test_views_wizard import (
    MANAGEMENT_FIELD,
    WIZARD_URL,
    case_file,
    current_step,
    mapping_data,
    upload_data,
)
from tests.worker import Broker, Worker, wait_for
from users.models import User

RECORDS_FILE = CASES_DIR / "files" / "c06-20000-records.csv"
RECORDS = 20_000
# Enough certificates for the ZIP task to commit its outcomes more than once,
# few enough to keep the test quick.
ATTACHMENTS = FLUSH_ENTRIES + 100
MIB = 1024 * 1024


def _batch_create(admin: User, data: bytes) -> ImportBatch:
    return import_batch_create(
        created_by=admin,
        data=ContentFile(data, name=RECORDS_FILE.name),
        original_name=RECORDS_FILE.name,
        settings=ImportSettings(user_field="email"),
    )


def _batch_final(batch_id: int) -> ImportBatch | None:
    batch = ImportBatch.objects.get(pk=batch_id)
    return batch if batch.is_final else None


def _archive_final() -> AttachmentArchive | None:
    archive = AttachmentArchive.objects.get()
    return archive if archive.is_final else None


def pdf_bytes(result_id: str) -> bytes:
    """Return a one-page PDF with a cross-reference table, titled ``result_id``."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Title (" + result_id.encode("ascii") + b") >>",
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)

    xref_offset = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        document += b"%010d 00000 n \n" % offset
    document += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n" % (
        len(objects) + 1
    )
    document += b"startxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(document)


def certificates_zip(path: Path, count: int) -> Path:
    """Write a ZIP of ``count`` scans named after ResultIds R00001 onwards."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number in range(1, count + 1):
            result_id = f"R{number:05d}"
            archive.writestr(f"{result_id}_#_scan.pdf", pdf_bytes(result_id))
    return path


def media_files(settings: Settings) -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    if not media.exists():
        return []
    return [path for path in media.rglob("*") if path.is_file()]


def queued_messages(queue: str) -> int:
    with celery_app.connection_for_write() as broker_connection:
        channel: Any = broker_connection.default_channel
        return int(channel.queue_declare(queue=queue, passive=True).message_count)


class FileInputs(HTMLParser):
    """The attributes of each ``<input type="file">`` of a page, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "file":
            self.inputs[str(attributes.get("name"))] = attributes
        if tag == "script" and attributes.get("src"):
            self.scripts.append(str(attributes["src"]))


# Progress of an activation as seen through its status endpoint.


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_activation_progress_visible_while_running(
    celery_worker: Worker,
    case_users: dict[str, User],
    admin_user: User,
    admin_client: Client,
    settings: Settings,
) -> None:
    batch = import_batch_stage(
        batch_id=_batch_create(admin_user, RECORDS_FILE.read_bytes()).pk
    )
    keys = [group.key for group in review_groups(batch=batch)]
    # The worker commits once per chunk, so a reader can see at most one
    # intermediate value per chunk.
    chunks = RECORDS // settings.ACTIVATION_CHUNK_SIZE
    seen: list[int] = []

    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=keys,
        mode=Activation.Mode.MERGE,
        new_title="Historische resultaten",
        new_library_title="Veiligheid",
    )
    status_url = reverse("imports:activation-status", args=[activation.pk])

    def status_final() -> dict[str, Any] | None:
        status: dict[str, Any] = admin_client.get(status_url).json()
        seen.append(status["done"])
        return status if status["is_final"] else None

    final = wait_for(status_final, timeout=180, interval=0.1)

    intermediate = {done for done in seen if 0 < done < RECORDS}
    external_result = ExternalResult.objects.get(title="Historische resultaten")
    assert batch.staged_count == RECORDS
    assert chunks >= 10
    assert len(intermediate) >= 3, seen
    assert seen == sorted(seen)
    assert final["state"] == Activation.State.FINISHED, celery_worker.log_text()
    assert final["done"] == RECORDS
    assert final["total"] == RECORDS
    assert final["percent"] == 100
    assert Result.objects.count() == RECORDS
    assert Result.objects.filter(external_result=external_result).count() == RECORDS


# The wizard hands every step after the upload to the worker.


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_wizard_import_runs_in_worker(
    request: pytest.FixtureRequest,
    celery_broker: Broker,
    case_users: dict[str, User],
    admin_client: Client,
    tmp_path: Path,
) -> None:
    attachments = certificates_zip(tmp_path / "scans.zip", ATTACHMENTS)
    admin_client.get(WIZARD_URL)
    admin_client.post(
        WIZARD_URL,
        {
            **upload_data(case_file(RECORDS_FILE.name)),
            "upload-attachments": SimpleUploadedFile(
                attachments.name, attachments.read_bytes()
            ),
        },
    )
    admin_client.post(WIZARD_URL, mapping_data())

    response = admin_client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
    )

    queued = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[queued.pk])
    assert queued.state == ImportBatch.State.QUEUED
    assert queued.staged_count == 0
    assert not StagedRow.objects.exists()
    assert AttachmentArchive.objects.get().state == AttachmentArchive.State.QUEUED
    # The broker queue contains the staging task and nothing else.
    assert queued_messages(celery_broker.queue) == 1

    # The worker starts only now, so the request above ran without one.
    worker: Worker = request.getfixturevalue("celery_worker")
    staged = wait_for(lambda: _batch_final(queued.pk), timeout=180)
    archive = wait_for(_archive_final, timeout=180)

    assert staged.state == ImportBatch.State.STAGED, worker.log_text()
    assert staged.staged_count == RECORDS
    assert StagedRow.objects.filter(batch=staged).count() == RECORDS
    assert not RejectedLine.objects.exists()
    assert archive.state == AttachmentArchive.State.FINISHED, worker.log_text()
    assert archive.stored_count == ATTACHMENTS
    assert archive.rejected_count == 0
    assert archive.skipped_count == 0
    assert StagedAttachment.objects.filter(archive=archive).count() == ATTACHMENTS
    assert sorted(
        StagedAttachment.objects.values_list("row__result_id", flat=True)
    ) == [f"R{number:05d}" for number in range(1, ATTACHMENTS + 1)]


# Upload limits: the page gives them to the browser, the application enforces them.


def oversized_zip(path: Path, size: int) -> Path:
    """Write a valid ZIP over ``size`` bytes, its one entry stored uncompressed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("R00001_#_scan.pdf", pdf_bytes("R00001") + bytes(size))
    return path


@pytest.mark.django_db
def test_upload_page_carries_size_limits(
    admin_client: Client, settings: Settings
) -> None:
    settings.IMPORT_MAX_CSV_BYTES = 3 * MIB
    settings.IMPORT_MAX_ZIP_BYTES = 5 * MIB
    parser = FileInputs()

    response = admin_client.get(WIZARD_URL)
    parser.feed(response.content.decode())

    results_file = parser.inputs["upload-file"]
    attachments = parser.inputs["upload-attachments"]
    assert response.status_code == 200
    assert results_file["data-max-bytes"] == str(3 * MIB)
    assert attachments["data-max-bytes"] == str(5 * MIB)
    assert "het maximum is 3,0\xa0MB" in (results_file["data-too-large"] or "")
    assert "het maximum is 5,0\xa0MB" in (attachments["data-too-large"] or "")
    assert any(src.endswith("js/preview.js") for src in parser.scripts)


@pytest.mark.django_db
def test_upload_oversized_zip_rejected(
    admin_client: Client,
    case_users: dict[str, User],
    settings: Settings,
    tmp_path: Path,
) -> None:
    settings.IMPORT_MAX_ZIP_BYTES = MIB
    archive = oversized_zip(tmp_path / "scans.zip", MIB)
    size = archive.stat().st_size
    with translation.override("nl"):
        expected = attachment_message("archive_too_large", {"size": size, "max": MIB})
    admin_client.get(WIZARD_URL)

    response = admin_client.post(
        WIZARD_URL,
        {
            **upload_data(case_file("c27-results.csv")),
            "upload-attachments": SimpleUploadedFile(
                archive.name, archive.read_bytes()
            ),
        },
    )

    assert response.status_code == 200
    assert current_step(response) == "upload"
    assert response.context["form"].errors["attachments"] == [expected]
    assert expected in response.content.decode()
    assert "het maximum is 1048576 bytes" in expected
    assert not ImportBatch.objects.exists()
    assert not AttachmentArchive.objects.exists()
    assert media_files(settings) == []


@pytest.mark.django_db
def test_upload_oversized_csv_rejected(
    admin_client: Client, case_users: dict[str, User], settings: Settings
) -> None:
    settings.IMPORT_MAX_CSV_BYTES = MIB
    size = RECORDS_FILE.stat().st_size
    with translation.override("nl"):
        expected = str(UploadForm.error_messages["too_large"]) % {
            "name": RECORDS_FILE.name,
            "size": size,
            "max": MIB,
        }
    admin_client.get(WIZARD_URL)

    response = admin_client.post(WIZARD_URL, upload_data(case_file(RECORDS_FILE.name)))

    assert size > MIB
    assert response.status_code == 200
    assert current_step(response) == "upload"
    assert response.context["form"].errors["file"] == [expected]
    assert expected in response.content.decode()
    assert "het maximum is 1048576 bytes" in expected
    assert not ImportBatch.objects.exists()
    assert media_files(settings) == []


@pytest.mark.django_db
def test_staging_one_record_over_limit(
    case_users: dict[str, User], admin_user: User
) -> None:
    data = RECORDS_FILE.read_bytes()
    # The file ends with CRLF, so the extra record starts on a line of its own.
    extra = b"jan.devries@example.nl;30-10-2019;BHV herhaling;R20001;\r\n"
    batch = _batch_create(admin_user, data + extra)

    failed = import_batch_stage(batch_id=batch.pk)

    assert data.endswith(b"\r\n")
    assert failed.state == ImportBatch.State.FAILED
    assert failed.file_error_code == "too_many_rows"
    assert failed.file_error_params == {
        "count": RECORDS + 1,
        "max": RECORDS,
        "maximum": RECORDS,
    }
    assert failed.staged_count == 0
    assert failed.rejected_count == 0
    assert not StagedRow.objects.exists()
    assert not RejectedLine.objects.exists()
