"""Whole-archive checks, entry plans and streaming, on real and generated ZIPs."""

import hashlib
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.utils.translation import override

from imports.archive import (
    ArchiveLimits,
    ByteBudget,
    Outcome,
    PlannedEntry,
    archive_open,
    archive_plan,
    entry_copy,
)
from imports.messages import attachment_message
from learnlinq.errors import InputRejected
from tests.conftest import CASES_DIR, REALDATA_DIR

FILES = CASES_DIR / "files"
LIMITS = ArchiveLimits()
PDF = b"%PDF-1.4\n" + b"x" * 200 + b"\n%%EOF\n"


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _plan(data: bytes, limits: ArchiveLimits = LIMITS) -> list[PlannedEntry]:
    with archive_open(io.BytesIO(data), limits=limits) as archive:
        return archive_plan(archive, limits=limits)


def _refusal(data: bytes, limits: ArchiveLimits = LIMITS) -> InputRejected:
    with pytest.raises(InputRejected) as caught:
        _plan(data, limits)
    return caught.value


def _patch_headers(
    data: bytes, *, local_offset: int, central_offset: int, value: int
) -> bytes:
    """Overwrite a 2-byte field in every local and central header."""
    patched = bytearray(data)
    for signature, offset in (
        (b"PK\x03\x04", local_offset),
        (b"PK\x01\x02", central_offset),
    ):
        start = 0
        while (position := patched.find(signature, start)) >= 0:
            patched[position + offset : position + offset + 2] = value.to_bytes(
                2, "little"
            )
            start = position + 4
    return bytes(patched)


def _copy(data: bytes, name: str, limits: ArchiveLimits = LIMITS) -> tuple[int, str]:
    with archive_open(io.BytesIO(data), limits=limits) as archive:
        entries = {entry.name: entry for entry in archive_plan(archive, limits=limits)}
        copied = entry_copy(
            archive,
            entries[name],
            io.BytesIO(),
            limits=limits,
            budget=ByteBudget(limit=limits.max_total_bytes),
        )
    return copied.size, copied.sha256


def _outcomes(entries: list[PlannedEntry]) -> dict[str, tuple[Outcome | None, str]]:
    return {entry.name: (entry.outcome, entry.code) for entry in entries}


# Whole-archive refusals


def test_archive_unsafe_names_all_listed() -> None:
    error = _refusal((FILES / "c21-zip-slip.zip").read_bytes())

    assert error.code == "archive_unsafe_names"
    assert error.params["names"] == [
        "../../settings_local.py",
        "/absolute/evil.pdf",
        "R102_#_..\\..\\x.pdf",
        "C:\\Windows\\evil.pdf",
    ]
    assert error.params["count"] == 4


def test_archive_overlapping_entries_refused() -> None:
    error = _refusal((FILES / "c22-bomb-overlap.zip").read_bytes())

    assert error.code == "archive_overlapping_entries"
    assert error.params["count"] == 47
    assert error.params["more"] == 27


def test_archive_forged_size_refused_while_streaming() -> None:
    data = (FILES / "c22-bomb-forged-size.zip").read_bytes()
    entries = _plan(data)

    assert _outcomes(entries) == {"R101_#_scan.pdf": (None, "")}
    with pytest.raises(InputRejected) as caught:
        _copy(data, "R101_#_scan.pdf")
    assert caught.value.code == "archive_entry_too_big"
    assert caught.value.params == {"name": "R101_#_scan.pdf", "declared": 1024}


def test_archive_too_many_entries_generated() -> None:
    # 200,000 empty entries: refused from the end record alone.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number in range(1, 200_001):
            archive.writestr(f"R101_#_leeg{number:06d}.pdf", b"")

    error = _refusal(buffer.getvalue())

    assert error.code == "archive_too_many_entries"
    assert error.params == {"count": 200_000, "max": LIMITS.max_entries}


def test_archive_encrypted_flag_refused() -> None:
    data = _zip({"R101_#_certificaat.pdf": PDF})
    encrypted = _patch_headers(data, local_offset=6, central_offset=8, value=0x1)

    error = _refusal(encrypted)

    assert error.code == "archive_encrypted"
    assert error.params["names"] == ["R101_#_certificaat.pdf"]


@pytest.mark.skipif(shutil.which("zip") is None, reason="the zip tool is not installed")
def test_archive_encrypted_by_zip_tool(tmp_path: Path) -> None:
    document = tmp_path / "R101_#_certificaat.pdf"
    document.write_bytes(PDF)
    target = tmp_path / "versleuteld.zip"
    subprocess.run(
        ["zip", "-q", "-j", "-e", "-P", "geheim", str(target), str(document)],
        check=True,
    )

    error = _refusal(target.read_bytes())

    assert error.code == "archive_encrypted"


