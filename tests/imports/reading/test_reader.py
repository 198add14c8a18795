# Test data contains en dashes and other look-alike characters on purpose.
# ruff: noqa: RUF001
import datetime
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from imports.reading import ReadOptions, Table, file_sniff, table_read
from learnlinq.errors import InputRejected
from tests.conftest import CASES_DIR, REALDATA_DIR

FILES = CASES_DIR / "files"
HEADER = ("UserId", "Timestamp", "LearningActivityTitle", "ResultId", "Tags")
MAX = 20000


def _read(
    data: bytes,
    encoding: str = "utf-8",
    delimiter: str = ";",
    quotechar: str = '"',
    sheet: str | None = None,
    max_records: int = MAX,
) -> Table:
    options = ReadOptions(
        encoding=encoding, delimiter=delimiter, quotechar=quotechar, sheet=sheet
    )
    return table_read(data, options, max_records=max_records)


def _rejected(data: bytes, **options: object) -> InputRejected:
    with pytest.raises(InputRejected) as caught:
        _read(data, **options)  # type: ignore[arg-type]
    return caught.value


def _lines(table: Table) -> list[int]:
    return [record.line for record in table.records]


# Case files that read, all with the standard header: (file name, options,
# [(line, cells), ...]).
CASE_TABLES = [
    (
        "c01-utf8-bom.csv",
        {},
        [(2, ("jan.devries@example.nl", "3-2-2021", "BHV herhaling", "", ""))],
    ),
    (
        "c01-utf8-bom-quoted-header.csv",
        {},
        [(2, ("jan.devries@example.nl", "3-2-2021", "BHV herhaling", "", ""))],
    ),
    (
        "c02-windows-1252.csv",
        {"encoding": "windows-1252"},
        [
            (
                2,
                (
                    "zoe.muller@example.nl",
                    "12-3-2021",
                    "Cursus – Coëfficiënt, naïef & één",
                    "",
                    "",
                ),
            )
        ],
    ),
    (
        "c02-utf8.csv",
        {},
        [
            (
                2,
                (
                    "zoe.muller@example.nl",
                    "12-3-2021",
                    "Cursus – Coëfficiënt, naïef & één",
                    "",
                    "",
                ),
            )
        ],
    ),
    (
        "c03-xlsx-named-csv.csv",
        {},
        [(2, ("jan.devries@example.nl", "3-2-2021", "BHV herhaling", "", ""))],
    ),
    (
        "c05-cr-only.csv",
        {},
        [
            (2, ("jan.devries@example.nl", "3-2-2021", "BHV herhaling", "", "")),
            (3, ("zoe.muller@example.nl", "4-2-2021", "EHBO", "", "")),
            (4, ("piet.onbekend@example.nl", "5-2-2021", "VCA", "", "")),
        ],
    ),
    (
        "c05-mixed-endings.csv",
        {},
        [
            (2, ("jan.devries@example.nl", "3-2-2021", "BHV herhaling", "", "")),
            (3, ("zoe.muller@example.nl", "4-2-2021", "EHBO", "", "")),
            (4, ("piet.onbekend@example.nl", "5-2-2021", "VCA", "", "")),
        ],
    ),
    (
        "c06-quoted-newline.csv",
        {},
        [
            (
                2,
                ("jan.devries@example.nl", "3-2-2021", "Ploegleider\nmodule 2", "", ""),
            ),
            (4, ("zoe.muller@example.nl", "4-2-2021", "BHV herhaling", "", "")),
            (5, ("piet.onbekend@example.nl", "5-2-2021", "VCA", "", "")),
        ],
    ),
    (
        "c07-ragged-rows.csv",
        {},
        [
            (
                2,
                (
                    "jan.devries@example.nl",
                    "3-2-2021",
                    'EHBO; reanimatie "AED"',
                    "R101",
                    "EHBO",
                ),
            ),
            (3, ("zoe.muller@example.nl", "4-2-2021", "BHV herhaling")),
            (4, ("els.bakker@example.nl", "5-2-2021", "VCA", "R103", "VCA", "extra")),
        ],
    ),
    (
        "c08-trailing-empty-rows.csv",
        {},
        [(2, ("jan.devries@example.nl", "3-2-2021", "BHV herhaling", "", ""))],
    ),
    (
        "c08-blank-between.csv",
        {},
        [
            (2, ("jan.devries@example.nl", "3-2-2021", "BHV herhaling", "", "")),
            (4, ("zoe.muller@example.nl", "4-2-2021", "EHBO", "", "")),
            (5, ("els.bakker@example.nl", "", "", "", "")),
        ],
    ),
    (
        "c10-date-format.csv",
        {},
        [
            (2, ("jan.devries@example.nl", "5-4-2021", "BHV herhaling", "", "")),
            (3, ("jan.devries@example.nl", "13-4-2021", "EHBO", "", "")),
            (4, ("jan.devries@example.nl", "4/5/2021", "VCA", "", "")),
        ],
    ),
    (
        "c11-serial-dates.csv",
        {},
        [
            (2, ("jan.devries@example.nl", "43831", "BHV herhaling", "", "")),
            (3, ("zoe.muller@example.nl", "44197,5", "EHBO", "", "")),
        ],
    ),
    (
        "c12-date-padding.csv",
        {},
        [
            (2, ("jan.devries@example.nl", "01-02-2020", "BHV herhaling", "", "")),
            (3, ("jan.devries@example.nl", "1-2-2020", "EHBO", "", "")),
            (4, ("jan.devries@example.nl", " 1-2-2020 ", "VCA", "", "")),
            (5, ("jan.devries@example.nl", "f2", "AVG", "", "")),
            (6, ("jan.devries@example.nl", "31-2-2020", "Brandveiligheid", "", "")),
        ],
    ),
]


