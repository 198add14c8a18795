# Test data contains en dashes and other look-alike characters on purpose.
# ruff: noqa: RUF001
import datetime

import pytest

from imports.reading import DATE_FORMATS, date_format_compile, date_formats_matching
from learnlinq.errors import InputRejected

D = datetime.date
T = datetime.time


@pytest.mark.parametrize(
    ("notation", "value", "expected"),
    [
        ("d-M-yyyy", "5-4-2021", (D(2021, 4, 5), None)),
        ("d-M-yyyy", "13-4-2021", (D(2021, 4, 13), None)),
        ("d-M-yyyy", "01-02-2020", (D(2020, 2, 1), None)),
        ("d-M-yyyy", "1-2-2020", (D(2020, 2, 1), None)),
        ("d-M-yyyy", " 1-2-2020 ", (D(2020, 2, 1), None)),
        ("d-M-yyyy", "\u00a01-2-2020\u00a0", (D(2020, 2, 1), None)),
        ("d-M-yyyy", "29-2-2020", (D(2020, 2, 29), None)),
        ("d-M-yyyy", "27-3-2021", (D(2021, 3, 27), None)),
        ("d-M-yyyy", "31-10-2021", (D(2021, 10, 31), None)),
        ("dd-MM-yyyy", "05-04-2021", (D(2021, 4, 5), None)),
        ("yyyy-MM-dd", "2021-04-05", (D(2021, 4, 5), None)),
        ("d/M/yyyy", "5/4/2021", (D(2021, 4, 5), None)),
        ("M/d/yyyy", "4/5/2021", (D(2021, 4, 5), None)),
        ("d.M.yyyy", "5.4.2021", (D(2021, 4, 5), None)),
        ("M-d-yyyy", "4-5-2021", (D(2021, 4, 5), None)),
        ("d-M-yyyy H:mm", "5-4-2021 9:05", (D(2021, 4, 5), T(9, 5))),
        ("d-M-yyyy H:mm", "5-4-2021 09:05", (D(2021, 4, 5), T(9, 5))),
        ("d-M-yyyy H:mm:ss", "5-4-2021 23:59:59", (D(2021, 4, 5), T(23, 59, 59))),
        ("dd-MM-yyyy HH:mm", "05-04-2021 14:30", (D(2021, 4, 5), T(14, 30))),
        ("yyyy-MM-ddTHH:mm:ss", "2021-04-05T14:30:00", (D(2021, 4, 5), T(14, 30))),
    ],
)
def test_date_parse_valid(notation: str, value: str, expected: tuple) -> None:
    assert date_format_compile(notation).parse(value) == expected


@pytest.mark.parametrize(
    ("notation", "value", "code"),
    [
        ("d-M-yyyy", "", "date_missing"),
        ("d-M-yyyy", "   ", "date_missing"),
        ("d-M-yyyy", "f2", "date_invalid"),
        ("d-M-yyyy", "4/5/2021", "date_invalid"),
        ("d-M-yyyy", "5-4-2021 10:00", "date_invalid"),
        ("d-M-yyyy", "5-4-20211", "date_invalid"),
        ("d-M-yyyy", "٥-٤-٢٠٢١", "date_invalid"),
        ("dd-MM-yyyy", "5-4-2021", "date_invalid"),
        ("d-M-yyyy H:mm", "5-4-2021", "date_invalid"),
        ("d-M-yyyy", "31-2-2020", "date_impossible"),
        ("d-M-yyyy", "29-2-2021", "date_impossible"),
        ("d-M-yyyy", "0-1-2021", "date_impossible"),
        ("d-M-yyyy", "1-13-2021", "date_impossible"),
        ("d-M-yyyy H:mm", "1-1-2021 24:00", "date_impossible"),
        ("d-M-yyyy H:mm", "1-1-2021 10:60", "date_impossible"),
        ("d-M-yyyy", "43831", "date_serial"),
        ("d-M-yyyy", "44197,5", "date_serial"),
        ("d-M-yyyy", "44197.5", "date_serial"),
        ("d-M-yyyy", "5-4-21", "date_two_digit_year"),
        ("d/M/yyyy", "5/4/21", "date_two_digit_year"),
        ("d-M-yyyy", "1-1-1899", "date_too_early"),
        ("d-M-yyyy", "1-1-0001", "date_too_early"),
    ],
)
def test_date_parse_rejects(notation: str, value: str, code: str) -> None:
    with pytest.raises(InputRejected) as caught:
        date_format_compile(notation).parse(value)
    assert caught.value.code == code
    assert caught.value.params["format"] == notation
    assert caught.value.params["value"] == value.strip()


