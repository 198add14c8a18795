# Test data contains en dashes and other look-alike characters on purpose.
# ruff: noqa: RUF001
import codecs

import pytest

from imports.reading.encodings import (
    encoding_guess,
    encoding_label,
    line_breaks_count,
    text_decode,
)
from learnlinq.errors import InputRejected
from tests.conftest import CASES_DIR, REALDATA_DIR

TITLE = "Cursus – Coëfficiënt, naïef & één"


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        (b"UserId\r\n", "utf-8", "UserId\r\n"),
        (codecs.BOM_UTF8 + b"UserId\r\n", "utf-8", "UserId\r\n"),
        (codecs.BOM_UTF8 + b"UserId\r\n", "utf-8-sig", "UserId\r\n"),
        (codecs.BOM_UTF8 + codecs.BOM_UTF8 + b"UserId", "utf-8", "UserId"),
        ("Zoë\tEHBO\r\n".encode("utf-16"), "utf-16", "Zoë\tEHBO\r\n"),
        (codecs.BOM_UTF16_BE + "Zoë".encode("utf-16-be"), "utf-16", "Zoë"),
        ("Zoë".encode("utf-16-le"), "utf-16", "Zoë"),
        ("Zoë".encode("utf-16-be"), "utf-16-be", "Zoë"),
        ("Zoë".encode("utf-32"), "utf-32", "Zoë"),
        (TITLE.encode("windows-1252"), "windows-1252", TITLE),
        ("Hélène".encode("iso-8859-1"), "iso-8859-1", "Hélène"),
        ("Žlutý Koníček".encode("windows-1250"), "windows-1250", "Žlutý Koníček"),
        ("Москва".encode("windows-1251"), "windows-1251", "Москва"),
        (b"a;b\r\n\x1a", "windows-1252", "a;b\r\n"),
    ],
)
def test_text_decode_encodings(data: bytes, encoding: str, expected: str) -> None:
    assert text_decode(data, encoding).text == expected


@pytest.mark.parametrize(
    ("data", "encoding", "bom"),
    [
        (codecs.BOM_UTF8 + b"UserId", "windows-1252", "UTF-8"),
        ("UserId".encode("utf-16"), "utf-8", "UTF-16"),
        ("UserId".encode("utf-16"), "windows-1252", "UTF-16"),
    ],
)
def test_text_decode_bom_overrides_choice(data: bytes, encoding: str, bom: str) -> None:
    decoded = text_decode(data, encoding)
    assert decoded.text == "UserId"
    assert [notice.code for notice in decoded.notices] == ["encoding_bom_mismatch"]
    assert decoded.notices[0].params["bom"] == bom
    assert decoded.notices[0].params["encoding"] == encoding_label(encoding)


def test_text_decode_windows_1252_as_utf8() -> None:
    data = (CASES_DIR / "files" / "c02-windows-1252.csv").read_bytes()
    with pytest.raises(InputRejected) as caught:
        text_decode(data, "utf-8")
    assert caught.value.code == "encoding_invalid"
    assert caught.value.params["line"] == 2
    assert caught.value.params["byte"] == "0x96"
    assert caught.value.params["encoding"] == "UTF-8"
    assert caught.value.params["suggested"] == "Windows-1252"
    assert caught.value.params["suggested_encoding"] == "windows-1252"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"a\rb\r\xe9", 3),
        (b"a\r\nb\n\xe9", 3),
        (b"\xe9", 1),
        (b'a;"b\nc\xe9"', 2),
    ],
)
def test_text_decode_error_counts_physical_lines(data: bytes, line: int) -> None:
    with pytest.raises(InputRejected) as caught:
        text_decode(data, "utf-8")
    assert caught.value.params["line"] == line


def test_text_decode_utf8_bytes_undefined_in_1252() -> None:
    # "Á" is C3 81 in UTF-8, and 0x81 is undefined in Windows-1252.
    with pytest.raises(InputRejected) as caught:
        text_decode("Ádám".encode(), "windows-1252")
    assert caught.value.code == "encoding_invalid"
    assert caught.value.params["suggested"] == "UTF-8"