@pytest.mark.parametrize(("name", "options", "expected"), CASE_TABLES)
def test_table_read_case_files(name: str, options: dict, expected: list) -> None:
    table = _read((FILES / name).read_bytes(), **options)
    assert table.header == HEADER
    assert [(record.line, record.cells) for record in table.records] == expected
    assert [record.number for record in table.records] == list(
        range(1, len(expected) + 1)
    )


@pytest.mark.parametrize(
    ("name", "options", "code", "params"),
    [
        (
            "c02-windows-1252.csv",
            {},
            "encoding_invalid",
            {
                "line": 2,
                "byte": "0x96",
                "encoding": "UTF-8",
                "suggested": "Windows-1252",
                "suggested_encoding": "windows-1252",
            },
        ),
        ("c03-xls-named-csv.csv", {}, "workbook_xls", {}),
        (
            "c04-semicolon.csv",
            {"delimiter": ","},
            "delimiter_mismatch",
            {
                "header": "UserId;Timestamp;LearningActivityTitle;ResultId;Tags",
                "delimiter": ",",
                "suggested": ";",
            },
        ),
        (
            "c04-comma.csv",
            {},
            "delimiter_mismatch",
            {
                "header": "UserId,Timestamp,LearningActivityTitle,ResultId,Tags",
                "delimiter": ";",
                "suggested": ",",
            },
        ),
        (
            "c09-duplicate-header.csv",
            {},
            "duplicate_header",
            {"name": "Tags", "column": 5, "other_column": 6, "names": ["Tags", "tags"]},
        ),
    ],
)
def test_table_read_case_rejections(
    name: str, options: dict, code: str, params: dict
) -> None:
    error = _rejected((FILES / name).read_bytes(), **options)
    assert error.code == code
    assert error.params == params


def test_table_read_bom_with_other_encoding() -> None:
    table = _read((FILES / "c01-utf8-bom.csv").read_bytes(), encoding="windows-1252")
    assert table.header == HEADER
    assert table.records[0].cells[2] == "BHV herhaling"
    assert [notice.code for notice in table.notices] == ["encoding_bom_mismatch"]