def test_archive_deflate64_refused() -> None:
    data = _zip({"R101_#_certificaat.pdf": PDF})
    deflate64 = _patch_headers(data, local_offset=8, central_offset=10, value=9)

    error = _refusal(deflate64)

    assert error.code == "archive_deflate64"
    assert error.params["names"] == ["R101_#_certificaat.pdf"]


def test_archive_unknown_method_refused() -> None:
    data = _zip({"R101_#_certificaat.pdf": PDF})
    ppmd = _patch_headers(data, local_offset=8, central_offset=10, value=98)

    error = _refusal(ppmd)

    assert error.code == "archive_method_unsupported"
    assert error.params["method"] == 98


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK",
        b"%PDF-1.4 not an archive" * 10,
        (REALDATA_DIR / "textract-attachments" / "raw_text.xls").read_bytes(),
    ],
)
def test_archive_not_zip(data: bytes) -> None:
    assert _refusal(data).code == "archive_not_zip"


def test_archive_too_large() -> None:
    limits = ArchiveLimits(max_archive_bytes=100)

    error = _refusal(_zip({"R101_#_certificaat.pdf": PDF}), limits)

    assert error.code == "archive_too_large"
    assert error.params["max"] == 100


def test_archive_declared_total_refused() -> None:
    limits = ArchiveLimits(max_total_bytes=300)
    data = _zip({"R101_#_a.pdf": PDF, "R101_#_b.pdf": PDF})

    error = _refusal(data, limits)

    assert error.code == "archive_total_exceeded"
    assert error.params == {"total": 2 * len(PDF), "max": 300}


def test_archive_real_total_refused_while_streaming() -> None:
    data = _zip({"R101_#_a.pdf": PDF})
    with archive_open(io.BytesIO(data), limits=LIMITS) as archive:
        entry = archive_plan(archive, limits=LIMITS)[0]

        with pytest.raises(InputRejected) as caught:
            entry_copy(
                archive,
                entry,
                io.BytesIO(),
                limits=LIMITS,
                budget=ByteBudget(limit=100, used=50),
            )

    assert caught.value.code == "archive_total_exceeded"


def test_archive_ratio_refused() -> None:
    # 20 MiB of one byte value deflates about 1,000 to 1.
    data = _zip({"R101_#_scan.pdf": b"%PDF-1.4\n" + b"\0" * (20 * 1024**2)})

    with pytest.raises(InputRejected) as caught:
        _copy(data, "R101_#_scan.pdf")

    assert caught.value.code == "archive_ratio_exceeded"
    assert caught.value.params == {"name": "R101_#_scan.pdf", "max": LIMITS.max_ratio}


def test_archive_corrupt_data_refused() -> None:
    data = bytearray(_zip({"R101_#_a.pdf": PDF}, method=zipfile.ZIP_STORED))
    position = data.find(b"xxxx")
    data[position : position + 4] = b"yyyy"

    with pytest.raises(InputRejected) as caught:
        _copy(bytes(data), "R101_#_a.pdf")

    assert caught.value.code == "archive_entry_corrupt"


def test_archive_empty_zip_has_no_entries() -> None:
    data = (REALDATA_DIR / "moodle-zip-encodings" / "empty.zip").read_bytes()

    assert _plan(data) == []


# Entry outcomes decided from the central directory


def test_plan_archiver_junk_skipped() -> None:
    entries = _plan((FILES / "c19-archiver-junk.zip").read_bytes())

    assert _outcomes(entries) == {
        "R101_#_certificaat.pdf": (None, ""),
        "__MACOSX/": (Outcome.SKIPPED, "folder"),
        "__MACOSX/._R101_#_certificaat.pdf": (Outcome.SKIPPED, "system_file"),
        ".DS_Store": (Outcome.SKIPPED, "system_file"),
    }


def test_plan_skipped_entries_named() -> None:
    entries = _plan((FILES / "c19-archiver-junk.zip").read_bytes())
    skipped = [entry for entry in entries if entry.outcome == Outcome.SKIPPED]

    for entry in skipped:
        assert entry.params == {"name": entry.name}
    with override("en"):
        assert attachment_message("folder", skipped[0].params) == (
            "“__MACOSX/” is a folder; its files are read by their own names."
        )


