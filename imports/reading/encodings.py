"""
Decoding of text files with the encoding the administrator chose.

The chosen encoding is always the one applied, with one exception: a
byte-order mark names its encoding beyond doubt, so a file that starts with
one is decoded by it and a notice reports that the choice was overridden.
Bytes the chosen encoding cannot decode reject the whole file, naming the
line, the byte and the encoding the file looks like, so nothing is staged
from half-decoded text.
"""

import codecs
import logging
import re
from dataclasses import dataclass
from typing import NoReturn

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from learnlinq.errors import InputRejected

from .signatures import utf16_without_bom
from .tables import Notice

logger = logging.getLogger(__name__)

# The encodings the wizard offers, as (codec name, label). Any other codec
# Python supports can still be chosen by name, for example on the command line.
ENCODINGS: list[tuple[str, Promise]] = [
    ("utf-8", _("UTF-8 (with or without byte-order mark)")),
    ("windows-1252", _("Windows-1252 (Western Europe, Excel “CSV”)")),
    ("iso-8859-1", _("ISO-8859-1 (Latin-1)")),
    ("iso-8859-15", _("ISO-8859-15 (Latin-9)")),
    ("utf-16", _("UTF-16 (Excel “Unicode text”)")),
    ("windows-1250", _("Windows-1250 (Central Europe)")),
    ("windows-1251", _("Windows-1251 (Cyrillic)")),
    ("mac-roman", _("Mac OS Roman")),
]

# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16
# LE one.
_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32": "UTF-32",
    "utf-32-le": "UTF-32 LE",
    "utf-32-be": "UTF-32 BE",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "cp1252": "Windows-1252",
    "iso8859-1": "ISO-8859-1",
    "iso8859-15": "ISO-8859-15",
    "mac-roman": "Mac OS Roman",
}