def test_table_read_utf8_as_1252_notice() -> None:
    table = _read((FILES / "c02-utf8.csv").read_bytes(), encoding="windows-1252")
    assert [(notice.code, notice.line) for notice in table.notices] == [("mojibake", 2)]


def test_table_read_header_spacing_kept() -> None:
    table = _read((FILES / "c09-header-spacing-case.csv").read_bytes())
    assert table.header == (
        "userid ",
        " Timestamp",
        "LearningActivityTitle ",
        "ResultId",
        "TAGS",
    )
    assert table.records[0].cells[4] == "Veiligheid"


def test_table_read_20000_records() -> None:
    table = _read((FILES / "c06-20000-records.csv").read_bytes())
    assert len(table.records) == 20000
    assert table.records[0].line == 2
    assert table.records[500].line == 502
    assert table.records[500].cells[2] == "Ploegleider\nmodule 1"
    assert table.records[-1].line == 20011
    assert table.records[-1].number == 20000
    assert table.records[-1].cells[3] == "R20000"


def test_table_read_limit_counts_records() -> None:
    data = (FILES / "c06-20000-records.csv").read_bytes()
    error = _rejected(data, max_records=19999)
    assert error.code == "too_many_rows"
    assert error.params == {"count": 20000, "max": 19999, "maximum": 19999}


def test_table_read_limit_ignores_empty_records() -> None:
    data = b"UserId;Title\r\n" + b"jan;BHV\r\n;;\r\n\r\n" * 3
    table = _read(data, max_records=3)
    assert _lines(table) == [2, 5, 8]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\r\n\r\n  \r\n", "empty_file"),
        (b";;;\r\n;;\r\n", "empty_file"),
        ("\ufeff".encode(), "empty_file"),
        (b"%PDF-1.4 ...", "file_pdf"),
        (b'a;b\r\nc;"d\r\n', "quote_unclosed"),
        (b'a;b\r\nc;"d"x\r\n', "quote_malformed"),
    ],
)
def test_table_read_file_faults(data: bytes, code: str) -> None:
    assert _rejected(data).code == code


def test_table_read_header_only() -> None:
    table = _read(b"UserId;Timestamp;LearningActivityTitle\r\n")
    assert table.header == ("UserId", "Timestamp", "LearningActivityTitle")
    assert table.records == []


def test_table_read_leading_blank_lines() -> None:
    table = _read(b"\r\n;;\r\nUserId;Title\r\njan;BHV\r\n")
    assert table.header == ("UserId", "Title")
    assert _lines(table) == [4]


def test_table_read_sep_line() -> None:
    table = _read(b"sep=,\r\nUserId,Title\r\njan,BHV\r\n", delimiter=";")
    assert table.header == ("UserId", "Title")
    assert [(r.line, r.cells) for r in table.records] == [(3, ("jan", "BHV"))]
    assert [n.code for n in table.notices] == ["delimiter_from_sep_line"]
    assert table.notices[0].params == {"delimiter": ",", "chosen": ";", "line": 1}


def test_table_read_sep_line_same_delimiter() -> None:
    table = _read(b"sep=;\r\nUserId;Title\r\n")
    assert table.header == ("UserId", "Title")
    assert table.notices == []


def test_table_read_unnamed_column_with_value() -> None:
    table = _read(b"UserId;Title;\r\njan;BHV;\r\nzoe;EHBO;x\r\n")
    assert table.header == ("UserId", "Title")
    assert table.records[0].cells == ("jan", "BHV")
    assert table.records[1].cells == ("zoe", "EHBO", "x")


def test_table_read_empty_middle_names_allowed() -> None:
    table = _read(b"UserId;;;Title\r\njan;;;BHV\r\n")
    assert table.header == ("UserId", "", "", "Title")


