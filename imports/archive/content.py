"""
Content checks for attachments: does a file really hold what its extension says?

Two independent opinions must agree with the extension: the format's own
signature bytes, and libmagic (through python-magic). Word and Excel files may
carry the extension of the other generation of the same application: a DOCX
named ``.doc`` is accepted and stored with the DOCX content type, and the same
holds for DOC/DOCX and XLS/XLSX in both directions. A user who renamed a file
in the same family still has the document they meant, and the stored content
type is always the real one.
"""

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import magic

from learnlinq.errors import InputRejected

PDF_SIGNATURE = b"%PDF-"
JPEG_SIGNATURE = b"\xff\xd8\xff"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"

# The PDF specification lets readers accept a header within the first 1,024
# bytes, because some scanners write a few bytes of junk first.
PDF_HEADER_WINDOW = 1024
# [Content_Types].xml of a real document is a few kilobytes. More is refused
# without reading further, so a crafted part cannot act as a ZIP bomb.
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

WORD_MAIN_PART = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
EXCEL_MAIN_PART = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)

PDF = "application/pdf"
JPEG = "image/jpeg"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Extension -> content types a file with that extension may really have.
ACCEPTED_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({PDF}),
    "jpg": frozenset({JPEG}),
    "jpeg": frozenset({JPEG}),
    "doc": frozenset({DOC, DOCX}),
    "docx": frozenset({DOCX, DOC}),
    "xls": frozenset({XLS, XLSX}),
    "xlsx": frozenset({XLSX, XLS}),
}
ALLOWED_EXTENSIONS = frozenset(ACCEPTED_TYPES)

# libmagic's results for an OLE2 file it cannot place more precisely, and the
# type such a file gets from its extension once the signature proved OLE2.
_OLE2_UNDETERMINED = frozenset({"application/x-ole-storage", "application/CDFV2"})
OLE2_UNDETERMINED = "ole2"
_OLE2_BY_EXTENSION = {"doc": DOC, "docx": DOC, "xls": XLS, "xlsx": XLS}


@dataclass(frozen=True)
class ContentCheck:
    """The outcome of a successful check: the content type the file really has."""

    content_type: str


def content_check(file: BinaryIO, *, path: str, extension: str) -> ContentCheck:
    """
    Verify that a stored copy of an entry contains a document of an allowed type.

    ``file`` is the seekable copy and ``path`` its location on disk, which
    libmagic reads. Raises ``InputRejected`` with ``type_not_allowed`` for an
    extension outside the allowed set and ``content_mismatch`` (params
    ``extension`` and ``detected``) when the bytes are something else.
    """
    if extension not in ALLOWED_EXTENSIONS:
        raise InputRejected("type_not_allowed", {"extension": extension})

    file.seek(0)
    head = file.read(PDF_HEADER_WINDOW)
    detected = magic.from_file(path, mime=True)
    content_type = _content_type_from_signature(file, head, detected)
    if content_type == OLE2_UNDETERMINED:
        content_type = _OLE2_BY_EXTENSION.get(extension, "")
    if content_type not in ACCEPTED_TYPES[extension]:
        raise InputRejected(
            "content_mismatch",
            {"extension": extension, "detected": content_type or detected},
        )
    return ContentCheck(content_type=content_type)


def _content_type_from_signature(file: BinaryIO, head: bytes, detected: str) -> str:
    """Return the allowed content type both opinions agree on, or ""."""
    if PDF_SIGNATURE in head and detected == PDF:
        return PDF
    if head.startswith(JPEG_SIGNATURE) and detected == JPEG:
        return JPEG
    if head.startswith(OLE2_SIGNATURE):
        return _ole2_content_type(detected)
    if head.startswith(ZIP_SIGNATURE):
        return _office_open_xml_content_type(file)
    return ""


def _ole2_content_type(detected: str) -> str:
    if detected in (DOC, XLS):
        return detected
    # libmagic could not tell Word from Excel. The signature proves an OLE2
    # compound file and the extension check that follows decides.
    if detected in _OLE2_UNDETERMINED:
        return OLE2_UNDETERMINED
    return ""


def _office_open_xml_content_type(file: BinaryIO) -> str:
    """
    Name the Office document inside a ZIP container, or "" for any other ZIP.

    The package's ``[Content_Types].xml`` declares its main part, which is
    what makes it a Word or Excel document rather than an archive.
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > MAX_CONTENT_TYPES_BYTES:
                return ""
            with package.open(info) as part:
                xml = part.read(MAX_CONTENT_TYPES_BYTES + 1)
    except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
        return ""
    if len(xml) > MAX_CONTENT_TYPES_BYTES:
        return ""

    text = xml.decode("utf-8", errors="replace")
    if WORD_MAIN_PART in text:
        return DOCX
    if EXCEL_MAIN_PART in text:
        return XLSX
    return ""
