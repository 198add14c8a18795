import io
import zipfile

import pytest
from openpyxl import Workbook

from imports.reading.signatures import content_detect, utf16_without_bom
from learnlinq.errors import InputRejected
from tests.conftest import CASES_DIR, REALDATA_DIR


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _xlsx_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["UserId"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"UserId;Timestamp\r\n",
        "UserId\tNaam\r\n".encode("utf-16"),
        b"\xef\xbb\xbfUserId\r\n",
        b"a\x0cb\n",
    ],
)
def test_content_detect_text(data: bytes) -> None:
    assert content_detect(data) == "text"


def test_content_detect_xlsx_built() -> None:
    assert content_detect(_xlsx_bytes()) == "xlsx"


def test_content_detect_xlsx_named_csv() -> None:
    data = (CASES_DIR / "files" / "c03-xlsx-named-csv.csv").read_bytes()
    assert content_detect(data) == "xlsx"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        ((CASES_DIR / "files" / "c03-xls-named-csv.csv").read_bytes(), "workbook_xls"),
        (
            (REALDATA_DIR / "textract-attachments" / "raw_text.xls").read_bytes(),
            "workbook_xls",
        ),
        (
            (
                REALDATA_DIR / "textract-attachments" / "standardized_text.doc"
            ).read_bytes(),
            "file_binary",
        ),
        (
            (
                REALDATA_DIR / "textract-attachments" / "standardized_text.pdf"
            ).read_bytes(),
            "file_pdf",
        ),
        (
            (
                REALDATA_DIR / "textract-attachments" / "standardized_text.png"
            ).read_bytes(),
            "file_binary",
        ),
        (
            (
                REALDATA_DIR / "textract-attachments" / "standardized_text.jpg"
            ).read_bytes(),
            "file_binary",
        ),
        (
            (
                REALDATA_DIR / "textract-attachments" / "standardized_text.odt"
            ).read_bytes(),
            "file_zip",
        ),
        (
            (
                REALDATA_DIR / "textract-attachments" / "standardized_text.docx"
            ).read_bytes(),
            "file_zip",
        ),
        (
            (REALDATA_DIR / "moodle-zip-encodings" / "test_7zip_927.zip").read_bytes(),
            "file_zip",
        ),
        (
            (REALDATA_DIR / "moodle-zip-encodings" / "empty.zip").read_bytes(),
            "file_zip",
        ),
        (b"PK\x03\x04 not really a zip", "file_zip"),
        (b"UserId\x00;\x01\x02Timestamp", "file_binary"),
    ],
)
def test_content_detect_rejects(data: bytes, code: str) -> None:
    with pytest.raises(InputRejected) as caught:
        content_detect(data)
    assert caught.value.code == code


def test_content_detect_ods() -> None:
    data = _zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    with pytest.raises(InputRejected) as caught:
        content_detect(data)
    assert caught.value.code == "workbook_ods"


def test_content_detect_wide_text_allows_nul() -> None:
    assert content_detect("ab".encode("utf-16-le"), wide_text=True) == "text"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("utf-8", None)],
)
def test_utf16_without_bom_guess(encoding: str, expected: str | None) -> None:
    data = "UserId;Timestamp\r\nJan;1-2-2020\r\n".encode(encoding)
    assert utf16_without_bom(data) == expected
