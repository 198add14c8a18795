"""Entry names: decoding from every archiver, junk, unsafe paths and the name form."""

import io
import unicodedata
import zipfile

import pytest
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from imports.archive import (
    attachment_name_parse,
    entry_base_name,
    entry_is_junk,
    entry_is_unsafe,
    entry_name_decode,
)
from imports.messages import attachment_message
from learnlinq.errors import InputRejected
from tests.conftest import REALDATA_DIR

ENCODINGS_DIR = REALDATA_DIR / "moodle-zip-encodings"

ALL_NAMES = {
    "Prüfung.txt",
    "test.test",
    "testíček.txt",
    "Žluťoučký/Koníček.txt",
    "测试.txt",
    "試験.txt",
}
FOLDER = "Žluťoučký/"


def _decoded_files(archive_name: str) -> set[str]:
    with zipfile.ZipFile(ENCODINGS_DIR / archive_name) as archive:
        names = {entry_name_decode(info) for info in archive.infolist()}
    return {
        name.replace("\\", "/")
        for name in names
        if not name.endswith(("/", "\\")) and not entry_is_junk(name)
    }


@pytest.mark.parametrize(
    "archive_name",
    [
        "test_7zip_927.zip",  # UTF-8 flag per entry, cp437 for the rest
        "test_infozip_3.zip",  # UTF-8 flag, NFD names
        "test_moodle.zip",
        "test_moodle_22.zip",  # UTF-8 bytes without the flag
        "test_osx_1074.zip",  # NFD names
        "test_osx_compress.zip",  # NFD names, __MACOSX and .DS_Store
        "test_tc_8.zip",
        "test_thumbsdb.zip",
        "test_winrar_421.zip",  # Unicode Path extra field, #U escapes
        "test_winzip_165.zip",  # mixed flags, backslashes, extra field
    ],
)
def test_name_decode_every_archiver(archive_name: str) -> None:
    assert _decoded_files(archive_name) == ALL_NAMES


def test_name_decode_windows_czech_oem() -> None:
    # Windows 8 with Czech settings writes cp852 without any marker.
    assert _decoded_files("test_win8_cz.zip") == {
        "test.test",
        "testíček.txt",
        "Žluťoučký/Koníček.txt",
    }


def test_name_decode_windows_german_oem() -> None:
    assert _decoded_files("test_win8_de.zip") == {"Prüfung.txt", "test.test"}


def test_name_decode_normalises_nfd() -> None:
    names = _decoded_files("test_osx_1074.zip")

    assert all(unicodedata.is_normalized("NFC", name) for name in names)


def test_name_decode_cyrillic_oem() -> None:
    # zipfile writes any non-ASCII name as flagged UTF-8, so the archive is
    # written with an ASCII placeholder and its bytes are swapped afterwards.
    raw = "R101_#_Сертификат.pdf".encode("cp866")
    placeholder = b"R101_#_" + b"X" * (len(raw) - 11) + b".pdf"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(placeholder.decode("ascii"), b"%PDF-1.4")
    patched = buffer.getvalue().replace(placeholder, raw)

    with zipfile.ZipFile(io.BytesIO(patched)) as archive:
        info = archive.infolist()[0]

    assert entry_name_decode(info) == "R101_#_Сертификат.pdf"


def test_name_decode_stale_unicode_field_ignored() -> None:
    # A Unicode Path field whose CRC does not match the legacy name belongs
    # to an older name and must not win.
    stale = b"\x01" + (12345).to_bytes(4, "little") + b"Ander.pdf"
    info = zipfile.ZipInfo("R101_#_diploma.pdf")
    info.extra = (
        (0x7075).to_bytes(2, "little") + len(stale).to_bytes(2, "little") + stale
    )

    assert entry_name_decode(info) == "R101_#_diploma.pdf"


