import codecs

import pytest

from imports.reading import file_sniff
from imports.reading.sniff import delimiter_guess, quotechar_guess
from learnlinq.errors import InputRejected
from tests.conftest import CASES_DIR, REALDATA_DIR

FILES = CASES_DIR / "files"


@pytest.mark.parametrize(
    ("path", "delimiter"),
    [
        ("moodle-csv-delimiters/f2f_attendees.csv", ","),
        ("moodle-csv-delimiters/f2f_attendees_semicolon.csv", ";"),
        ("moodle-csv-delimiters/f2f_attendees_tab.csv", "\t"),
        ("moodle-csv-delimiters/f2f_attendees_pipe.csv", "|"),
        ("moodle-csv-delimiters/f2f_attendees_colon.csv", ":"),
        ("moodle-csv-delimiters/tabfile.csv", "\t"),
        ("moodle-csv-delimiters/f2f_attendees_customfields.csv", ","),
        ("cps-restraint-certifications/certification_history.csv", ","),
        ("totara-completionimport/course_completion_CR_line_endings.csv", ","),
    ],
)
def test_file_sniff_real_delimiters(path: str, delimiter: str) -> None:
    assert file_sniff((REALDATA_DIR / path).read_bytes()).delimiter == delimiter


@pytest.mark.parametrize(
    ("path", "encoding"),
    [
        ("totara-sync-encodings/user_utf8_bom.csv", "utf-8"),
        ("totara-sync-encodings/user_win1250.csv", "windows-1252"),
        ("csv-test-files-latin1/CSV-basic-ISO-8859-1.LF.csv", "windows-1252"),
        ("csv-spectrum/utf8.csv", "utf-8"),
    ],
)
def test_file_sniff_real_encodings(path: str, encoding: str) -> None:
    assert file_sniff((REALDATA_DIR / path).read_bytes()).encoding == encoding


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "date_format"),
    [
        ("c01-utf8-bom.csv", "utf-8", ";", "d-M-yyyy"),
        ("c02-windows-1252.csv", "windows-1252", ";", "d-M-yyyy"),
        ("c04-comma.csv", "utf-8", ",", "d-M-yyyy"),
        ("c04-semicolon.csv", "utf-8", ";", "d-M-yyyy"),
        ("c05-cr-only.csv", "utf-8", ";", "d-M-yyyy"),
        ("c06-quoted-newline.csv", "utf-8", ";", "d-M-yyyy"),
        ("c10-date-format.csv", "utf-8", ";", None),
        ("c13-dst-dates.csv", "utf-8", ";", "d-M-yyyy"),
    ],
)
def test_file_sniff_case_files(
    name: str, encoding: str, delimiter: str, date_format: str | None
) -> None:
    suggestion = file_sniff((FILES / name).read_bytes())
    assert suggestion.kind == "csv"
    assert suggestion.encoding == encoding
    assert suggestion.delimiter == delimiter
    assert suggestion.quotechar == '"'
    assert suggestion.date_format == date_format


def test_file_sniff_sep_line() -> None:
    assert file_sniff(b"sep=|\r\na;b|c\r\n1;2|3\r\n").delimiter == "|"


def test_file_sniff_utf16_tab() -> None:
    data = "UserId\tTimestamp\r\njan\t5-4-2021\r\n".encode("utf-16")
    suggestion = file_sniff(data)
    assert suggestion.encoding == "utf-16"
    assert suggestion.delimiter == "\t"


def test_file_sniff_utf8_bom() -> None:
    assert file_sniff(codecs.BOM_UTF8 + b"a;b\r\n1;2\r\n").encoding == "utf-8"


def test_file_sniff_ambiguous_dates() -> None:
    suggestion = file_sniff(b"UserId;Datum\r\njan;5-4-2021\r\nzoe;6-4-2021\r\n")
    assert suggestion.date_format == "d-M-yyyy"
    assert [n.code for n in suggestion.notices] == ["date_format_ambiguous"]
    assert suggestion.notices[0].params["formats"] == ["d-M-yyyy", "M-d-yyyy"]
    assert suggestion.notices[0].params["column"] == "Datum"


def test_file_sniff_xlsx() -> None:
    data = (
        REALDATA_DIR / "training-dashboard-xlsx/Training cleanned data.xlsx"
    ).read_bytes()
    suggestion = file_sniff(data)
    assert suggestion.kind == "xlsx"
    assert suggestion.sheet_names == [
        "ListofCourses",
        "TrainingProgress",
        "ListofLearners",
    ]


def test_file_sniff_xlsx_named_csv() -> None:
    suggestion = file_sniff((FILES / "c03-xlsx-named-csv.csv").read_bytes())
    assert suggestion.kind == "xlsx"
    assert suggestion.date_format == "d-M-yyyy"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        ((FILES / "c03-xls-named-csv.csv").read_bytes(), "workbook_xls"),
        (b"%PDF-1.7", "file_pdf"),
    ],
)
def test_file_sniff_rejects(data: bytes, code: str) -> None:
    with pytest.raises(InputRejected) as caught:
        file_sniff(data)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a;b;c\n1;2;3\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ('a,b\n"x;y;z",2\n', ","),
        ("time,note\n10:00,a\n11:30,b\n", ","),
        ("single\nvalue\n", ";"),
        ("", ";"),
    ],
)
def test_delimiter_guess_cases(text: str, expected: str) -> None:
    assert delimiter_guess(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'a';'b'\n'1';'2'\n", "'"),
        ('"a";"b"\n', '"'),
        ("a;b\n", '"'),
        ('\'s-Hertogenbosch;"x"\n', '"'),
    ],
)
def test_quotechar_guess_cases(text: str, expected: str) -> None:
    assert quotechar_guess(text, ";") == expected
