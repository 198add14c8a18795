"""The attachments service: real case archives against staged rows in the database."""

import datetime
import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from imports.models import (
    Activation,
    ArchiveEntryOutcome,
    AttachmentArchive,
    ImportBatch,
    StagedAttachment,
    StagedRow,
)
from imports.selectors import GroupKey
from imports.services.activation import activation_create
from imports.services.activation_run import activation_run
from imports.services.attachments import (
    attachment_archive_create,
    attachment_archive_process,
    attachment_uploads_clean_up,
    staged_attachments_activate,
)
from learnlinq.errors import InputRejected
from results.models import AttachmentBlob, Result, ResultAttachment
from tests import factories
from tests.conftest import CASES_DIR, REALDATA_DIR
from users.models import User

FILES = CASES_DIR / "files"
PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 20 + b"%%EOF\n"

ProcessZip = Callable[..., AttachmentArchive]


@pytest.fixture
def stage_rows(admin_user: User) -> Callable[..., ImportBatch]:
    """Return a function that creates a staged import with one row per ResultId."""

    def stage(*result_ids: str) -> ImportBatch:
        batch = factories.import_batch_create(created_by=admin_user)
        for line, result_id in enumerate(result_ids, start=2):
            learner = factories.user_create()
            factories.staged_row_create(
                batch=batch, learner=learner, line=line, result_id=result_id
            )
        return batch

    return stage


@pytest.fixture
def process_zip(admin_user: User, stage_rows: Callable[..., ImportBatch]) -> ProcessZip:
    """Stage rows for ResultIds, store a ZIP for them and read it."""

    def process(
        result_ids: tuple[str, ...], archive: bytes, name: str = "bijlagen.zip"
    ) -> AttachmentArchive:
        batch = stage_rows(*result_ids)
        created = attachment_archive_create(
            batch=batch,
            created_by=admin_user,
            data=ContentFile(archive, name=name),
            original_name=name,
        )
        return attachment_archive_process(archive_id=created.pk)

    return process


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _attachments(archive: AttachmentArchive) -> list[tuple[str, str, str]]:
    return sorted(
        StagedAttachment.objects.filter(archive=archive).values_list(
            "row__result_id", "original_name", "sha256"
        )
    )


def _outcomes(archive: AttachmentArchive) -> dict[str, tuple[str, str]]:
    return {
        outcome.name: (outcome.outcome, outcome.code)
        for outcome in ArchiveEntryOutcome.objects.filter(archive=archive)
    }


def _stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return sorted(str(path) for path in root.rglob("*") if path.is_file())


def _case(name: str) -> bytes:
    return (FILES / name).read_bytes()


# Case archives