@pytest.mark.parametrize(
    ("notation", "value", "date"),
    [
        ("d-M-yyyy", "43831", "1-1-2020"),
        ("d-M-yyyy", "44197,5", "1-1-2021 12:00"),
        ("d-M-yyyy", "44197.5", "1-1-2021 12:00"),
        ("dd-MM-yyyy", "43831", "01-01-2020"),
        ("yyyy-MM-dd", "43831", "2020-01-01"),
        ("d-M-yyyy H:mm", "44197.25", "1-1-2021 6:00"),
    ],
)
def test_date_parse_serial_hint(notation: str, value: str, date: str) -> None:
    with pytest.raises(InputRejected) as caught:
        date_format_compile(notation).parse(value)
    assert caught.value.params["date"] == date


def test_date_parse_invalid_names_pattern() -> None:
    with pytest.raises(InputRejected) as caught:
        date_format_compile("d-M-yyyy").parse("4/5/2021")
    assert caught.value.params == {"value": "4/5/2021", "format": "d-M-yyyy"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(2021, 3, 28), (D(2021, 3, 28), None)),
        (datetime.datetime(2021, 3, 28, 2, 30), (D(2021, 3, 28), T(2, 30))),
        (
            datetime.datetime(2021, 3, 28, 2, 30, tzinfo=datetime.UTC),
            (D(2021, 3, 28), T(2, 30)),
        ),
    ],
)
def test_date_parse_cells_as_is(value: datetime.date, expected: tuple) -> None:
    assert date_format_compile("d-M-yyyy").parse(value) == expected


def test_date_parse_early_cell() -> None:
    with pytest.raises(InputRejected) as caught:
        date_format_compile("d-M-yyyy").parse(D(1850, 1, 1))
    assert caught.value.code == "date_too_early"


@pytest.mark.parametrize("notation", DATE_FORMATS)
def test_date_formats_all_compile(notation: str) -> None:
    date_format = date_format_compile(notation)
    time = T(9, 5) if date_format.has_time else None
    sample = date_format.format(D(2020, 2, 1), time)
    assert date_format.parse(sample)[0] == D(2020, 2, 1)


@pytest.mark.parametrize("notation", DATE_FORMATS)
def test_date_formats_reject_junk(notation: str) -> None:
    date_format = date_format_compile(notation)
    for value in ("f2", "31-2-2020", "2020", "43831"):
        with pytest.raises(InputRejected):
            date_format.parse(value)


@pytest.mark.parametrize("notation", DATE_FORMATS)
def test_date_formats_impossible_day(notation: str) -> None:
    date_format = date_format_compile(notation)
    valid = date_format.format(
        D(2020, 2, 28), T(10, 0) if date_format.has_time else None
    )
    impossible = valid.replace("28", "31", 1)
    with pytest.raises(InputRejected) as caught:
        date_format.parse(impossible)
    assert caught.value.code == "date_impossible"


@pytest.mark.parametrize(
    ("notation", "code", "params"),
    [
        ("d-M-yy", "date_format_two_digit_year", {"format": "d-M-yy"}),
        ("d-M", "date_format_invalid", {"format": "d-M", "part": "year"}),
        ("d-M-yyyy-d", "date_format_invalid", {"format": "d-M-yyyy-d", "part": "day"}),
        (
            "d-M-yyyy H",
            "date_format_invalid",
            {"format": "d-M-yyyy H", "part": "minute"},
        ),
        (
            "d-M-yyyy mm",
            "date_format_invalid",
            {"format": "d-M-yyyy mm", "part": "hour"},
        ),
        ("d-m-jjjj", "date_format_invalid", {"format": "d-m-jjjj", "part": "m-jjjj"}),
        ("%d-%m-%Y", "date_format_invalid", {"format": "%d-%m-%Y", "part": "%d-%m-%Y"}),
    ],
)
def test_date_format_compile_rejects(notation: str, code: str, params: dict) -> None:
    with pytest.raises(InputRejected) as caught:
        date_format_compile(notation)
    assert caught.value.code == code
    assert caught.value.params == params


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["5-4-2021"], ["d-M-yyyy", "M-d-yyyy"]),
        (["5-4-2021", "13-4-2021"], ["d-M-yyyy"]),
        (["05-04-2021", "13-04-2021"], ["d-M-yyyy"]),
        (["4/5/2021", "4/13/2021"], ["M/d/yyyy"]),
        (["5/4/2021"], ["d/M/yyyy", "M/d/yyyy"]),
        (["2021-04-05", ""], ["yyyy-MM-dd"]),
        (["5-4-2021 9:05"], ["d-M-yyyy H:mm", "M-d-yyyy H:mm"]),
        (["5-4-2021", "4/5/2021"], []),
        (["43831"], []),
        (["", " "], []),
        ([D(2021, 4, 5)], []),
    ],
)
def test_date_formats_matching_cases(values: list, expected: list[str]) -> None:
    assert date_formats_matching(values) == expected