def test_table_read_one_column_without_delimiter() -> None:
    table = _read(b"UserId\r\njan\r\n")
    assert table.header == ("UserId",)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-16", "\t"), ("utf-16-le", "\t"), ("utf-16-be", ";")],
)
def test_table_read_utf16(encoding: str, delimiter: str) -> None:
    text = f"UserId{delimiter}Title\r\nzoë{delimiter}Coëfficiënt\r\n"
    data = text.encode("utf-16") if encoding == "utf-16" else text.encode(encoding)
    table = _read(data, encoding=encoding, delimiter=delimiter)
    assert table.records[0].cells == ("zoë", "Coëfficiënt")


def test_table_read_utf16_with_utf8_chosen() -> None:
    data = "UserId\tTitle\r\nzoë\tEHBO\r\n".encode("utf-16")
    table = _read(data, delimiter="\t")
    assert table.records[0].cells == ("zoë", "EHBO")
    assert [n.code for n in table.notices] == ["encoding_bom_mismatch"]


def test_table_read_unknown_encoding() -> None:
    assert _rejected(b"a;b", encoding="nope").code == "encoding_unknown"


# Real files: (path, options, header start, records, first record line).
REAL_CSV = [
    (
        "csv-spectrum/comma_in_quotes.csv",
        {"delimiter": ","},
        ("first", "last", "address", "city", "zip"),
        1,
    ),
    ("csv-spectrum/empty.csv", {"delimiter": ","}, ("a", "b", "c"), 2),
    ("csv-spectrum/empty_crlf.csv", {"delimiter": ","}, ("a", "b", "c"), 2),
    ("csv-spectrum/escaped_quotes.csv", {"delimiter": ","}, ("a", "b"), 2),
    ("csv-spectrum/json.csv", {"delimiter": ","}, ("key", "val"), 1),
    (
        "csv-spectrum/location_coordinates.csv",
        {"delimiter": ","},
        ("Contact Phone Number", "Location Coordinates"),
        1,
    ),
    ("csv-spectrum/newlines.csv", {"delimiter": ","}, ("a", "b", "c"), 3),
    ("csv-spectrum/newlines_crlf.csv", {"delimiter": ","}, ("a", "b", "c"), 3),
    ("csv-spectrum/quotes_and_newlines.csv", {"delimiter": ","}, ("a", "b"), 2),
    ("csv-spectrum/simple.csv", {"delimiter": ","}, ("a", "b", "c"), 1),
    ("csv-spectrum/simple_crlf.csv", {"delimiter": ","}, ("a", "b", "c"), 1),
    ("csv-spectrum/utf8.csv", {"delimiter": ","}, ("a", "b", "c"), 2),
    (
        "moodle-csv-delimiters/f2f_attendees.csv",
        {"delimiter": ","},
        ("email", "signupnote"),
        2,
    ),
    (
        "moodle-csv-delimiters/f2f_attendees_semicolon.csv",
        {"delimiter": ";"},
        ("email", "signupnote"),
        2,
    ),
    (
        "moodle-csv-delimiters/f2f_attendees_tab.csv",
        {"delimiter": "\t"},
        ("email", "signupnote"),
        2,
    ),
    (
        "moodle-csv-delimiters/f2f_attendees_pipe.csv",
        {"delimiter": "|"},
        ("email", "signupnote"),
        2,
    ),
    (
        "moodle-csv-delimiters/f2f_attendees_colon.csv",
        {"delimiter": ":"},
        ("email", "signupnote"),
        2,
    ),
    ("moodle-csv-delimiters/tabfile.csv", {"delimiter": "\t"}, None, 3),
    (
        "totara-sync-encodings/user_utf8_bom.csv",
        {"delimiter": ","},
        ("idnumber", "timemodified", "username"),
        2,
    ),
    (
        "totara-sync-encodings/user_win1250.csv",
        {"delimiter": ",", "encoding": "windows-1250"},
        ("idnumber", "timemodified", "username"),
        2,
    ),
    (
        "textract-encodings/cyrillic_cp1251.csv",
        {"delimiter": ",", "encoding": "windows-1251"},
        ("name", "city"),
        2,
    ),
    (
        "csv-test-files-latin1/CSV-basic-ISO-8859-1.CRLF.csv",
        {"delimiter": ",", "encoding": "iso-8859-1"},
        ("first_name", "last_name", "age"),
        3,
    ),
    (
        "csv-test-files-latin1/CSV-basic-ISO-8859-1.LF.csv",
        {"delimiter": ",", "encoding": "windows-1252"},
        ("first_name", "last_name", "age"),
        3,
    ),
    (
        "totara-completionimport/course_completion_CR_line_endings.csv",
        {"delimiter": ","},
        ("username", "courseshortname"),
        2,
    ),
    (
        "cps-restraint-certifications/certification_history.csv",
        {"delimiter": ","},
        ("school", "school_id"),
        5607,
    ),
]


