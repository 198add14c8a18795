"""Content checks: signatures and libmagic against the extension, on real documents."""

import io
import zipfile
from pathlib import Path

import pytest

from imports.archive import content_check
from imports.archive.content import DOC, DOCX, JPEG, PDF, XLS, XLSX
from learnlinq.errors import InputRejected
from tests.conftest import CASES_DIR, REALDATA_DIR

TEXTRACT = REALDATA_DIR / "textract-attachments"
MOODLE = REALDATA_DIR / "moodle-attachments"


def _check(tmp_path: Path, data: bytes, extension: str) -> str:
    path = tmp_path / "entry"
    path.write_bytes(data)
    with path.open("rb") as file:
        return content_check(file, path=str(path), extension=extension).content_type


def _rejection(tmp_path: Path, data: bytes, extension: str) -> InputRejected:
    with pytest.raises(InputRejected) as caught:
        _check(tmp_path, data, extension)
    return caught.value


@pytest.mark.parametrize(
    ("source", "extension", "content_type"),
    [
        (TEXTRACT / "standardized_text.pdf", "pdf", PDF),
        (TEXTRACT / "ocr_text.pdf", "pdf", PDF),
        (MOODLE / "submission.pdf", "pdf", PDF),
        (TEXTRACT / "raw_text.doc", "doc", DOC),
        (TEXTRACT / "standardized_text.doc", "doc", DOC),
        (TEXTRACT / "standardized_text.docx", "docx", DOCX),
        (MOODLE / "unoconv-source.docx", "docx", DOCX),
        (TEXTRACT / "raw_text.xls", "xls", XLS),
        (TEXTRACT / "standardized_text.xlsx", "xlsx", XLSX),
        (TEXTRACT / "raw_text.jpg", "jpg", JPEG),
        (MOODLE / "moodle_logo.jpg", "jpeg", JPEG),
    ],
)
def test_content_check_real_documents(
    tmp_path: Path, source: Path, extension: str, content_type: str
) -> None:
    assert _check(tmp_path, source.read_bytes(), extension) == content_type


@pytest.mark.parametrize(
    ("source", "extension"),
    [
        (TEXTRACT / "standardized_text.odt", "odt"),
        (TEXTRACT / "standardized_text.png", "png"),
        (TEXTRACT / "pdf_standardized_text", ""),
    ],
)
def test_content_check_type_not_allowed(
    tmp_path: Path, source: Path, extension: str
) -> None:
    error = _rejection(tmp_path, source.read_bytes(), extension)

    assert error.code == "type_not_allowed"
    assert error.params == {"extension": extension}


@pytest.mark.parametrize(
    ("source", "extension", "detected"),
    [
        (TEXTRACT / "standardized_text.png", "jpg", "image/png"),
        (TEXTRACT / "raw_text.jpg", "pdf", "image/jpeg"),
        (
            TEXTRACT / "standardized_text.odt",
            "docx",
            "application/vnd.oasis.opendocument.text",
        ),
        (TEXTRACT / "raw_text.xls", "doc", XLS),
        (TEXTRACT / "raw_text.doc", "xlsx", DOC),
        (TEXTRACT / "standardized_text.xlsx", "docx", XLSX),
    ],
)
def test_content_check_mismatch(
    tmp_path: Path, source: Path, extension: str, detected: str
) -> None:
    error = _rejection(tmp_path, source.read_bytes(), extension)

    assert error.code == "content_mismatch"
    assert error.params == {"extension": extension, "detected": detected}


def test_content_check_html_named_pdf(tmp_path: Path) -> None:
    error = _rejection(
        tmp_path, b"<!DOCTYPE html><html><body>diploma</body></html>", "pdf"
    )

    assert error.code == "content_mismatch"
    assert error.params["detected"] == "text/html"


def test_content_check_docx_named_doc_accepted(tmp_path: Path) -> None:
    # Same application, other generation: stored with the real type.
    data = (MOODLE / "unoconv-source.docx").read_bytes()

    assert _check(tmp_path, data, "doc") == DOCX


def test_content_check_doc_named_docx_accepted(tmp_path: Path) -> None:
    data = (TEXTRACT / "standardized_text.doc").read_bytes()

    assert _check(tmp_path, data, "docx") == DOC


def test_content_check_plain_zip_named_docx(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("certificaat.pdf", b"%PDF-1.4")

    error = _rejection(tmp_path, buffer.getvalue(), "docx")

    assert error.code == "content_mismatch"
    assert error.params["detected"] == "application/zip"


def test_content_check_xlsx_from_nested_case(tmp_path: Path) -> None:
    # A genuine workbook is a ZIP container too, and must not count as one.
    with zipfile.ZipFile(CASES_DIR / "files" / "c22-nested.zip") as archive:
        data = archive.read("R103_#_cijfers.xlsx")

    assert _check(tmp_path, data, "xlsx") == XLSX