_WIDE_CODECS = frozenset(
    {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
)
_UNICODE_CODECS = _WIDE_CODECS | {"utf-8", "utf-8-sig"}

# A line gets a notice of its own only for the first lines of each kind, so
# a file that is garbled throughout gives a readable list.
MAX_NOTICE_LINES = 20
_WIDE_SCAN_SIZE = 8192


@dataclass(frozen=True)
class DecodedText:
    """A file's text, the codec that decoded it and notices about it."""

    text: str
    codec: str
    notices: list[Notice]


def codec_name(encoding: str) -> str:
    """
    Return Python's canonical codec name for ``encoding``.

    Raises ``InputRejected("encoding_unknown")`` for a name Python does not
    know, such as a typing error on the command line.
    """
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError as error:
        raise InputRejected("encoding_unknown", {"value": encoding}) from error


def encoding_label(encoding: str) -> str:
    """Return the name people know an encoding by, such as ``Windows-1252``."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    return _LABELS.get(name, name)


def is_wide_encoding(encoding: str) -> bool:
    """Return whether ``encoding`` is UTF-16 or UTF-32, whose text has NUL bytes."""
    return codec_name(encoding) in _WIDE_CODECS


def encoding_guess(data: bytes) -> str:
    """
    Return the encoding ``data`` most likely has.

    A byte-order mark decides first, then UTF-16 recognised by its NUL bytes,
    then UTF-8 if the bytes are valid UTF-8, because legacy 8-bit text with
    accents almost never is. Anything else is taken for Windows-1252, the
    code page of a Dutch or Western European Windows, or ISO-8859-1 when it
    uses bytes that Windows-1252 leaves undefined.
    """
    bom_codec = _bom_codec(data)
    if bom_codec is not None:
        return "utf-8" if bom_codec == "utf-8-sig" else bom_codec

    wide = utf16_without_bom(data)
    if wide is not None:
        return wide

    for candidate in ("utf-8", "windows-1252"):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return "iso-8859-1"


def text_decode(data: bytes, encoding: str) -> DecodedText:
    """
    Decode ``data`` with ``encoding``, or with the encoding its BOM names.

    Raises ``InputRejected("encoding_invalid")`` with the line, the first byte
    that failed and the guessed encoding when the chosen one cannot decode
    the file. Returns notices for a BOM that overrode the choice and for
    lines that look garbled (see ``garbled_text_notices``).
    """
    chosen = codec_name(encoding)
    notices: list[Notice] = []
    bom_codec = _bom_codec(data)
    if bom_codec is None:
        codec = _codec_without_bom(data, chosen)
        if codec in _WIDE_CODECS and b"\x00" not in data[:_WIDE_SCAN_SIZE]:
            # Delimiters and line breaks give UTF-16 text NUL bytes, so
            # without any the bytes would decode to meaningless characters.
            _reject_not_wide(data, chosen)
    else:
        codec = bom_codec
        if not _same_family(bom_codec, chosen):
            logger.info("Byte-order mark of %s overrides %s", bom_codec, chosen)
            notices.append(
                Notice(
                    "encoding_bom_mismatch",
                    {"encoding": encoding_label(chosen), "bom": encoding_label(codec)},
                )
            )

    text = _decode_strict(data, codec, chosen)
    # Old DOS programs end a text file with Ctrl-Z, which is no record.
    text = text.lstrip("\ufeff").removesuffix("\x1a")
    if "\x00" in text and codec not in _WIDE_CODECS:
        _reject_nul(data, text, chosen)

    notices.extend(garbled_text_notices(data, text, codec))
    return DecodedText(text=text, codec=codec, notices=notices)


def garbled_text_notices(data: bytes, text: str, codec: str) -> list[Notice]:
    """
    Return notices for lines whose text looks decoded with the wrong encoding.

    Three signs are checked. ``mojibake``: UTF-8 read as a single-byte code
    page, such as ``Ã«`` for ``ë``. ``control_characters``:
    C1 control characters (U+0080 to U+009F), which Windows-1252 punctuation
    becomes when read as ISO-8859-1. ``replacement_character``: U+FFFD, a
    character some earlier program could not decode and replaced.
    """
    notices: list[Notice] = []
    if text.isascii():
        return notices

    line_starts: list[int] | None = None

    for code, matches, params in _garbled_matches(data, text, codec):
        if not matches:
            continue
        if line_starts is None:
            line_starts = line_start_offsets(text)

        lines: dict[int, str] = {}
        for match in matches:
            line = _line_at(line_starts, match.start())
            lines.setdefault(line, match.group())
        logger.info("Found %s on %s lines, first line %s", code, len(lines), min(lines))

        for line in sorted(lines)[:MAX_NOTICE_LINES]:
            notices.append(
                Notice(
                    code,
                    {
                        **params,
                        "line": line,
                        "sample": lines[line],
                        "lines_total": len(lines),
                    },
                    line=line,
                )
            )
    return notices


def line_start_offsets(text: str) -> list[int]:
    """Return the offset where each physical line starts (CR, LF or CRLF ends one)."""
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def line_breaks_count(text: str) -> int:
    """Return the number of line breaks in ``text``, counting CRLF once."""
    return text.count("\r") + text.count("\n") - text.count("\r\n")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# The characters that bytes 0x80 to 0xBF (UTF-8 continuation bytes) become
# in Windows-1252 or ISO-8859-1, and the lead bytes 0xC2 to 0xF4 become
# "Â" to "ô" in both.
_CONTINUATION = "".join(
    sorted(
        {bytes([byte]).decode("iso-8859-1") for byte in range(0x80, 0xC0)}
        | {
            bytes([byte]).decode("cp1252", errors="ignore")
            for byte in range(0x80, 0xC0)
        }
        - {""}
    )
)
_CONT = "[" + re.escape(_CONTINUATION) + "]"
_MOJIBAKE = re.compile(
    "[\u00c2-\u00df]" + _CONT + "|[\u00e0-\u00ef]" + _CONT + "{2}"
    "|[\u00f0-\u00f4]" + _CONT + "{3}"
)
_C1_CONTROL = re.compile("[\u0080-\u009f]")
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]+")


def _garbled_matches(
    data: bytes, text: str, codec: str
) -> list[tuple[str, list[re.Match[str]], dict[str, str]]]:
    label = encoding_label(codec)
    if codec not in _UNICODE_CODECS and not data.isascii() and _is_utf8(data):
        # Valid UTF-8 read with a single-byte code page: every non-ASCII run
        # is garbled, whatever the code page turned it into.
        garbled = list(_NON_ASCII_RUN.finditer(text))
    else:
        garbled = [m for m in _MOJIBAKE.finditer(text) if _is_utf8_text(m.group())]

    return [
        ("mojibake", garbled, {"encoding": label, "suggested": "UTF-8"}),
        ("control_characters", list(_C1_CONTROL.finditer(text)), {"encoding": label}),
        ("replacement_character", list(re.finditer("\ufffd", text)), {}),
    ]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8_text(sample: str) -> bool:
    # Rebuild the bytes the garbled characters came from and check that they
    # are one valid UTF-8 sequence, which rules out most ordinary words.
    raw = bytearray()
    for char in sample:
        try:
            raw += char.encode("cp1252")
        except UnicodeEncodeError:
            raw += char.encode("iso-8859-1")
    return _is_utf8(bytes(raw))


def _line_at(line_starts: list[int], offset: int) -> int:
    # Binary search for the last line start at or before the offset.
    low, high = 0, len(line_starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if line_starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low + 1


def _bom_codec(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def _codec_without_bom(data: bytes, chosen: str) -> str:
    # Python's "utf-16" and "utf-32" codecs assume the machine's byte order
    # when there is no BOM, so the order is taken from the data instead.
    if chosen == "utf-16":
        return utf16_without_bom(data) or "utf-16-le"
    if chosen == "utf-32":
        return "utf-32-le"
    return chosen


def _same_family(bom_codec: str, chosen: str) -> bool:
    return bom_codec.split("-")[:2] == chosen.split("-")[:2]


def _decode_strict(data: bytes, codec: str, chosen: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode(codec, errors="replace")
        line = line_breaks_count(prefix) + 1
        byte = data[error.start : error.start + 1].hex().upper()
        suggested = encoding_guess(data)
        logger.info(
            "File is not valid %s at line %s (byte 0x%s); looks like %s",
            codec,
            line,
            byte,
            suggested,
        )
        raise InputRejected(
            "encoding_invalid",
            {
                "line": line,
                "byte": "0x" + byte,
                "encoding": encoding_label(chosen),
                "suggested": encoding_label(suggested),
                "suggested_encoding": suggested,
            },
        ) from error


def _reject_not_wide(data: bytes, chosen: str) -> NoReturn:
    suggested = encoding_guess(data)
    logger.info(
        "File has no NUL bytes, so it is not %s; looks like %s", chosen, suggested
    )
    raise InputRejected(
        "encoding_invalid",
        {
            "line": 1,
            "byte": "0x" + data[:1].hex().upper(),
            "encoding": encoding_label(chosen),
            "suggested": encoding_label(suggested),
            "suggested_encoding": suggested,
        },
    )


def _reject_nul(data: bytes, text: str, chosen: str) -> NoReturn:
    wide = utf16_without_bom(data)
    if wide is None:
        raise InputRejected("file_binary", {"kind": "binary"})

    line = line_breaks_count(text[: text.index("\x00")]) + 1
    raise InputRejected(
        "encoding_invalid",
        {
            "line": line,
            "byte": "0x00",
            "encoding": encoding_label(chosen),
            "suggested": encoding_label(wide),
            "suggested_encoding": wide,
        },
    )