@pytest.mark.parametrize(("path", "options", "header", "count"), REAL_CSV)
def test_table_read_real_csv(
    path: str, options: dict, header: tuple | None, count: int
) -> None:
    table = _read((REALDATA_DIR / path).read_bytes(), **options)
    if header is not None:
        assert table.header[: len(header)] == header
    assert len(table.records) == count
    assert table.kind == "csv"


# Every CSV file among the real files: (path, sniffed delimiter, records).
# Each reads with the options file_sniff suggests.
REAL_CSV_SNIFFED = [
    ("cps-restraint-certifications/certification_history.csv", ",", 5607),
    ("csv-spectrum/comma_in_quotes.csv", ",", 1),
    ("csv-spectrum/empty.csv", ",", 2),
    ("csv-spectrum/empty_crlf.csv", ",", 2),
    ("csv-spectrum/escaped_quotes.csv", ",", 2),
    ("csv-spectrum/json.csv", ",", 1),
    ("csv-spectrum/location_coordinates.csv", ",", 1),
    ("csv-spectrum/newlines.csv", ",", 3),
    ("csv-spectrum/newlines_crlf.csv", ",", 3),
    ("csv-spectrum/quotes_and_newlines.csv", ",", 2),
    ("csv-spectrum/simple.csv", ",", 1),
    ("csv-spectrum/simple_crlf.csv", ",", 1),
    ("csv-spectrum/utf8.csv", ",", 2),
    ("csv-test-files-latin1/CSV-basic-ISO-8859-1.CRLF.csv", ",", 3),
    ("csv-test-files-latin1/CSV-basic-ISO-8859-1.LF.csv", ",", 3),
    ("moodle-csv-delimiters/dates.csv", ",", 3),
    ("moodle-csv-delimiters/f2f_attendees.csv", ",", 2),
    ("moodle-csv-delimiters/f2f_attendees_colon.csv", ":", 2),
    ("moodle-csv-delimiters/f2f_attendees_customfields.csv", ",", 3),
    ("moodle-csv-delimiters/f2f_attendees_pipe.csv", "|", 2),
    ("moodle-csv-delimiters/f2f_attendees_semicolon.csv", ";", 2),
    ("moodle-csv-delimiters/f2f_attendees_tab.csv", "\t", 2),
    ("moodle-csv-delimiters/tabfile.csv", "\t", 3),
    ("moodle-csv-delimiters/upload_users.csv", ",", 2),
    ("moodle-csv-delimiters/upload_users_incorrect_data.csv", ",", 3),
    ("moodle-tool_import_completion/completionupload.csv", ",", 1),
    ("moodle-tool_uploadactivitycompletions/example.csv", ",", 1),
    ("moodle-tool_uploadactivitycompletions/notenoughcolumns.csv", ";", 1),
    ("moodle-tool_uploadactivitycompletions/onecourseresult.csv", ",", 1),
    ("moodle-tool_uploadactivitycompletions/onecourseresult_nocourse.csv", ",", 1),
    ("moodle-tool_uploadactivitycompletions/onecourseresult_nouser.csv", ",", 1),
    ("textract-encodings/cyrillic_cp1251.csv", ",", 2),
    ("totara-completionimport/certification_completion_1.csv", ",", 2),
    ("totara-completionimport/certification_completion_badcolumns.csv", ",", 2),
    (
        "totara-completionimport/certification_completion_history_matching_records.csv",
        ",",
        2,
    ),
    (
        "totara-completionimport/certification_completion_history_similar_records.csv",
        ",",
        2,
    ),
    ("totara-completionimport/certification_evidence_custom_fields_1.csv", ",", 1),
    ("totara-completionimport/certification_evidence_custom_fields_2.csv", ",", 1),
    ("totara-completionimport/certification_evidence_custom_fields_3.csv", ",", 1),
    ("totara-completionimport/certification_mismatch_fields_1.csv", ",", 12),
    ("totara-completionimport/completion_criteria_course_cron.csv", ",", 1),
    ("totara-completionimport/course_completion_1.csv", ",", 0),
    ("totara-completionimport/course_completion_1a.csv", ",", 1),
    ("totara-completionimport/course_completion_1b.csv", ",", 1),
    ("totara-completionimport/course_completion_1c.csv", ",", 1),
    ("totara-completionimport/course_completion_1d.csv", ",", 1),
    ("totara-completionimport/course_completion_1e.csv", ",", 1),
    ("totara-completionimport/course_completion_2.csv", ",", 2),
    ("totara-completionimport/course_completion_CR_line_endings.csv", ",", 2),
    ("totara-completionimport/course_completion_badcolumns.csv", ",", 1),
    ("totara-completionimport/course_evidence_custom_fields_1.csv", ",", 1),
    ("totara-completionimport/course_evidence_custom_fields_2.csv", ",", 1),
    ("totara-completionimport/course_evidence_custom_fields_3.csv", ",", 1),
    ("totara-completionimport/course_mismatch_fields_1.csv", ",", 12),
    ("totara-completionimport/course_single_upload.csv", ",", 1),
    ("totara-sync-encodings/user_utf8_bom.csv", ",", 2),
    ("totara-sync-encodings/user_win1250.csv", ",", 2),
]


