"""
Training trackers kept in Excel, staged through the staging service.

Two real workbooks are used. The first is a French tracker with one row per
planned or completed training, whose learners are matched on a free field.
The second is a training dashboard in a raw and a cleaned version, whose
learners are matched on ImportID. Every expected number is computed from the
workbooks with openpyxl alone.
"""

import collections
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from imports.models import ImportBatch, StagedRow
from imports.services.rollback import import_batch_discard
from tests.conftest import REALDATA_DIR
from tests.imports.conftest import StageBytes
from users.models import User

pytestmark = [
    pytest.mark.django_db,
    # The tracker's drop-down lists use a data validation extension that
    # openpyxl 3.1 drops with this warning. Cell values are not affected.
    pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning"),
]

TRACKER_FILE = (
    REALDATA_DIR
    / "excel-training-tracker-xlsx"
    / "training management and monitoring.xlsx"
)
DASHBOARD_DIR = REALDATA_DIR / "training-dashboard-xlsx"
CLEANED_FILE = DASHBOARD_DIR / "Training cleanned data.xlsx"
RAW_FILE = DASHBOARD_DIR / "Training original data.xlsx"

# The raw dashboard's status header has a line break typed in the cell.
RAW_STATUS_HEADER = "Trạng thái\nyêu cầu"

TRACKER_SETTINGS: dict[str, Any] = {
    "user_field": "custom_matricule",
    "sheet": "bdd",
    "column_map": {
        "UserId": "Matricule",
        "Timestamp": "date (fin)",
        "LearningActivityTitle": "formation",
    },
    "passed_column": "état",
    "passed_values": ("réalisée",),
}
CLEANED_SETTINGS: dict[str, Any] = {
    "user_field": "import_id",
    "sheet": "TrainingProgress",
    "column_map": {
        "UserId": "EmployeeID",
        "Timestamp": "End Date",
        "LearningActivityTitle": "Training Content",
    },
    "passed_column": "Status",
    "passed_values": ("Done",),
}
RAW_SETTINGS: dict[str, Any] = {
    **CLEANED_SETTINGS,
    "column_map": {**CLEANED_SETTINGS["column_map"], "UserId": "EmpHoyeeID"},
    "passed_column": RAW_STATUS_HEADER,
}

StagedValues = tuple[str, datetime.date, str]


@dataclass(frozen=True)
class SheetFacts:
    """What staging must make of a sheet, computed without our code."""

    rows: int
    # Sheet row number -> (UserId value, date, title) of a staged row.
    staged: dict[int, StagedValues]
    # Sheet row number -> rejection code.
    rejected: dict[int, str]