def test_plan_folders_both_separators() -> None:
    entries = _plan((FILES / "c20-folders.zip").read_bytes())
    by_name = {entry.name: entry for entry in entries}

    assert by_name["Bijlagen/"].outcome == Outcome.SKIPPED
    assert by_name["Bijlagen/R101_#_certificaat.pdf"].result_id == "R101"
    assert by_name["Bijlagen/R101_#_certificaat.pdf"].original_name == "certificaat.pdf"
    assert by_name["Bijlagen\\R102_#_aanwezigheidslijst.xlsx"].result_id == "R102"
    assert (
        by_name["Bijlagen\\R102_#_aanwezigheidslijst.xlsx"].original_name
        == "aanwezigheidslijst.xlsx"
    )


def test_plan_nested_zip_not_allowed() -> None:
    entries = _plan((FILES / "c22-nested.zip").read_bytes())

    assert _outcomes(entries) == {
        "R101_#_certificaat.pdf": (None, ""),
        "R102_#_bijlagen.zip": (Outcome.REJECTED, "type_not_allowed"),
        "R103_#_cijfers.xlsx": (None, ""),
    }


def test_plan_lying_extensions_exe() -> None:
    entries = _plan((FILES / "c23-lying-extensions.zip").read_bytes())

    assert _outcomes(entries)["R102_#_rapport.pdf.exe"] == (
        Outcome.REJECTED,
        "type_not_allowed",
    )


@pytest.mark.parametrize(
    "archive_name",
    [
        "test_7zip_927.zip",
        "test_osx_compress.zip",
        "test_thumbsdb.zip",
        "test_win8_cz.zip",
        "test_winrar_421.zip",
    ],
)
def test_plan_text_files_not_allowed(archive_name: str) -> None:
    data = (REALDATA_DIR / "moodle-zip-encodings" / archive_name).read_bytes()

    entries = _plan(data)

    outcomes = {(entry.outcome, entry.code) for entry in entries}
    assert outcomes <= {
        (Outcome.REJECTED, "type_not_allowed"),
        (Outcome.SKIPPED, "folder"),
        (Outcome.SKIPPED, "system_file"),
    }
    rejected = [entry for entry in entries if entry.outcome == Outcome.REJECTED]
    assert {entry.extension for entry in rejected} == {"txt", "test"}


def test_plan_entry_rules() -> None:
    data = _zip(
        {
            "R101_#_diploma.pdf": PDF,
            "R101_#_DIPLOMA.pdf": PDF,
            "R102_#_diploma.pdf": PDF,
            "R101_#_leeg.pdf": b"",
            "diploma.pdf": PDF,
            "R101_#_groot.pdf": PDF * 10,
            "R101_#_" + "a" * 252 + ".pdf": PDF,
            "R101_#_zonder_extensie": PDF,
            "R101_#_.pdf": PDF,
            "R101_#_": PDF,
        }
    )
    limits = ArchiveLimits(max_entry_bytes=len(PDF) * 5)

    outcomes = _outcomes(_plan(data, limits))

    assert outcomes["R101_#_diploma.pdf"] == (None, "")
    assert outcomes["R101_#_DIPLOMA.pdf"] == (Outcome.REJECTED, "duplicate_name")
    assert outcomes["R102_#_diploma.pdf"] == (None, "")
    assert outcomes["R101_#_leeg.pdf"] == (Outcome.REJECTED, "empty_file")
    assert outcomes["diploma.pdf"] == (Outcome.REJECTED, "name_invalid")
    assert outcomes["R101_#_groot.pdf"] == (Outcome.REJECTED, "too_large")
    assert outcomes["R101_#_" + "a" * 252 + ".pdf"] == (
        Outcome.REJECTED,
        "name_too_long",
    )
    assert outcomes["R101_#_zonder_extensie"] == (Outcome.REJECTED, "type_not_allowed")
    assert outcomes["R101_#_.pdf"] == (Outcome.REJECTED, "name_missing")
    assert outcomes["R101_#_"] == (Outcome.REJECTED, "name_missing")


def test_plan_rejection_params_name_entry() -> None:
    entries = _plan(_zip({"R101_#_a.pdf": PDF, "R101_#_A.PDF": PDF}))

    assert entries[1].params == {"name": "R101_#_A.PDF", "result_id": "R101"}


# Streaming


@pytest.mark.parametrize(
    "method",
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA],
)
def test_copy_every_readable_method(method: int) -> None:
    payload = PDF + os.urandom(100_000)
    data = _zip({"R101_#_a.pdf": payload}, method=method)

    size, sha256 = _copy(data, "R101_#_a.pdf")

    assert size == len(payload)
    assert sha256 == hashlib.sha256(payload).hexdigest()


def test_copy_case_attachments_byte_identical() -> None:
    data = (FILES / "c27-attachments.zip").read_bytes()

    assert _copy(data, "R102_#_pasfoto.jpg") == (
        898,
        "85e24b6c4620fadf7bf9838aa76275e7bd5831fc5327d4adced34f37ede8cc87",
    )