@pytest.mark.parametrize(("path", "delimiter", "count"), REAL_CSV_SNIFFED)
def test_table_read_real_csv_sniffed(path: str, delimiter: str, count: int) -> None:
    data = (REALDATA_DIR / path).read_bytes()
    suggestion = file_sniff(data)
    options = ReadOptions(
        encoding=suggestion.encoding,
        delimiter=suggestion.delimiter,
        quotechar=suggestion.quotechar,
    )
    table = table_read(data, options, max_records=MAX)
    assert suggestion.delimiter == delimiter
    assert len(table.records) == count
    assert all(record.cells for record in table.records)


def test_table_read_real_csv_all_listed() -> None:
    paths = {
        str(path.relative_to(REALDATA_DIR)) for path in REALDATA_DIR.rglob("*.csv")
    }
    listed = {path for path, _delimiter, _count in REAL_CSV_SNIFFED}
    assert paths - listed == {"moodle-tool_uploadactivitycompletions/empty.csv"}


def test_table_read_real_accents() -> None:
    win1250 = _read(
        (REALDATA_DIR / "totara-sync-encodings/user_win1250.csv").read_bytes(),
        delimiter=",",
        encoding="windows-1250",
    )
    cp1251 = _read(
        (REALDATA_DIR / "textract-encodings/cyrillic_cp1251.csv").read_bytes(),
        delimiter=",",
        encoding="windows-1251",
    )
    latin1 = _read(
        (
            REALDATA_DIR / "csv-test-files-latin1/CSV-basic-ISO-8859-1.CRLF.csv"
        ).read_bytes(),
        delimiter=",",
        encoding="iso-8859-1",
    )
    assert win1250.records[1].cells[4:6] == ("Žlutý", "Koníček")
    assert all(
        "\u0400" <= char <= "\u04ff"
        for char in str(cp1251.records[0].cells[0]).replace(" ", "")
    )
    assert latin1.records[2].cells[:2] == ("Hélène", "Mahé")