def _sheet_records(path: Path, sheet: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (sheet row number, header -> value) for each filled row."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook[sheet].iter_rows(values_only=True)
        header = [str(name) for name in next(rows)]
        for number, values in enumerate(rows, start=2):
            if any(value not in (None, "") for value in values):
                yield number, dict(zip(header, values, strict=False))
    finally:
        workbook.close()


def _sheet_header(path: Path, sheet: str) -> list[str]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        header = next(workbook[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()
    return [str(name) for name in header]


def _sheet_facts(
    path: Path, settings: dict[str, Any], *, known_ids: set[str]
) -> SheetFacts:
    """
    Apply the import's rules to a sheet, in the importer's order of checks.

    A row is not passed unless its status, trimmed and casefolded, is a passed
    value. Then its UserId must belong to a known learner. Then it repeats an
    earlier staged row when the learner, the trimmed title and the date are
    the same.
    """
    columns = settings["column_map"]
    passed = {value.casefold() for value in settings["passed_values"]}
    staged: dict[int, StagedValues] = {}
    rejected: dict[int, str] = {}
    seen: set[StagedValues] = set()
    count = 0
    for number, record in _sheet_records(path, settings["sheet"]):
        count += 1
        status = str(record[settings["passed_column"]] or "").strip().casefold()
        user_value = str(record[columns["UserId"]]).strip()
        moment = record[columns["Timestamp"]]
        assert isinstance(moment, datetime.datetime), (number, moment)
        values = (
            user_value,
            moment.date(),
            str(record[columns["LearningActivityTitle"]]).strip(),
        )
        if status not in passed:
            rejected[number] = "not_passed"
        elif user_value not in known_ids:
            rejected[number] = "user_not_found"
        elif values in seen:
            rejected[number] = "duplicate_in_file"
        else:
            seen.add(values)
            staged[number] = values
    return SheetFacts(rows=count, staged=staged, rejected=rejected)


def _users_import(tmp_path: Path, lines: list[str]) -> None:
    users_file = tmp_path / "learners.csv"
    users_file.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    output = io.StringIO()
    call_command("import_users", str(users_file), "--json", stdout=output)
    report = json.loads(output.getvalue())
    assert report["rejected"] == 0
    assert report["created"] == len(lines) - 1


@pytest.fixture
def tracker_learners(db: None, tmp_path: Path) -> dict[str, User]:
    """The staff of the tracker's HR sheet, with the matricule as a free field."""
    lines = ["Username;Name;Email;custom_matricule"]
    for _number, record in _sheet_records(TRACKER_FILE, "RH"):
        matricule = str(record["Matricule"])
        name = f"{record['Prénom']} {record['Nom']}"
        lines.append(f"staff-{matricule.lower()};{name};;{matricule}")
    _users_import(tmp_path, lines)
    return {
        user.username.removeprefix("staff-").upper(): user
        for user in User.objects.filter(username__startswith="staff-")
    }


@pytest.fixture
def dashboard_learners(db: None, tmp_path: Path) -> dict[str, User]:
    """The cleaned dashboard's learner list, with the employee id as ImportID."""
    ids = sorted(
        {
            str(record["Employee ID"])
            for _number, record in _sheet_records(CLEANED_FILE, "ListofLearners")
        }
    )
    lines = ["Username;Name;Email;Importid"]
    lines += [f"{value.lower()};Employee {value};;{value}" for value in ids]
    _users_import(tmp_path, lines)
    return {
        str(user.import_id): user for user in User.objects.filter(import_id__in=ids)
    }


def _stage(
    stage_bytes: StageBytes, path: Path, settings: dict[str, Any]
) -> ImportBatch:
    return stage_bytes(path.read_bytes(), name=path.name, **settings)


def _staged_values(batch: ImportBatch) -> dict[int, tuple[int, datetime.date, str]]:
    return {
        row.line: (row.learner_id, row.achieved_on, row.title)
        for row in StagedRow.objects.filter(batch=batch)
    }


def _expected_values(
    facts: SheetFacts, learners: dict[str, User]
) -> dict[int, tuple[int, datetime.date, str]]:
    return {
        line: (learners[user_value].pk, date, title)
        for line, (user_value, date, title) in facts.staged.items()
    }


def _rejected_codes(batch: ImportBatch) -> dict[int, str]:
    return dict(batch.rejected_lines.values_list("line", "code"))


# The French tracker: état "réalisée" is done, "prévue" is planned.


def test_tracker_accounts_every_row(
    stage_bytes: StageBytes, tracker_learners: dict[str, User]
) -> None:
    facts = _sheet_facts(
        TRACKER_FILE, TRACKER_SETTINGS, known_ids=set(tracker_learners)
    )

    batch = _stage(stage_bytes, TRACKER_FILE, TRACKER_SETTINGS)

    codes = collections.Counter(facts.rejected.values())
    assert batch.state == ImportBatch.State.STAGED
    assert facts.rows == 454
    assert batch.rows_read == facts.rows
    assert batch.rows_read == batch.staged_count + batch.rejected_count
    assert batch.staged_count == len(facts.staged)
    assert batch.not_passed_count == codes["not_passed"]
    assert codes["not_passed"] == 53
    assert batch.duplicate_count == codes["duplicate_in_file"]
    assert _rejected_codes(batch) == facts.rejected
    assert _staged_values(batch) == _expected_values(facts, tracker_learners)


def test_tracker_excel_dates_sample(
    stage_bytes: StageBytes, tracker_learners: dict[str, User]
) -> None:
    batch = _stage(stage_bytes, TRACKER_FILE, TRACKER_SETTINGS)

    completed = batch.staged_rows.get(line=454)
    accounting = batch.staged_rows.get(line=453)
    apostrophe = batch.staged_rows.get(line=55)
    assert completed.learner == tracker_learners["052-CC"]
    assert completed.achieved_on == datetime.date(2014, 8, 17)
    assert completed.achieved_time is None
    assert completed.title == "Gestes de premiers secours"
    assert accounting.learner == tracker_learners["073-CK"]
    assert accounting.achieved_on == datetime.date(2014, 8, 18)
    assert accounting.title == "Comptabilité commerciale"
    assert apostrophe.title == "Animation d\u2019un groupe"


def test_tracker_planned_rows_not_passed(
    stage_bytes: StageBytes, tracker_learners: dict[str, User]
) -> None:
    batch = _stage(stage_bytes, TRACKER_FILE, TRACKER_SETTINGS)

    planned = batch.rejected_lines.get(line=2)
    assert planned.code == "not_passed"
    assert planned.params["value"] == "prévue"
    assert planned.params["column"] == "état"
    assert planned.params["passed"] == ["réalisée"]
    assert batch.rejected_lines.get(line=455).code == "not_passed"
    assert not batch.staged_rows.filter(line__in=[2, 3, 455]).exists()


# The training dashboard, raw and cleaned: Done, Learning, Cancel or blank.


@pytest.mark.parametrize(
    ("path", "import_settings"),
    [(CLEANED_FILE, CLEANED_SETTINGS), (RAW_FILE, RAW_SETTINGS)],
    ids=["cleaned", "raw"],
)
def test_dashboard_accounts_every_row(
    stage_bytes: StageBytes,
    dashboard_learners: dict[str, User],
    path: Path,
    import_settings: dict[str, Any],
) -> None:
    facts = _sheet_facts(path, import_settings, known_ids=set(dashboard_learners))

    batch = _stage(stage_bytes, path, import_settings)

    codes = collections.Counter(facts.rejected.values())
    assert batch.state == ImportBatch.State.STAGED
    assert facts.rows == 4464
    assert batch.rows_read == facts.rows
    assert batch.rows_read == batch.staged_count + batch.rejected_count
    assert batch.staged_count == len(facts.staged)
    assert batch.not_passed_count == codes["not_passed"]
    assert batch.duplicate_count == codes["duplicate_in_file"]
    assert _rejected_codes(batch) == facts.rejected
    assert _staged_values(batch) == _expected_values(facts, dashboard_learners)


def test_dashboard_excel_dates_sample(
    stage_bytes: StageBytes, dashboard_learners: dict[str, User]
) -> None:
    batch = _stage(stage_bytes, CLEANED_FILE, CLEANED_SETTINGS)

    first = batch.staged_rows.get(line=2)
    abroad = batch.staged_rows.get(line=4)
    assert first.learner == dashboard_learners["E119034O"]
    assert first.achieved_on == datetime.date(2024, 3, 24)
    assert first.achieved_time is None
    assert first.title == "Effective teamwork skill"
    # The end date, not the start date (28 February), is the date achieved.
    assert abroad.achieved_on == datetime.date(2024, 3, 12)
    assert abroad.title == "Problem solving through AI & IoT"


@pytest.mark.parametrize(("line", "status"), [(4465, "Learning"), (4463, "Learning")])
def test_dashboard_learning_not_passed(
    stage_bytes: StageBytes,
    dashboard_learners: dict[str, User],
    line: int,
    status: str,
) -> None:
    batch = _stage(stage_bytes, CLEANED_FILE, CLEANED_SETTINGS)

    rejected = batch.rejected_lines.get(line=line)
    assert rejected.code == "not_passed"
    assert rejected.params["value"] == status
    assert rejected.params["column"] == "Status"


def test_dashboard_cancelled_not_passed(
    stage_bytes: StageBytes, dashboard_learners: dict[str, User]
) -> None:
    cancelled = [
        number
        for number, record in _sheet_records(CLEANED_FILE, "TrainingProgress")
        if record["Status"] == "Cancel"
    ]

    batch = _stage(stage_bytes, CLEANED_FILE, CLEANED_SETTINGS)

    assert len(cancelled) == 14
    rejected = batch.rejected_lines.filter(line__in=cancelled)
    assert {line.code for line in rejected} == {"not_passed"}
    assert {line.params["value"] for line in rejected} == {"Cancel"}
    assert rejected.count() == len(cancelled)


def test_dashboard_raw_and_cleaned_agree(
    stage_bytes: StageBytes, admin_user: User, dashboard_learners: dict[str, User]
) -> None:
    raw_status = {
        number: record[RAW_STATUS_HEADER]
        for number, record in _sheet_records(RAW_FILE, "TrainingProgress")
    }

    raw = _stage(stage_bytes, RAW_FILE, RAW_SETTINGS)
    raw_rows = _staged_values(raw)
    raw_codes = _rejected_codes(raw)
    # A waiting staged row makes the same row of a later import a duplicate,
    # so the raw import is discarded before the cleaned one is staged.
    import_batch_discard(batch=raw, discarded_by=admin_user)
    cleaned = _stage(stage_bytes, CLEANED_FILE, CLEANED_SETTINGS)
    cleaned_rows = _staged_values(cleaned)

    raw_values = set(raw_rows.values())
    assert raw_values <= set(cleaned_rows.values())
    # The cleaning filled in blank statuses and corrected three employee ids.
    # Every row that only the cleaned version stages is therefore one that the
    # raw version rejects for a blank status or an unknown employee id.
    only_cleaned = {
        line for line, values in cleaned_rows.items() if values not in raw_values
    }
    assert only_cleaned
    assert {raw_codes[line] for line in only_cleaned} == {
        "not_passed",
        "user_not_found",
    }
    blank = [line for line in only_cleaned if raw_codes[line] == "not_passed"]
    assert {raw_status[line] for line in blank} == {None}
    unknown = [line for line in only_cleaned if raw_codes[line] == "user_not_found"]
    # The third corrected id is on a row still in progress, so not passed.
    assert len(unknown) == 2


def test_dashboard_raw_unknown_ids_rejected(
    stage_bytes: StageBytes, dashboard_learners: dict[str, User]
) -> None:
    batch = _stage(stage_bytes, RAW_FILE, RAW_SETTINGS)

    unknown = batch.rejected_lines.filter(code="user_not_found").order_by("line")
    assert [line.params["value"] for line in unknown] == [
        "E102005S",
        "E116049C",
    ]
    assert {line.params["field"] for line in unknown} == {"ImportID"}


def test_dashboard_status_header_typed_on_one_line(
    stage_bytes: StageBytes, dashboard_learners: dict[str, User]
) -> None:
    facts = _sheet_facts(RAW_FILE, RAW_SETTINGS, known_ids=set(dashboard_learners))

    batch = _stage(
        stage_bytes,
        RAW_FILE,
        {**RAW_SETTINGS, "passed_column": "Trạng thái yêu cầu"},
    )

    codes = collections.Counter(facts.rejected.values())
    assert batch.state == ImportBatch.State.STAGED
    assert batch.staged_count == len(facts.staged)
    assert batch.not_passed_count == codes["not_passed"]


def test_dashboard_default_sheet_rejected(
    stage_bytes: StageBytes, dashboard_learners: dict[str, User]
) -> None:
    # Without a sheet the first one is read: the course list, not the progress.
    courses_header = _sheet_header(CLEANED_FILE, "ListofCourses")

    batch = _stage(stage_bytes, CLEANED_FILE, {**CLEANED_SETTINGS, "sheet": None})

    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_code == "column_not_found"
    assert batch.file_error_params == {
        "field": "UserId",
        "column": "EmployeeID",
        "present": courses_header,
    }
    assert batch.rows_read == 0
    assert not batch.staged_rows.exists()