def test_process_archiver_junk(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101",), _case("c19-archiver-junk.zip"))

    assert archive.state == AttachmentArchive.State.FINISHED
    assert archive.stored_count == 1
    assert archive.skipped_count == 3
    assert archive.rejected_count == 0
    assert _attachments(archive) == [
        (
            "R101",
            "certificaat.pdf",
            "0d6087657fd3a4eb3c7327be776cc7ebbd36ba9d0068e9c709fce29c5b595e4a",
        )
    ]


def test_process_stored_bytes_identical(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101", "R102"), _case("c27-attachments.zip"))

    attachment = StagedAttachment.objects.get(
        archive=archive, original_name="pasfoto.jpg"
    )
    name = attachment.blob.file.name
    assert name
    with default_storage.open(name, "rb") as stored:
        content = stored.read()

    assert hashlib.sha256(content).hexdigest() == (
        "85e24b6c4620fadf7bf9838aa76275e7bd5831fc5327d4adced34f37ede8cc87"
    )
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == 898
    assert name.startswith("attachments/85/e2/")


def test_process_folders_and_backslashes(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101", "R102"), _case("c20-folders.zip"))

    assert archive.stored_count == 2
    assert archive.skipped_count == 1
    assert _attachments(archive) == [
        (
            "R101",
            "certificaat.pdf",
            "56e1fac64337db4e8f25e7fc29b789f6acf5e5e37b2b73dae34a19a4cd01b993",
        ),
        (
            "R102",
            "aanwezigheidslijst.xlsx",
            "1d0cadf962720c18321c3c1dcec29830490119d168214854da74257ce412cc1b",
        ),
    ]


def test_process_nested_archive(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101", "R102", "R103"), _case("c22-nested.zip"))

    assert archive.stored_count == 2
    assert archive.rejected_count == 1
    assert _outcomes(archive)["R102_#_bijlagen.zip"] == ("rejected", "type_not_allowed")
    assert _attachments(archive) == [
        (
            "R101",
            "certificaat.pdf",
            "6f231ea0b4513fef1fa2972f4a31eb948c5d0643cc735485fc109190452a8815",
        ),
        (
            "R103",
            "cijfers.xlsx",
            "9587a48945d3e6114ce7d4cf35066cdabc2fd000910dea7e269c884af70da091",
        ),
    ]


def test_process_lying_extensions(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101", "R102", "R103"), _case("c23-lying-extensions.zip"))
    outcomes = ArchiveEntryOutcome.objects.filter(archive=archive)
    params = {outcome.name: outcome.params for outcome in outcomes}

    assert archive.stored_count == 2
    assert archive.rejected_count == 3
    assert _outcomes(archive)["R101_#_certificaat.pdf"] == (
        "rejected",
        "content_mismatch",
    )
    assert params["R101_#_certificaat.pdf"]["detected"] == "text/html"
    assert _outcomes(archive)["R101_#_foto.jpg"] == ("rejected", "content_mismatch")
    assert params["R101_#_foto.jpg"]["detected"] == "image/heic"
    assert _outcomes(archive)["R102_#_rapport.pdf.exe"] == (
        "rejected",
        "type_not_allowed",
    )
    assert _attachments(archive) == [
        (
            "R102",
            "oud_formulier.doc",
            "c527af2bec0b5374925843c2ea2d18421609533f58c2a356d66c559442c36558",
        ),
        (
            "R103",
            "cijfers.xlsx",
            "c54e7d661b001ec3973eb4d56f2261354eaf53ce266bdfea1b49ce89ed70e998",
        ),
    ]


def test_process_docx_named_doc_real_type(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101", "R102", "R103"), _case("c23-lying-extensions.zip"))

    attachment = StagedAttachment.objects.get(
        archive=archive, original_name="oud_formulier.doc"
    )

    assert attachment.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


@pytest.mark.parametrize(
    ("archive_name", "code"),
    [
        ("c21-zip-slip.zip", "archive_unsafe_names"),
        ("c22-bomb-overlap.zip", "archive_overlapping_entries"),
        ("c22-bomb-forged-size.zip", "archive_entry_too_big"),
    ],
)
def test_process_refused_archive_rejects_import(
    process_zip: ProcessZip, archive_name: str, code: str
) -> None:
    archive = process_zip(("R101", "R102", "R103"), _case(archive_name))
    batch = ImportBatch.objects.get(pk=archive.batch_id)

    assert archive.state == AttachmentArchive.State.FAILED
    assert archive.failure_code == code
    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_code == code
    assert not StagedRow.objects.filter(batch=batch).exists()
    assert not StagedAttachment.objects.exists()
    assert not ArchiveEntryOutcome.objects.exists()


def test_process_forged_size_leaves_no_file(
    process_zip: ProcessZip,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    bomb = _case("c22-bomb-forged-size.zip")
    result_ids = ("R101", "R102", "R103")

    with django_capture_on_commit_callbacks(execute=True):
        archive = process_zip(result_ids, bomb)

    assert archive.failure_code == "archive_entry_too_big"
    assert _stored_files() == []
    assert not AttachmentBlob.objects.exists()


def test_process_refusal_deletes_partial_output(
    process_zip: ProcessZip,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Damage the end of the second entry's data so it fails after the first
    # entry was stored.
    data = bytearray(
        _zip({"R101_#_goed.pdf": PDF, "R102_#_kapot.pdf": PDF + b"z" * 500})
    )
    position = data.rfind(b"R102_#_kapot.pdf", 0, len(data) // 2) + 40
    data[position : position + 8] = b"\xff" * 8

    with django_capture_on_commit_callbacks(execute=True):
        archive = process_zip(
            (
                "R101",
                "R102",
            ),
            bytes(data),
        )

    assert archive.failure_code == "archive_entry_corrupt"
    assert not StagedAttachment.objects.exists()
    assert not AttachmentBlob.objects.exists()
    assert _stored_files() == []


# Generated archives


def test_process_realdata_documents(process_zip: ProcessZip) -> None:
    textract = REALDATA_DIR / "textract-attachments"
    moodle = REALDATA_DIR / "moodle-attachments"
    entries = {
        "R101_#_diploma.pdf": (textract / "standardized_text.pdf").read_bytes(),
        "R101_#_verslag.doc": (textract / "standardized_text.doc").read_bytes(),
        "R101_#_verslag.docx": (textract / "standardized_text.docx").read_bytes(),
        "R102_#_cijfers.xls": (textract / "standardized_text.xls").read_bytes(),
        "R102_#_cijfers.xlsx": (textract / "standardized_text.xlsx").read_bytes(),
        "R102_#_foto.jpg": (moodle / "testimage.jpg").read_bytes(),
        "R103_#_foto.jpeg": (textract / "standardized_text.jpg").read_bytes(),
        "R103_#_tekst.odt": (textract / "standardized_text.odt").read_bytes(),
        "R103_#_plaatje.png": (textract / "standardized_text.png").read_bytes(),
        "R103_#_zonder_extensie": (textract / "pdf_standardized_text").read_bytes(),
    }

    archive = process_zip(
        (
            "R101",
            "R102",
            "R103",
        ),
        _zip(entries),
    )
    outcomes = _outcomes(archive)

    assert archive.stored_count == 7
    assert archive.rejected_count == 3
    for name in list(entries)[:7]:
        assert outcomes[name] == ("stored", ""), name
    assert outcomes["R103_#_tekst.odt"] == ("rejected", "type_not_allowed")
    assert outcomes["R103_#_plaatje.png"] == ("rejected", "type_not_allowed")
    assert outcomes["R103_#_zonder_extensie"] == ("rejected", "type_not_allowed")


def test_process_unknown_result_id(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101",), _zip({"R999_#_diploma.pdf": PDF}))
    outcome = ArchiveEntryOutcome.objects.get(archive=archive)

    assert outcome.outcome == "rejected"
    assert outcome.code == "unknown_result_id"
    assert outcome.params == {"name": "R999_#_diploma.pdf", "result_id": "R999"}


def test_process_duplicate_name(process_zip: ProcessZip) -> None:
    data = _zip({"R101_#_diploma.pdf": PDF, "map/R101_#_Diploma.pdf": PDF + b"2"})

    archive = process_zip(("R101",), data)

    assert archive.stored_count == 1
    assert _outcomes(archive)["map/R101_#_Diploma.pdf"] == (
        "rejected",
        "duplicate_name",
    )


def test_process_dedup_identical_files(process_zip: ProcessZip) -> None:
    data = _zip({"R101_#_diploma.pdf": PDF, "R102_#_kopie.pdf": PDF})

    archive = process_zip(
        (
            "R101",
            "R102",
        ),
        data,
    )

    assert archive.stored_count == 2
    assert StagedAttachment.objects.count() == 2
    assert AttachmentBlob.objects.count() == 1
    assert len(_stored_files()) == 1


def test_process_quota_refused(process_zip: ProcessZip, settings: object) -> None:
    settings.ATTACHMENT_QUOTA_BYTES = len(PDF) + 10  # type: ignore[attr-defined]
    data = _zip({"R101_#_a.pdf": PDF, "R102_#_b.pdf": PDF + b"b"})

    archive = process_zip(
        (
            "R101",
            "R102",
        ),
        data,
    )

    assert archive.state == AttachmentArchive.State.FAILED
    assert archive.failure_code == "quota_exceeded"
    assert archive.failure_params["needed"] == 2 * len(PDF) + 1
    assert archive.failure_params["free"] == len(PDF) + 10
    assert _stored_files() == []


def test_process_twice_is_noop(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101",), _zip({"R101_#_diploma.pdf": PDF}))

    again = attachment_archive_process(archive_id=archive.pk)

    assert again.state == AttachmentArchive.State.FINISHED
    assert StagedAttachment.objects.count() == 1
    assert ArchiveEntryOutcome.objects.count() == 1


def test_process_interrupted_run_restarts(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101",), _zip({"R101_#_diploma.pdf": PDF}))
    AttachmentArchive.objects.filter(pk=archive.pk).update(
        state=AttachmentArchive.State.RUNNING
    )

    again = attachment_archive_process(archive_id=archive.pk)

    assert again.state == AttachmentArchive.State.FINISHED
    assert again.stored_count == 1
    assert StagedAttachment.objects.count() == 1


# Freeing storage


def test_staged_row_delete_frees_blob(
    process_zip: ProcessZip,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    data = _zip(
        {"R101_#_eigen.pdf": PDF + b"eigen", "R101_#_a.pdf": PDF, "R102_#_b.pdf": PDF}
    )
    archive = process_zip(
        (
            "R101",
            "R102",
        ),
        data,
    )

    with django_capture_on_commit_callbacks(execute=True):
        StagedRow.objects.filter(batch_id=archive.batch_id, result_id="R101").delete()

    # The shared file stays for R102; the file only R101 used is gone.
    assert AttachmentBlob.objects.count() == 1
    assert len(_stored_files()) == 1


def test_import_delete_frees_all_blobs(
    process_zip: ProcessZip,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    archive = process_zip(("R101",), _zip({"R101_#_a.pdf": PDF}))

    with django_capture_on_commit_callbacks(execute=True):
        ImportBatch.objects.filter(pk=archive.batch_id).delete()

    assert not AttachmentBlob.objects.exists()
    assert _stored_files() == []


# Clean-up


def test_clean_up_abandoned_wizard_uploads(db: None) -> None:
    wizard = Path(settings.MEDIA_ROOT) / "wizard"
    wizard.mkdir(parents=True)
    (wizard / "verlaten.zip").write_bytes(b"PK")

    deleted_now = attachment_uploads_clean_up()
    later = timezone.now() + datetime.timedelta(hours=48)
    deleted_later = attachment_uploads_clean_up(now=later)

    assert deleted_now == 0
    assert deleted_later == 1
    assert not (wizard / "verlaten.zip").exists()


def test_clean_up_keeps_unprocessed_archive(
    admin_user: User, stage_rows: Callable[..., ImportBatch]
) -> None:
    batch = stage_rows("R101")
    archive = attachment_archive_create(
        batch=batch,
        created_by=admin_user,
        data=ContentFile(_zip({"R101_#_a.pdf": PDF}), name="b.zip"),
        original_name="b.zip",
    )

    attachment_uploads_clean_up(now=timezone.now() + datetime.timedelta(hours=48))

    assert archive.file.name
    assert default_storage.exists(archive.file.name)


def test_clean_up_deletes_processed_archive(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101",), _zip({"R101_#_a.pdf": PDF}))
    name = archive.file.name
    assert name

    attachment_uploads_clean_up(now=timezone.now() + datetime.timedelta(hours=48))
    archive.refresh_from_db()

    assert not default_storage.exists(name)
    assert archive.file.name == ""
    assert StagedAttachment.objects.count() == 1
    assert len(_stored_files()) == 1


def test_archive_create_too_large(
    admin_user: User, settings: object, stage_rows: Callable[..., ImportBatch]
) -> None:
    settings.IMPORT_MAX_ZIP_BYTES = 10  # type: ignore[attr-defined]
    batch = stage_rows("R101")

    with pytest.raises(InputRejected) as caught:
        attachment_archive_create(
            batch=batch,
            created_by=admin_user,
            data=ContentFile(b"x" * 11, name="b.zip"),
            original_name="b.zip",
        )

    assert caught.value.code == "archive_too_large"
    assert not AttachmentArchive.objects.exists()
    assert not os.path.exists(Path(settings.MEDIA_ROOT) / "imports" / "archives")  # type: ignore[attr-defined]


# Activation


def _activate(batch: ImportBatch, admin_user: User) -> None:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[GroupKey(title="BHV herhaling", tags_key="")],
        mode=Activation.Mode.PORTFOLIO,
        enqueue=False,
    )
    activation_run(activation_id=activation.pk)


def test_activation_copies_attachments(
    process_zip: ProcessZip, admin_user: User
) -> None:
    archive = process_zip(("R101", "R102"), _case("c27-attachments.zip"))

    _activate(archive.batch, admin_user)

    copied = sorted(
        ResultAttachment.objects.values_list(
            "result__source_result_id", "original_name", "blob__sha256", "content_type"
        )
    )
    assert copied == [
        (
            "R101",
            "certificaat.pdf",
            "0d6087657fd3a4eb3c7327be776cc7ebbd36ba9d0068e9c709fce29c5b595e4a",
            "application/pdf",
        ),
        (
            "R102",
            "pasfoto.jpg",
            "85e24b6c4620fadf7bf9838aa76275e7bd5831fc5327d4adced34f37ede8cc87",
            "image/jpeg",
        ),
    ]


def test_activation_copy_idempotent(process_zip: ProcessZip) -> None:
    archive = process_zip(("R101",), _case("c27-attachments.zip"))
    row = StagedRow.objects.get(batch_id=archive.batch_id)
    result = Result.objects.create(
        learner=row.learner, achieved_on=row.achieved_on, title=row.title
    )

    first = staged_attachments_activate(row_ids=[row.pk], result_ids=[result.pk])
    second = staged_attachments_activate(row_ids=[row.pk], result_ids=[result.pk])

    assert first == 1
    assert second == 1
    assert ResultAttachment.objects.filter(result=result).count() == 1


def test_activation_waits_for_attachments(
    admin_user: User, stage_rows: Callable[..., ImportBatch]
) -> None:
    batch = stage_rows("R101")
    attachment_archive_create(
        batch=batch,
        created_by=admin_user,
        data=ContentFile(_zip({"R101_#_a.pdf": PDF}), name="b.zip"),
        original_name="b.zip",
    )

    with pytest.raises(InputRejected) as caught:
        _activate(batch, admin_user)

    assert caught.value.code == "attachments_pending"
    assert not Activation.objects.exists()


def test_result_delete_keeps_shared_blob(
    process_zip: ProcessZip,
    admin_user: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    archive = process_zip(("R101",), _zip({"R101_#_a.pdf": PDF}))
    _activate(archive.batch, admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        Result.objects.all().delete()

    # The staged attachment still refers to the file.
    assert AttachmentBlob.objects.count() == 1
    assert len(_stored_files()) == 1


def test_process_dedup_across_imports(process_zip: ProcessZip) -> None:
    first = process_zip(("R101",), _zip({"R101_#_diploma.pdf": PDF}))
    second = process_zip(("R201",), _zip({"R201_#_kopie.pdf": PDF}))

    assert first.stored_count == 1
    assert second.stored_count == 1
    assert AttachmentBlob.objects.count() == 1
    assert len(_stored_files()) == 1
    assert set(StagedAttachment.objects.values_list("blob_id", flat=True)) == {
        AttachmentBlob.objects.get().pk
    }


# Tasks


def test_clean_up_task_scheduled() -> None:
    from imports.tasks import attachment_uploads_clean_up_task

    schedule = settings.CELERY_BEAT_SCHEDULE["attachment-uploads-clean-up"]

    assert schedule["task"] == attachment_uploads_clean_up_task.name


def test_process_task_runs_service(
    admin_user: User, stage_rows: Callable[..., ImportBatch]
) -> None:
    from imports.tasks import attachment_archive_process_task

    batch = stage_rows("R101")
    archive = attachment_archive_create(
        batch=batch,
        created_by=admin_user,
        data=ContentFile(_zip({"R101_#_a.pdf": PDF}), name="b.zip"),
        original_name="b.zip",
    )

    attachment_archive_process_task.apply(args=(archive.pk,))
    archive.refresh_from_db()

    assert archive.state == AttachmentArchive.State.FINISHED
    assert archive.stored_count == 1


def test_process_task_missing_archive(db: None) -> None:
    from imports.tasks import attachment_archive_process_task

    result = attachment_archive_process_task.apply(args=(999,))

    assert result.successful()


def test_process_refusal_resets_counts(process_zip: ProcessZip) -> None:
    # The text file is rejected first, then the PDF turns out to be forged:
    # it declares one byte less than it holds, in both headers.
    data = _zip({"R101_#_b.txt": b"x", "R101_#_a.pdf": PDF})
    declared = len(PDF).to_bytes(4, "little")
    forged = data.replace(declared, (len(PDF) - 1).to_bytes(4, "little"))

    archive = process_zip(("R101",), forged)

    assert archive.failure_code == "archive_entry_too_big"
    assert archive.stored_count == 0
    assert archive.rejected_count == 0
    assert archive.entries_done == 0