def test_table_read_real_quoted_newline_lines() -> None:
    table = _read(
        (REALDATA_DIR / "csv-spectrum/newlines.csv").read_bytes(), delimiter=","
    )
    assert _lines(table) == [2, 3, 5]
    assert table.records[1].cells[0] == "Once upon \na time"


def test_table_read_real_cr_only_lines() -> None:
    path = (
        REALDATA_DIR / "totara-completionimport/course_completion_CR_line_endings.csv"
    )
    assert _lines(_read(path.read_bytes(), delimiter=",")) == [2, 3]


def test_table_read_real_replacement_characters() -> None:
    # The published file already contains U+FFFD where degree signs were lost.
    path = REALDATA_DIR / "csv-spectrum/location_coordinates.csv"
    table = _read(path.read_bytes(), delimiter=",")
    assert [(n.code, n.line) for n in table.notices] == [("replacement_character", 2)]


def test_table_read_empty_real_file() -> None:
    data = (
        REALDATA_DIR / "moodle-tool_uploadactivitycompletions/empty.csv"
    ).read_bytes()
    assert _rejected(data).code == "empty_file"


def test_table_read_xlsx_dashboard() -> None:
    data = (
        REALDATA_DIR / "training-dashboard-xlsx/Training original data.xlsx"
    ).read_bytes()
    table = _read(data, sheet="TrainingProgress")
    assert table.kind == "xlsx"
    assert table.sheet_names == ["ListofCourses", "TrainingProgress", "ListofLearners"]
    assert "Trạng thái\nyêu cầu" in table.header
    start = table.header.index("Start date")
    end = table.header.index("End Date")
    first = table.records[0]
    assert first.line == 2
    assert first.cells[2] == "E119034O"
    assert first.cells[start] == datetime.date(2024, 3, 24)
    assert isinstance(first.cells[end], datetime.date)
    assert len(table.records) == 4464


def test_table_read_xlsx_clean_dashboard_same_rows() -> None:
    raw = _read(
        (
            REALDATA_DIR / "training-dashboard-xlsx/Training original data.xlsx"
        ).read_bytes(),
        sheet="TrainingProgress",
    )
    clean = _read(
        (
            REALDATA_DIR / "training-dashboard-xlsx/Training cleanned data.xlsx"
        ).read_bytes(),
        sheet="TrainingProgress",
    )
    assert len(clean.records) == len(raw.records)


def test_table_read_xlsx_tracker() -> None:
    data = (
        REALDATA_DIR
        / "excel-training-tracker-xlsx/training management and monitoring.xlsx"
    ).read_bytes()
    table = _read(data, sheet="bdd")
    assert table.header[:5] == ("Matricule", "Nom", "Prénom", "Service", "état")
    assert len(table.records) == 454
    assert all(
        not str(cell).startswith("=")
        for record in table.records
        for cell in record.cells
    )
    assert {record.cells[4] for record in table.records} == {"réalisée", "prévue"}


def test_table_read_xlsx_first_sheet_default() -> None:
    data = (
        REALDATA_DIR
        / "excel-training-tracker-xlsx/training management and monitoring.xlsx"
    ).read_bytes()
    assert _read(data).header[0] == "Matricule"


def test_table_read_xlsx_unknown_sheet() -> None:
    data = (FILES / "c03-xlsx-named-csv.csv").read_bytes()
    error = _rejected(data, sheet="Blad9")
    assert error.code == "sheet_not_found"


