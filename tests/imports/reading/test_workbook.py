import datetime
import io

import pytest
from openpyxl import Workbook

from imports.reading.workbook import (
    cell_from_excel,
    sheet_names,
    sheet_rows,
    workbook_open,
)
from learnlinq.errors import InputRejected
from tests.conftest import REALDATA_DIR


def _workbook_bytes(*, chartsheet: bool = False) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Resultaten"
    first.append(["UserId", "Timestamp", "Score"])
    first.append(["jan", datetime.datetime(2021, 2, 3), 7.0])
    first.append([None, None, None])
    first.append(["zoe", datetime.datetime(2021, 2, 4, 13, 30), 7.5])
    first["D2"] = "=C2*2"
    workbook.create_sheet("Leeg")
    if chartsheet:
        workbook.create_chartsheet("Grafiek")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("tekst", "tekst"),
        (123, "123"),
        (123.0, "123"),
        (8800000012345678.0, "8800000012345678"),
        (0.1 + 0.2, "0.3"),
        (55.5, "55.5"),
        (True, "TRUE"),
        (datetime.datetime(2021, 2, 3), datetime.date(2021, 2, 3)),
        (datetime.datetime(2021, 2, 3, 8, 15), datetime.datetime(2021, 2, 3, 8, 15)),
        (datetime.date(2021, 2, 3), datetime.date(2021, 2, 3)),
        (datetime.time(8, 15), "08:15"),
        (datetime.time(8, 15, 30), "08:15:30"),
    ],
)
def test_cell_from_excel_values(value: object, expected: object) -> None:
    assert cell_from_excel(value) == expected


def test_sheet_rows_built_workbook() -> None:
    with workbook_open(_workbook_bytes()) as workbook:
        names = sheet_names(workbook)
        rows = list(sheet_rows(workbook, None))
    assert names == ["Resultaten", "Leeg"]
    assert rows[0] == (1, ["UserId", "Timestamp", "Score", ""])
    assert rows[1][1][:3] == ["jan", datetime.date(2021, 2, 3), "7"]
    assert rows[2][0] == 3
    assert rows[3] == (4, ["zoe", datetime.datetime(2021, 2, 4, 13, 30), "7.5", ""])


def test_sheet_rows_formula_without_cached_value() -> None:
    # openpyxl saves formulas without a calculated value, so the cell is empty.
    with workbook_open(_workbook_bytes()) as workbook:
        rows = list(sheet_rows(workbook, "Resultaten"))
    assert rows[1][1][3] == ""


def test_sheet_rows_unknown_sheet() -> None:
    with (
        workbook_open(_workbook_bytes()) as workbook,
        pytest.raises(InputRejected) as caught,
    ):
        list(sheet_rows(workbook, "Onbekend"))
    assert caught.value.code == "sheet_not_found"
    assert caught.value.params == {
        "sheet": "Onbekend",
        "sheets": ["Resultaten", "Leeg"],
    }


def test_workbook_open_empty_chartsheet() -> None:
    # openpyxl 3.1 fails with AttributeError on a chart sheet without a chart.
    with (
        pytest.raises(InputRejected) as caught,
        workbook_open(_workbook_bytes(chartsheet=True)),
    ):
        pass
    assert caught.value.code == "workbook_invalid"


def test_workbook_open_damaged() -> None:
    data = _workbook_bytes()
    with pytest.raises(InputRejected) as caught, workbook_open(data[: len(data) // 2]):
        pass
    assert caught.value.code == "workbook_invalid"


def test_sheet_rows_vlookup_cached_values() -> None:
    data = (
        REALDATA_DIR
        / "excel-training-tracker-xlsx"
        / "training management and monitoring.xlsx"
    ).read_bytes()
    with workbook_open(data) as workbook:
        rows = list(sheet_rows(workbook, "bdd"))
    header = rows[0][1]
    first = rows[1][1]
    assert header[:3] == ["Matricule", "Nom", "Prénom"]
    assert not str(first[1]).startswith("=")
    assert first[1] == "BENHAMOU"
    assert isinstance(first[8], datetime.date)
