"""
Entry names of an attachments ZIP: decoding, safety, junk and ``<ResultId>_#_<name>``.

Decoding rules, applied to each entry on its own because some archivers mix
them within one archive:

1. The UTF-8 flag (general purpose bit 11) is set: the name is UTF-8.
2. An Info-ZIP Unicode Path extra field (0x7075) whose CRC-32 matches the
   legacy name is present: that field's UTF-8 name wins. WinRAR and WinZip
   write it next to a lossy legacy name.
3. The raw bytes are valid UTF-8 with at least one non-ASCII character: UTF-8.
   Several tools write UTF-8 without setting the flag, and legacy code-page
   names are almost never valid UTF-8 by accident.
4. Otherwise the bytes are in a DOS code page. Windows' "compressed folder"
   writes the OEM code page of the machine, so cp437 (US), cp850 (Western
   Europe), cp852 (Central Europe) and cp866 (Cyrillic) are tried. The
   candidate with the fewest implausible characters (box drawing, symbols,
   letters of a second script) wins, and cp437 wins a tie.

The result is normalised to NFC, because macOS writes decomposed (NFD) names.
"""

import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from learnlinq.errors import InputRejected

SEPARATOR = "_#_"
UTF8_FLAG = 0x800
UNICODE_PATH_EXTRA_ID = 0x7075
LEGACY_CODE_PAGES = ("cp437", "cp850", "cp852", "cp866")

JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
JUNK_FOLDERS = frozenset({"__macosx"})

_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
# Letters that DOS code pages have but that hardly appear in real names, so a
# decoding that produces them is probably the wrong code page.
_UNLIKELY_LETTERS = frozenset("ƒªº")


def entry_name_decode(info: zipfile.ZipInfo) -> str:
    """Return the entry's name as the archiver meant it, in NFC."""
    if info.flag_bits & UTF8_FLAG:
        name = info.filename
    else:
        # zipfile decoded the bytes as cp437, which maps all 256 byte values,
        # so encoding back gives the exact bytes from the archive.
        raw = info.filename.encode("cp437")
        name = _unicode_path_extra(info.extra, raw) or _legacy_decode(raw)
    return unicodedata.normalize("NFC", name)


def _unicode_path_extra(extra: bytes, raw_name: bytes) -> str | None:
    position = 0
    while position + 4 <= len(extra):
        field_id = int.from_bytes(extra[position : position + 2], "little")
        size = int.from_bytes(extra[position + 2 : position + 4], "little")
        data = extra[position + 4 : position + 4 + size]
        position += 4 + size
        if field_id != UNICODE_PATH_EXTRA_ID or len(data) < 5 or data[0] != 1:
            continue
        # The CRC ties the field to the legacy name, so a tool that renamed the
        # entry without updating the field leaves a stale name behind.
        if int.from_bytes(data[1:5], "little") != zlib.crc32(raw_name):
            continue
        try:
            return data[5:].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None


def _legacy_decode(raw: bytes) -> str:
    if not raw.isascii():
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass

    candidates = [raw.decode(code_page) for code_page in LEGACY_CODE_PAGES]
    # min() keeps the first of equal scores, so cp437 wins a tie.
    return min(candidates, key=_implausibility)


def _implausibility(name: str) -> int:
    score = 0
    scripts: set[str] = set()
    for char in name:
        if char.isascii():
            continue
        if char in _UNLIKELY_LETTERS or not unicodedata.category(char).startswith("L"):
            score += 2
            continue
        scripts.add(unicodedata.name(char, "UNKNOWN").split(" ")[0])
    # A name in one language uses one script besides ASCII, while cp437 read as if
    # it were cp852 gives Greek letters between Latin ones.
    return score + max(0, len(scripts) - 1)


def entry_is_unsafe(name: str) -> bool:
    """
    Tell whether a name would point outside a target folder if used as a path.

    Names are never used as paths here (storage keys are generated), but such
    an entry means the archive was made to attack other software, so the
    whole archive is refused.
    """
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE_LETTER.match(path):
        return True
    return ".." in path.split("/")


def entry_is_folder(name: str) -> bool:
    return name.endswith(("/", "\\"))


def entry_base_name(name: str) -> str:
    """Return the last path component, with ``/`` and ``\\`` both separators."""
    return posixpath.basename(name.replace("\\", "/"))


def entry_is_junk(name: str) -> bool:
    """Tell whether an entry is operating-system metadata rather than a document."""
    components = [part.casefold() for part in name.replace("\\", "/").split("/")]
    if any(part in JUNK_FOLDERS for part in components[:-1]):
        return True
    base = components[-1]
    return base in JUNK_NAMES or base.startswith("._")


def file_extension(name: str) -> str:
    """Return the lower-case extension without the dot, or "" when there is none."""
    stem, dot, extension = name.rpartition(".")
    return extension.casefold() if dot and stem else ""


def original_name_missing(base_name: str) -> bool:
    """
    Tell whether a name has the separator but no original name after it.

    "R101_#_" and "R101_#_.pdf" have none: the second would be stored as a
    file called ".pdf", which most systems hide.
    """
    _result_id, separator, original_name = base_name.partition(SEPARATOR)
    if not separator:
        return False
    stem, dot, _extension = original_name.strip().rpartition(".")
    return not original_name.strip() or (bool(dot) and not stem.strip())


@dataclass(frozen=True)
class AttachmentName:
    """A base name split into the ResultId it belongs to and the original file name."""

    result_id: str
    original_name: str

    @property
    def extension(self) -> str:
        return file_extension(self.original_name)


def attachment_name_parse(base_name: str, *, max_chars: int) -> AttachmentName:
    """
    Split ``<ResultId>_#_<original name>`` at the first separator.

    Raises ``InputRejected`` with ``name_invalid`` when the separator or the
    ResultId is missing, ``name_missing`` when nothing but an extension or
    nothing at all follows the separator, and ``name_too_long`` when the
    original name has more than ``max_chars`` characters.
    """
    result_id, separator, original_name = base_name.partition(SEPARATOR)
    result_id = result_id.strip()
    original_name = original_name.strip()
    if not separator or not result_id:
        raise InputRejected("name_invalid", {"name": base_name})
    if original_name_missing(base_name):
        raise InputRejected("name_missing", {"name": base_name})
    if len(original_name) > max_chars:
        raise InputRejected(
            "name_too_long",
            {"name": base_name, "length": len(original_name), "max": max_chars},
        )
    return AttachmentName(result_id=result_id, original_name=original_name)