@pytest.mark.parametrize(
    "name",
    [
        "../../settings_local.py",
        "/absolute/evil.pdf",
        "R102_#_..\\..\\x.pdf",
        "C:\\Windows\\evil.pdf",
        "c:/evil.pdf",
        "Bijlagen/../../x.pdf",
    ],
)
def test_entry_unsafe_names(name: str) -> None:
    assert entry_is_unsafe(name)


@pytest.mark.parametrize(
    "name",
    [
        "R101_#_certificaat.pdf",
        "Bijlagen/R101_#_certificaat.pdf",
        "Bijlagen\\R102_#_lijst.xlsx",
        "R101_#_..pdf",
        "R101_#_versie..2.pdf",
    ],
)
def test_entry_safe_names(name: str) -> None:
    assert not entry_is_unsafe(name)


@pytest.mark.parametrize(
    "name",
    [
        "__MACOSX/._R101_#_certificaat.pdf",
        "__MACOSX/Bijlagen/R101_#_certificaat.pdf",
        ".DS_Store",
        "Bijlagen/.DS_Store",
        "Thumbs.db",
        "Bijlagen\\thumbs.db",
        "desktop.ini",
        "._R101_#_certificaat.pdf",
    ],
)
def test_entry_junk(name: str) -> None:
    assert entry_is_junk(name)


def test_entry_junk_real_document() -> None:
    assert not entry_is_junk("Bijlagen/R101_#_certificaat.pdf")


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("R101_#_a.pdf", "R101_#_a.pdf"),
        ("Bijlagen/R101_#_a.pdf", "R101_#_a.pdf"),
        ("Bijlagen\\R102_#_b.xlsx", "R102_#_b.xlsx"),
        ("a/b\\c/R103_#_c.doc", "R103_#_c.doc"),
    ],
)
def test_entry_base_name_both_separators(name: str, base: str) -> None:
    assert entry_base_name(name) == base


def test_name_parse_splits_first_separator() -> None:
    parsed = attachment_name_parse("R101_#_scan_#_2.pdf", max_chars=255)

    assert parsed.result_id == "R101"
    assert parsed.original_name == "scan_#_2.pdf"
    assert parsed.extension == "pdf"


@pytest.mark.parametrize("name", ["R101_#_", "R101_#_.pdf", "R101_#_ .PDF", "R1_#_  "])
def test_name_parse_original_missing(name: str) -> None:
    with pytest.raises(InputRejected) as caught:
        attachment_name_parse(name, max_chars=255)

    assert caught.value.code == "name_missing"
    assert caught.value.params == {"name": name}


def test_name_missing_message() -> None:
    with override("en"):
        text = attachment_message("name_missing", {"name": "R101_#_.pdf"})

    assert text == (
        "“R101_#_.pdf” has no file name after _#_. Rename it, for example to "
        "R101_#_diploma.pdf."
    )


@pytest.mark.parametrize(
    "name", ["certificaat.pdf", "_#_certificaat.pdf", "R101#certificaat.pdf"]
)
def test_name_parse_invalid(name: str) -> None:
    with pytest.raises(InputRejected) as caught:
        attachment_name_parse(name, max_chars=255)

    assert caught.value.code == "name_invalid"
    assert caught.value.params == {"name": name}


def test_name_parse_255_characters_kept() -> None:
    original = "é" * 251 + ".pdf"

    parsed = attachment_name_parse("R101_#_" + original, max_chars=255)

    assert parsed.original_name == original


def test_name_parse_256_characters_rejected() -> None:
    with pytest.raises(InputRejected) as caught:
        attachment_name_parse("R101_#_" + "a" * 252 + ".pdf", max_chars=255)

    assert caught.value.code == "name_too_long"
    assert caught.value.params["length"] == 256


@given(
    result_id=st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True),
    stem=st.text(min_size=1, max_size=40).filter(lambda s: s.strip() == s and s),
)
def test_name_parse_round_trip(result_id: str, stem: str) -> None:
    parsed = attachment_name_parse(f"{result_id}_#_{stem}.pdf", max_chars=255)

    assert parsed.result_id == result_id
    assert parsed.original_name == f"{stem}.pdf"
