"""
Recognition of what an upload is from its first bytes, never from its name.

Users upload the spreadsheet itself as often as its CSV export, and a
workbook renamed to ``.csv`` must not reach a text decoder.
"""

import io
import zipfile
from typing import Literal

from learnlinq.errors import InputRejected

Content = Literal["text", "xlsx"]

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_SIGNATURE = b"%PDF-"
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")

# An Excel 97-2003 workbook is an OLE2 container with a stream named
# "Workbook" (Excel 97 and later) or "Book" (Excel 5). Directory entry
# names are stored in UTF-16 LE, so searching for them distinguishes a
# workbook from a Word .doc, which is the same kind of container.
_OLE2_WORKBOOK_STREAMS = (
    "Workbook".encode("utf-16-le"),
    "Book\x00".encode("utf-16-le"),
)

# Control characters that never occur in a text export. Tab, line feed,
# carriage return, form feed and Ctrl-Z (the end-of-file mark of old DOS
# programs) are missing on purpose.
_BINARY_BYTES = bytes(range(0, 9)) + bytes(range(14, 26)) + bytes(range(27, 32))
_BINARY_SCAN_SIZE = 8192


def content_detect(data: bytes, *, wide_text: bool = False) -> Content:
    """
    Return whether ``data`` is text or an .xlsx workbook.

    Raises ``InputRejected`` for every other kind of file: ``empty_file``,
    ``workbook_xls``, ``workbook_ods``, ``file_zip``, ``file_pdf`` and
    ``file_binary``. ``wide_text`` means that a UTF-16 or UTF-32 encoding was
    chosen, so NUL bytes are expected.
    """
    if not data:
        raise InputRejected("empty_file")

    if data.startswith(ZIP_SIGNATURES):
        return _zip_detect(data)
    if data.startswith(OLE2_SIGNATURE):
        if any(name in data for name in _OLE2_WORKBOOK_STREAMS):
            raise InputRejected("workbook_xls")
        raise InputRejected("file_binary", {"kind": "ole2"})
    if data.startswith(PDF_SIGNATURE):
        raise InputRejected("file_pdf")
    if data.startswith(IMAGE_SIGNATURES):
        raise InputRejected("file_binary", {"kind": "image"})

    if data.startswith(UTF32_BOMS + UTF16_BOMS) or wide_text:
        return "text"
    if _looks_like_utf16(data):
        return "text"
    if any(byte in _BINARY_BYTES for byte in data[:_BINARY_SCAN_SIZE]):
        raise InputRejected("file_binary", {"kind": "binary"})
    return "text"


def utf16_without_bom(data: bytes) -> str | None:
    """Return ``"utf-16-le"`` or ``"utf-16-be"`` when BOM-less data looks like it."""
    sample = data[:_BINARY_SCAN_SIZE]
    if len(sample) < 4:
        return None

    # ASCII text in UTF-16 has a NUL in every other byte: the odd bytes for
    # little-endian, the even ones for big-endian.
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _looks_like_utf16(data: bytes) -> bool:
    return utf16_without_bom(data) is not None


def _zip_detect(data: bytes) -> Content:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = _zip_member_read(archive, "mimetype", names)
    except (zipfile.BadZipFile, OSError) as error:
        raise InputRejected("file_zip", {"kind": "damaged"}) from error

    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        raise InputRejected("workbook_ods")
    if "xl/workbook.bin" in names:
        raise InputRejected("workbook_xlsb")
    raise InputRejected("file_zip", {"kind": "archive"})


def _zip_member_read(archive: zipfile.ZipFile, name: str, names: set[str]) -> bytes:
    # Only the small "mimetype" member of an OpenDocument file is read, and
    # only its first bytes, so a ZIP bomb cannot expand here.
    if name not in names:
        return b""
    with archive.open(name) as member:
        return member.read(100)