def test_text_decode_utf16_without_bom_as_utf8() -> None:
    with pytest.raises(InputRejected) as caught:
        text_decode("UserId;Timestamp".encode("utf-16-le"), "utf-8")
    assert caught.value.code == "encoding_invalid"
    assert caught.value.params["byte"] == "0x00"
    assert caught.value.params["suggested_encoding"] == "utf-16-le"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_text_decode_utf8_as_utf16(encoding: str) -> None:
    with pytest.raises(InputRejected) as caught:
        text_decode(b"UserId;Timestamp\r\n", encoding)
    assert caught.value.code == "encoding_invalid"
    assert caught.value.params["line"] == 1
    assert caught.value.params["suggested_encoding"] == "utf-8"


def test_text_decode_unknown_encoding() -> None:
    with pytest.raises(InputRejected) as caught:
        text_decode(b"a", "klingon-8")
    assert caught.value.code == "encoding_unknown"
    assert caught.value.params == {"value": "klingon-8"}


def test_text_decode_utf8_read_as_1252() -> None:
    data = (CASES_DIR / "files" / "c02-utf8.csv").read_bytes()
    decoded = text_decode(data, "windows-1252")
    assert "CoÃ«fficiÃ«nt" in decoded.text
    assert [notice.code for notice in decoded.notices] == ["mojibake"]
    assert decoded.notices[0].line == 2
    assert decoded.notices[0].params["sample"] == "â€“"
    assert decoded.notices[0].params["suggested"] == "UTF-8"


def test_text_decode_double_encoded_utf8() -> None:
    garbled = "Zoë".encode().decode("windows-1252")
    data = f"UserId\r\nok\r\n{garbled}\r\n".encode()
    decoded = text_decode(data, "utf-8")
    assert [notice.code for notice in decoded.notices] == ["mojibake"]
    assert decoded.notices[0].line == 3
    assert decoded.notices[0].params["sample"] == "Ã«"


def test_text_decode_1252_read_as_latin1() -> None:
    decoded = text_decode(TITLE.encode("windows-1252"), "iso-8859-1")
    assert [notice.code for notice in decoded.notices] == ["control_characters"]
    assert decoded.notices[0].params["sample"] == "\x96"


def test_text_decode_replacement_character() -> None:
    decoded = text_decode("a\nb\ufffdc\n".encode(), "utf-8")
    assert [notice.code for notice in decoded.notices] == ["replacement_character"]
    assert decoded.notices[0].line == 2


def test_text_decode_notices_capped() -> None:
    data = ("Zoë\n" * 50).encode()
    notices = text_decode(data, "windows-1252").notices
    assert len(notices) == 20
    assert notices[-1].params["lines_total"] == 50


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Coëfficiënt – naïef", "windows-1252"),
        ("Žlutý Koníček", "windows-1250"),
        ("Hélène, Mahé", "iso-8859-1"),
        ("Москва", "windows-1251"),
    ],
)
def test_text_decode_no_false_notice(text: str, encoding: str) -> None:
    assert text_decode(text.encode(encoding), encoding).notices == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + b"x", "utf-8"),
        ("x".encode("utf-16"), "utf-16"),
        ("xy".encode("utf-16-be"), "utf-16-be"),
        ("Zoë".encode(), "utf-8"),
        (b"ascii", "utf-8"),
        ("Zoë – x".encode("windows-1252"), "windows-1252"),
        (b"\x81\x8d", "iso-8859-1"),
    ],
)
def test_encoding_guess_cases(data: bytes, expected: str) -> None:
    assert encoding_guess(data) == expected


@pytest.mark.parametrize(
    ("path", "encoding", "needle"),
    [
        ("totara-sync-encodings/user_win1250.csv", "windows-1250", "Žlutý,Koníček"),
        ("totara-sync-encodings/user_utf8_bom.csv", "utf-8", '"idnumber"'),
        ("textract-encodings/cyrillic_cp1251.csv", "windows-1251", "name,city"),
        ("csv-test-files-latin1/CSV-basic-ISO-8859-1.CRLF.csv", "iso-8859-1", "Hélène"),
        ("csv-test-files-latin1/CSV-basic-ISO-8859-1.LF.csv", "windows-1252", "Hélène"),
    ],
)
def test_text_decode_real_files(path: str, encoding: str, needle: str) -> None:
    decoded = text_decode((REALDATA_DIR / path).read_bytes(), encoding)
    assert needle in decoded.text
    assert not decoded.text.startswith("\ufeff")
    assert decoded.notices == []


@pytest.mark.parametrize(
    ("text", "count"), [("a\r\nb", 1), ("a\rb\nc", 2), ("\r\n\r\n", 2), ("x", 0)]
)
def test_line_breaks_count_cases(text: str, count: int) -> None:
    assert line_breaks_count(text) == count