def test_table_read_xlsx_built() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([None, None])
    sheet.append(["UserId", "Timestamp", "Score", None])
    sheet.append(["jan", datetime.datetime(2021, 2, 3), 12.0, None])
    sheet.append([None, None, None, None])
    sheet.append(["00123", datetime.datetime(2021, 2, 4, 9, 30), 7.25, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # A workbook ignores the text options, even an unknown encoding.
    table = _read(buffer.getvalue(), encoding="nope", delimiter=",")
    assert table.header == ("UserId", "Timestamp", "Score")
    assert [(r.line, r.number) for r in table.records] == [(3, 1), (5, 2)]
    assert table.records[0].cells == ("jan", datetime.date(2021, 2, 3), "12")
    assert table.records[1].cells == (
        "00123",
        datetime.datetime(2021, 2, 4, 9, 30),
        "7.25",
    )


# Property: records written in any supported dialect read back exactly.
ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "windows-1252",
    "iso-8859-1",
    "windows-1250",
    "windows-1251",
]
ACCENTS = "éëïöüÉŽščřДжЖ–€ß"
LINE_ENDINGS = ["\r\n", "\n", "\r"]


def _alphabet(encoding: str, *, plain: bool, delimiter: str, quotechar: str) -> str:
    accents = ""
    for char in ACCENTS:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            continue
        accents += char
    base = "abcXYZ019 .-@" + accents
    if plain:
        return base + ("'" if quotechar != "'" else '"')
    return base + ";,\t|:\"'\r\n"


def _cell_text(cell: str, *, style: str, delimiter: str, quotechar: str) -> str:
    needs_quotes = (
        any(char in cell for char in (delimiter, quotechar, "\r", "\n"))
        if quotechar
        else False
    )
    if style == "all" or needs_quotes:
        return quotechar + cell.replace(quotechar, quotechar * 2) + quotechar
    return cell


@st.composite
def _dialect_files(
    draw: st.DrawFn,
) -> tuple[bytes, ReadOptions, list[tuple[int, tuple[str, ...]]]]:
    encoding = draw(st.sampled_from(ENCODINGS))
    delimiter = draw(st.sampled_from([";", ",", "\t", "|", ":"]))
    style = draw(st.sampled_from(["minimal", "all", "none"]))
    quotechar = "" if style == "none" else draw(st.sampled_from(['"', "'"]))
    width = draw(st.integers(min_value=1, max_value=5))
    alphabet = _alphabet(
        encoding, plain=style == "none", delimiter=delimiter, quotechar=quotechar
    )
    if style == "none":
        alphabet = alphabet.replace(delimiter, "")
    cell = st.text(alphabet=alphabet, max_size=12)
    first_cell = st.text(alphabet="abcXYZ019", min_size=1, max_size=8)
    records = draw(
        st.lists(
            st.tuples(
                first_cell, st.lists(cell, min_size=width - 1, max_size=width - 1)
            ),
            max_size=8,
        )
    )

    header = [f"Column{index}" for index in range(width)]
    text = delimiter.join(
        _cell_text(n, style=style, delimiter=delimiter, quotechar=quotechar)
        for n in header
    )
    text += draw(st.sampled_from(LINE_ENDINGS))
    expected = []
    for first, rest in records:
        cells = (first, *rest)
        line = 1 + text.count("\r") + text.count("\n") - text.count("\r\n")
        expected.append((line, cells))
        text += delimiter.join(
            _cell_text(c, style=style, delimiter=delimiter, quotechar=quotechar)
            for c in cells
        )
        text += draw(st.sampled_from(LINE_ENDINGS))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")

    options = ReadOptions(encoding=encoding, delimiter=delimiter, quotechar=quotechar)
    return text.encode(encoding), options, expected


@settings(max_examples=300, deadline=None)
@given(_dialect_files())
def test_table_read_round_trip(case: tuple[bytes, ReadOptions, list]) -> None:
    data, options, expected = case
    table = table_read(data, options, max_records=MAX)
    assert [(record.line, record.cells) for record in table.records] == expected
    assert [record.number for record in table.records] == list(
        range(1, len(expected) + 1)
    )
