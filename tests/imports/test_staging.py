"""Tests of the staging service: real registers, other LMSs' files, hard rows."""

import collections
import csv
import datetime
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import override

from imports.messages import warning_message
from imports.models import ImportBatch, RejectedLine, StagedRow
from imports.reading import tags_key
from imports.selectors import review_groups
from imports.services.attachments import attachment_archive_create
from imports.services.matching import users_match
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create, import_batch_stage
from learnlinq.errors import InputRejected
from results.models import Result
from tests import factories
from tests.conftest import CASES_DIR, REALDATA_DIR
from tests.imports.conftest import StageBytes
from users.models import User

HEADER = "UserId;Timestamp;LearningActivityTitle;ResultId;Tags\r\n"
CPS_FILE = REALDATA_DIR / "cps-restraint-certifications" / "certification_history.csv"
TOTARA_DIR = REALDATA_DIR / "totara-completionimport"
MOODLE_COMPLETION = (
    REALDATA_DIR / "moodle-tool_import_completion" / "completionupload.csv"
)
MOODLE_ACTIVITY_DIR = REALDATA_DIR / "moodle-tool_uploadactivitycompletions"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\r\n" for row in rows)).encode("utf-8")


def _codes(batch: ImportBatch) -> dict[int, str]:
    return dict(batch.rejected_lines.order_by("line").values_list("line", "code"))


def _rejection(batch: ImportBatch, line: int) -> RejectedLine:
    return batch.rejected_lines.get(line=line)


# The public restraint-training register: 5,607 rows, hashed employee ids.


def _cps_rows() -> list[dict[str, str]]:
    with CPS_FILE.open(newline="", encoding="ascii") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def cps_users(db: None, tmp_path: Path) -> None:
    hashes = sorted({row["employeeHash"] for row in _cps_rows()})
    lines = ["Username;Name;Email;Importid"]
    lines += [
        f"cps{number:05d};Employee {number:05d};cps{number:05d}@example.org;{value}"
        for number, value in enumerate(hashes)
    ]
    users_file = tmp_path / "cps-users.csv"
    users_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_users", str(users_file), stdout=io.StringIO())


def _cps_stage(stage_bytes: StageBytes) -> ImportBatch:
    return stage_bytes(
        CPS_FILE.read_bytes(),
        name="certification_history.csv",
        user_field="import_id",
        delimiter=",",
        date_format="yyyy-MM-dd",
        column_map={
            "UserId": "employeeHash",
            "Timestamp": "observedDate",
            "Tags": "position",
        },
        fixed_values={"LearningActivityTitle": "Restraint training"},
        passed_column="certExpirationDate",
        passed_values=("Complete",),
    )


def _cps_expected() -> dict[str, Any]:
    # Computed with the csv module alone, without any of our code.
    first_line: dict[tuple[str, str, str], int] = {}
    not_passed: list[int] = []
    duplicates: list[int] = []
    seen_rows: set[tuple[str, ...]] = set()
    exact_repeats: list[int] = []
    for line, row in enumerate(_cps_rows(), start=2):
        cells = tuple(row.values())
        if cells in seen_rows:
            exact_repeats.append(line)
        seen_rows.add(cells)

        if row["certExpirationDate"] != "Complete":
            not_passed.append(line)
            continue
        key = (
            row["employeeHash"],
            row["position"].strip().casefold(),
            row["observedDate"],
        )
        if key in first_line:
            duplicates.append(line)
        else:
            first_line[key] = line

    groups: dict[str, set[str]] = collections.defaultdict(set)
    rows: collections.Counter[str] = collections.Counter()
    for employee, position, _date in first_line:
        groups[position].add(employee)
        rows[position] += 1
    return {
        "not_passed": not_passed,
        "duplicates": duplicates,
        "exact_repeats": exact_repeats,
        "staged": len(first_line),
        "groups": {key: (rows[key], len(groups[key])) for key in rows},
    }


@pytest.mark.usefixtures("cps_users")
def test_stage_cps_register_accounts_every_row(stage_bytes: StageBytes) -> None:
    expected = _cps_expected()

    batch = _cps_stage(stage_bytes)

    assert batch.state == ImportBatch.State.STAGED
    assert batch.rows_read == 5607
    assert batch.rows_read == batch.staged_count + batch.rejected_count
    assert batch.staged_count == expected["staged"]
    assert batch.not_passed_count == 62
    assert len(expected["not_passed"]) == 62
    assert batch.duplicate_count == len(expected["duplicates"])
    assert batch.rejected_count == 62 + len(expected["duplicates"])
    codes = _codes(batch)
    assert (
        sorted(line for line, code in codes.items() if code == "not_passed")
        == (expected["not_passed"])
    )
    assert (
        sorted(line for line, code in codes.items() if code == "duplicate_in_file")
        == (expected["duplicates"])
    )
    assert StagedRow.objects.filter(batch=batch).count() == expected["staged"]


@pytest.mark.usefixtures("cps_users")
def test_stage_cps_register_one_group_per_position(stage_bytes: StageBytes) -> None:
    expected = _cps_expected()

    batch = _cps_stage(stage_bytes)

    groups = review_groups(batch=batch)
    assert len(groups) == len(expected["groups"])
    assert {group.title for group in groups} == {"Restraint training"}
    found = {group.key.tags_key: (group.rows, group.participants) for group in groups}
    assert found == expected["groups"]


@pytest.mark.usefixtures("cps_users")
def test_stage_cps_register_bounded_queries(
    stage_bytes: StageBytes, django_assert_max_num_queries: Any
) -> None:
    # Matching and duplicate checks run per lookup kind, not per row, and the
    # 5,607 rows are inserted about 90 per statement (SQLite's bind limit),
    # so this stays near 75 statements on SQLite and fewer on PostgreSQL.
    with django_assert_max_num_queries(100):
        batch = _cps_stage(stage_bytes)

    assert batch.staged_count > 5000


@pytest.mark.usefixtures("cps_users")
def test_stage_cps_not_passed_message(stage_bytes: StageBytes) -> None:
    from django.utils.translation import override

    from imports.messages import rejection_message

    batch = _cps_stage(stage_bytes)

    line = batch.rejected_lines.filter(code="not_passed").first()
    assert line is not None
    assert line.params["value"] == "In Progress"
    with override("en"):
        message = rejection_message(line.code, line.params)
    assert message.startswith(f"Line {line.line}: status “In Progress”")


# Totara completion-import fixtures, read through the column mapping. The
# id number names the course, not one result, so it becomes a tag.

TOTARA_COURSE = {
    "user_field": "username",
    "delimiter": ",",
    "date_format": "yyyy-MM-dd",
    "column_map": {
        "UserId": "username",
        "Timestamp": "completiondate",
        "LearningActivityTitle": "courseshortname",
        "Tags": "courseidnumber",
    },
}
TOTARA_CERTIFICATION = {
    **TOTARA_COURSE,
    "column_map": {
        "UserId": "username",
        "Timestamp": "completiondate",
        "LearningActivityTitle": "certificationshortname",
        "Tags": "certificationidnumber",
    },
}


@pytest.fixture
def totara_learners(db: None) -> None:
    factories.user_create(username="learner1")
    for number in range(1, 5):
        factories.user_create(username=f"learner{number:02d}")


def _staged_values(batch: ImportBatch) -> list[tuple[int, str, str, str, list[str]]]:
    return [
        (
            row.line,
            row.learner.username,
            row.achieved_on.isoformat(),
            row.title,
            row.tags,
        )
        for row in batch.staged_rows.select_related("learner").order_by("line")
    ]


@pytest.mark.usefixtures("totara_learners")
@pytest.mark.parametrize(
    "name",
    ["course_completion_2.csv", "course_completion_CR_line_endings.csv"],
    ids=["lf-endings", "cr-only-endings"],
)
def test_stage_totara_course_rows(stage_bytes: StageBytes, name: str) -> None:
    batch = stage_bytes((TOTARA_DIR / name).read_bytes(), **TOTARA_COURSE)

    assert batch.state == ImportBatch.State.STAGED
    assert _staged_values(batch) == [
        (2, "learner1", "2015-01-01", "C1", ["1"]),
        (3, "learner1", "2015-01-01", "thisisevidence", ["notacourse"]),
    ]
    assert batch.rejected_count == 0


@pytest.mark.usefixtures("totara_learners")
@pytest.mark.parametrize(
    ("name", "staged", "rejected"),
    [
        ("course_completion_1.csv", 0, {}),
        ("course_completion_1a.csv", 0, {2: "required_missing"}),
        ("course_completion_1b.csv", 0, {2: "required_missing"}),
        ("course_completion_1c.csv", 1, {}),
        ("course_completion_1d.csv", 0, {2: "required_missing"}),
        ("course_completion_1e.csv", 1, {}),
    ],
    ids=[
        "only-empty-fields",
        "user-empty",
        "title-empty",
        "result-id-empty",
        "date-empty",
        "grade-empty",
    ],
)
def test_stage_totara_empty_values(
    stage_bytes: StageBytes, name: str, staged: int, rejected: dict[int, str]
) -> None:
    batch = stage_bytes((TOTARA_DIR / name).read_bytes(), **TOTARA_COURSE)

    assert batch.state == ImportBatch.State.STAGED
    assert batch.staged_count == staged
    assert _codes(batch) == rejected
    assert batch.rows_read == batch.staged_count + batch.rejected_count


@pytest.mark.usefixtures("totara_learners")
def test_stage_totara_empty_fields_named(stage_bytes: StageBytes) -> None:
    batch = stage_bytes(
        (TOTARA_DIR / "course_completion_1d.csv").read_bytes(), **TOTARA_COURSE
    )

    assert _rejection(batch, 2).params["fields"] == ["Timestamp"]


@pytest.mark.usefixtures("totara_learners")
def test_stage_totara_bad_columns_refused(stage_bytes: StageBytes) -> None:
    data = (TOTARA_DIR / "course_completion_badcolumns.csv").read_bytes()

    batch = stage_bytes(data, **TOTARA_COURSE)

    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_code == "column_not_found"
    assert batch.file_error_params["column"] == "courseidnumber"
    assert "badcolumn" in batch.file_error_params["present"]
    assert not StagedRow.objects.filter(batch=batch).exists()
    assert not RejectedLine.objects.filter(batch=batch).exists()


@pytest.mark.usefixtures("totara_learners")
def test_stage_totara_matching_records_duplicate(stage_bytes: StageBytes) -> None:
    data = (
        TOTARA_DIR / "certification_completion_history_matching_records.csv"
    ).read_bytes()

    batch = stage_bytes(data, **TOTARA_CERTIFICATION)

    assert _staged_values(batch) == [(2, "learner1", "2015-06-16", "cert1", ["1"])]
    assert _codes(batch) == {3: "duplicate_in_file"}
    assert _rejection(batch, 3).params["first_line"] == 2
    assert batch.duplicate_count == 1


@pytest.mark.usefixtures("totara_learners")
def test_stage_totara_similar_records_kept(stage_bytes: StageBytes) -> None:
    data = (
        TOTARA_DIR / "certification_completion_history_similar_records.csv"
    ).read_bytes()

    batch = stage_bytes(data, **TOTARA_CERTIFICATION)

    assert _staged_values(batch) == [
        (2, "learner1", "2015-05-15", "cert1", ["1"]),
        (3, "learner1", "2015-06-16", "cert1", ["1"]),
    ]
    assert batch.rejected_count == 0


@pytest.mark.usefixtures("totara_learners")
def test_stage_totara_quoted_values_unknown_user(stage_bytes: StageBytes) -> None:
    data = (TOTARA_DIR / "course_single_upload.csv").read_bytes()

    batch = stage_bytes(data, **TOTARA_COURSE)

    assert _codes(batch) == {2: "user_not_found"}
    assert _rejection(batch, 2).params["value"] == "franklin"
    assert _rejection(batch, 2).values == [
        "franklin",
        "uploadtests",
        "c1_upl",
        "2020-06-06",
        "80",
    ]


@pytest.mark.usefixtures("totara_learners")
def test_stage_totara_mismatched_fields(stage_bytes: StageBytes) -> None:
    data = (TOTARA_DIR / "certification_mismatch_fields_1.csv").read_bytes()

    batch = stage_bytes(data, **TOTARA_CERTIFICATION)

    assert _codes(batch) == {
        2: "required_missing",
        6: "user_not_found",
        7: "user_not_found",
        8: "user_not_found",
        9: "required_missing",
        12: "required_missing",
    }
    assert [line for line, *_rest in _staged_values(batch)] == [3, 4, 5, 10, 11, 13]
    assert _staged_values(batch)[1] == (4, "learner03", "2018-05-22", "CP101", ["c1"])


@pytest.mark.usefixtures("totara_learners")
def test_stage_totara_extra_column_ignored(stage_bytes: StageBytes) -> None:
    data = (TOTARA_DIR / "certification_evidence_custom_fields_3.csv").read_bytes()

    batch = stage_bytes(data, **TOTARA_CERTIFICATION)

    assert _staged_values(batch) == [(2, "learner1", "2015-01-01", "Cert1", ["1"])]


# Moodle plugin fixtures.


def test_stage_moodle_completion_day_month(db: None, stage_bytes: StageBytes) -> None:
    factories.user_create(username="student1", email="Student1@Example.com")

    batch = stage_bytes(
        MOODLE_COMPLETION.read_bytes(),
        delimiter=",",
        date_format="d/M/yyyy",
        column_map={
            "UserId": "email",
            "Timestamp": "timecompleted",
            "LearningActivityTitle": "shortname",
        },
    )

    assert _staged_values(batch) == [(2, "student1", "2022-02-11", "Cor1", [])]


def test_stage_moodle_header_spaces_matched(db: None, stage_bytes: StageBytes) -> None:
    batch = stage_bytes(
        (MOODLE_ACTIVITY_DIR / "example.csv").read_bytes(),
        user_field="username",
        delimiter=",",
        column_map={"UserId": "username", "LearningActivityTitle": "activityname"},
    )

    # The file has no date column at all, so the file is refused naming it.
    assert batch.file_error_code == "columns_missing"
    assert batch.file_error_params["missing"] == ["Timestamp"]
    assert " username" in batch.file_error_params["present"]


def test_stage_moodle_empty_file_refused(db: None, stage_bytes: StageBytes) -> None:
    batch = stage_bytes((MOODLE_ACTIVITY_DIR / "empty.csv").read_bytes(), delimiter=",")

    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_code == "empty_file"


def test_stage_moodle_one_column_refused(db: None, stage_bytes: StageBytes) -> None:
    data = (MOODLE_ACTIVITY_DIR / "notenoughcolumns.csv").read_bytes()

    batch = stage_bytes(data, delimiter=",")

    assert batch.file_error_code == "columns_missing"
    assert batch.file_error_params["missing"] == [
        "UserId",
        "Timestamp",
        "LearningActivityTitle",
    ]
    assert batch.file_error_params["present"] == ["COURSE_IDNUMBER"]


# Behaviour of single rows.


def test_stage_future_date_rejected(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    value = f"{tomorrow.day}-{tomorrow.month}-{tomorrow.year}"

    batch = stage_bytes(_csv(f"jan.devries@example.nl;{value};BHV;;"))

    assert _codes(batch) == {2: "date_in_future"}
    assert _rejection(batch, 2).params["value"] == value


def test_stage_title_too_long_rejected(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(
        _csv(
            "jan.devries@example.nl;3-2-2021;%s;;" % ("é" * 256),
            "zoe.muller@example.nl;3-2-2021;%s;;" % ("é" * 255),
        )
    )

    assert _codes(batch) == {2: "title_too_long"}
    assert _rejection(batch, 2).params["length"] == 256
    assert batch.staged_rows.get().title == "é" * 255


def test_stage_user_id_nbsp_trimmed(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(_csv("\u00a0jan.devries@example.nl\u00a0;3-2-2021;BHV;;"))

    assert batch.staged_rows.get().learner.email == "jan.devries@example.nl"


def test_stage_scientific_notation_hint(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(
        _csv("8.8E+15;3-2-2021;BHV;;"), user_field="custom_personeelsnummer"
    )

    assert _codes(batch) == {2: "user_not_found"}
    assert _rejection(batch, 2).params["hint"] == "scientific_notation"


def test_stage_leading_zeros_hint(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(
        _csv("123;3-2-2021;BHV;;"), user_field="custom_personeelsnummer"
    )

    assert _rejection(batch, 2).params["hint"] == "leading_zeros"
    assert _rejection(batch, 2).params["candidates"] == ["00123", "0123"]


def test_stage_email_ambiguous_count(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(_csv("p.smit@example.nl;3-2-2021;BHV;;"))

    assert _codes(batch) == {2: "user_ambiguous"}
    assert _rejection(batch, 2).params["count"] == 2
    assert batch.staged_count == 0


@pytest.mark.parametrize(
    ("user_field", "value"),
    [
        ("username", "jdevries"),
        ("import_id", "HR-20417"),
        ("custom_personeelsnummer", "00123"),
    ],
)
def test_stage_user_field_kinds(
    case_users: dict[str, User], stage_bytes: StageBytes, user_field: str, value: str
) -> None:
    batch = stage_bytes(_csv(f"{value};3-2-2021;BHV;;"), user_field=user_field)

    assert batch.staged_rows.get().learner.email == "jan.devries@example.nl"


def test_stage_username_exact_case(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(_csv("JDevries;3-2-2021;BHV;;"), user_field="username")

    assert _codes(batch) == {2: "user_not_found"}


def test_stage_status_case_insensitive(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (
        b"UserId;Timestamp;LearningActivityTitle;Status\r\n"
        b"jan.devries@example.nl;3-2-2021;BHV;complete\r\n"
        b"zoe.muller@example.nl;3-2-2021;BHV;In Progress\r\n"
    )

    batch = stage_bytes(data, passed_column="status", passed_values=("Complete",))

    assert _codes(batch) == {3: "not_passed"}
    assert batch.not_passed_count == 1
    assert batch.staged_count == 1


def test_stage_fixed_tags_value(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (
        b"UserId;Timestamp;Course\r\njan.devries@example.nl;3-2-2021;BHV herhaling\r\n"
    )

    batch = stage_bytes(
        data,
        column_map={"LearningActivityTitle": "Course"},
        fixed_values={"Tags": "Veiligheid | BHV"},
    )

    row = batch.staged_rows.get()
    assert row.title == "BHV herhaling"
    assert row.tags == ["Veiligheid", "BHV"]
    assert row.tags_key == tags_key(["Veiligheid", "BHV"])


def test_stage_one_column_suggests_delimiter(db: None, stage_bytes: StageBytes) -> None:
    data = b"UserId|Timestamp|LearningActivityTitle\r\njan|3-2-2021|BHV\r\n"

    batch = stage_bytes(data)

    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_params["suggested"] == "|"


# Duplicates across imports and results.


def test_stage_same_file_twice_duplicate_staged(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c17-corrected.csv").read_bytes()
    first = stage_bytes(data)

    second = stage_bytes(data)

    assert _codes(second) == {2: "duplicate_staged", 3: "duplicate_staged"}
    assert _rejection(second, 2).params["batch"] == first.pk
    assert _rejection(second, 2).params["batch_line"] == 2
    assert second.staged_count == 0


def test_stage_existing_result_duplicate(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    Result.objects.create(
        learner=case_users["jan.devries@example.nl"],
        achieved_on=datetime.date(2021, 2, 3),
        title="BHV herhaling",
        tags=["Veiligheid"],
    )

    batch = stage_bytes(
        _csv(
            "jan.devries@example.nl;3-2-2021;BHV herhaling;;veiligheid",
            "jan.devries@example.nl;4-2-2021;BHV herhaling;;veiligheid",
        )
    )

    assert _codes(batch) == {2: "duplicate_result"}
    assert _rejection(batch, 2).params["date"] == "2021-02-03"


def test_stage_existing_result_id_duplicate(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    Result.objects.create(
        learner=case_users["jan.devries@example.nl"],
        achieved_on=datetime.date(2019, 1, 1),
        title="Other",
        source_result_id="R101",
    )

    batch = stage_bytes(_csv("jan.devries@example.nl;3-2-2021;BHV;R101;"))

    assert _codes(batch) == {2: "duplicate_result"}


def test_stage_keep_policy_stages_duplicates(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c17-duplicates.csv").read_bytes()

    batch = stage_bytes(data, duplicate_policy="keep")

    assert batch.staged_count == 2
    assert _codes(batch) == {4: "result_id_reused"}
    assert batch.duplicate_count == 1
    assert [warning["code"] for warning in batch.warnings] == ["duplicate_kept_line"]
    assert batch.warnings[0]["line"] == 3
    with override("en"):
        text = warning_message("duplicate_kept_line", batch.warnings[0]["params"])
    assert text == (
        "Line 3: staged although it repeats line 2, because duplicates are kept."
    )


def test_stage_keep_policy_names_result(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    Result.objects.create(
        learner=case_users["jan.devries@example.nl"],
        achieved_on=datetime.date(2021, 2, 3),
        title="BHV herhaling",
    )

    batch = stage_bytes(
        _csv("jan.devries@example.nl;3-2-2021;BHV herhaling;;"),
        duplicate_policy="keep",
    )

    warning = batch.warnings[0]
    with override("en"):
        text = warning_message(warning["code"], warning["params"])
    assert batch.staged_count == 1
    assert warning["code"] == "duplicate_kept_result"
    assert text == (
        "Line 2: staged although it repeats the existing result “BHV herhaling” "
        "of 3-2-2021, because duplicates are kept."
    )


def test_stage_keep_policy_names_staged_row(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    row = "jan.devries@example.nl;3-2-2021;BHV herhaling;;"
    first = stage_bytes(_csv(row))

    batch = stage_bytes(_csv(row), duplicate_policy="keep")

    warning = batch.warnings[0]
    with override("en"):
        text = warning_message(warning["code"], warning["params"])
    assert warning["code"] == "duplicate_kept_staged"
    assert text == (
        f"Line 2: staged although it repeats a row waiting for review in import "
        f"{first.pk} (line 2), because duplicates are kept."
    )
    assert batch.duplicate_count == 1


def test_stage_result_id_reused_names_line(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c17-duplicates.csv").read_bytes()

    batch = stage_bytes(data)

    assert _codes(batch) == {3: "duplicate_in_file", 4: "result_id_reused"}
    assert _rejection(batch, 4).params["first_line"] == 2
    assert _rejection(batch, 4).params["value"] == "R101"


# Reader notices and alternatives the cases allow.


def test_stage_bom_with_other_encoding_warns(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c01-utf8-bom.csv").read_bytes()

    batch = stage_bytes(data, encoding="windows-1252")

    assert batch.staged_count == 1
    assert [warning["code"] for warning in batch.warnings] == ["encoding_bom_mismatch"]


def test_stage_mojibake_warning_line(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c02-utf8.csv").read_bytes()

    batch = stage_bytes(data, encoding="windows-1252")

    assert batch.staged_count == 1
    assert batch.warnings[0]["code"] == "mojibake"
    assert batch.warnings[0]["line"] == 2


def test_stage_quoted_line_break_kept(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c06-quoted-newline.csv").read_bytes()

    batch = stage_bytes(data)

    assert batch.staged_rows.order_by("line")[0].title == "Ploegleider\nmodule 2"
    assert _rejection(batch, 5).params["record"] == 3


def test_stage_serial_date_rejected(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c11-serial-dates.csv").read_bytes()

    batch = stage_bytes(data)

    assert _codes(batch) == {2: "date_serial", 3: "date_serial"}
    assert _rejection(batch, 2).params["date"] == "1-1-2020"


def test_stage_workbook_first_sheet(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c03-xlsx-named-csv.csv").read_bytes()

    batch = stage_bytes(data)

    assert batch.staged_count == 1
    assert batch.staged_rows.get().achieved_on == datetime.date(2021, 2, 3)


# Whole-file outcomes and the service contract.


def test_stage_refused_file_stages_nothing(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / "files" / "c04-comma.csv").read_bytes()

    batch = stage_bytes(data)

    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_code == "delimiter_mismatch"
    assert batch.file_error_params["suggested"] == ","
    assert batch.staged_count == 0
    assert not StagedRow.objects.filter(batch=batch).exists()
    assert not RejectedLine.objects.filter(batch=batch).exists()


def test_stage_twice_is_no_op(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    batch = stage_bytes(_csv("jan.devries@example.nl;3-2-2021;BHV;;"))

    again = import_batch_stage(batch_id=batch.pk)

    assert again.state == ImportBatch.State.STAGED
    assert again.finished_at == batch.finished_at
    assert StagedRow.objects.filter(batch=batch).count() == 1


def test_stage_file_missing_fails(
    case_users: dict[str, User], admin_user: User
) -> None:
    batch = import_batch_create(
        created_by=admin_user,
        data=ContentFile(_csv("jan.devries@example.nl;3-2-2021;BHV;;")),
        original_name="results.csv",
        settings=ImportSettings(user_field="email"),
    )
    batch.source_file.delete(save=False)

    batch = import_batch_stage(batch_id=batch.pk)

    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_code == "file_missing"


def test_stage_file_too_large_fails(
    case_users: dict[str, User], stage_bytes: StageBytes, settings: Any
) -> None:
    settings.IMPORT_MAX_CSV_BYTES = 50

    batch = stage_bytes(_csv("jan.devries@example.nl;3-2-2021;BHV;;"))

    assert batch.file_error_code == "file_too_large"
    assert batch.file_error_params["maximum"] == 50


def test_create_stores_settings_and_file(admin_user: User) -> None:
    batch = import_batch_create(
        created_by=admin_user,
        data=ContentFile(b"UserId;Timestamp\r\n"),
        original_name="../../etc/passwd.csv",
        settings=ImportSettings(
            user_field="username", duplicate_policy="keep", sheet="Blad1"
        ),
    )

    assert batch.state == ImportBatch.State.QUEUED
    assert batch.original_name == "../../etc/passwd.csv"
    stored_name = str(batch.source_file.name)
    assert stored_name.startswith("imports/")
    assert ".." not in stored_name
    assert stored_name.endswith(".csv")
    assert batch.duplicate_policy == "keep"
    assert batch.sheet_name == "Blad1"
    assert batch.size == 18


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"user_field": "custom_unknown"}, "user_field_unknown"),
        ({"user_field": "first_name"}, "user_field_unknown"),
        ({"delimiter": ";;"}, "delimiter_invalid"),
        ({"quotechar": ";"}, "quotechar_invalid"),
        ({"encoding": "klingon"}, "encoding_unknown"),
        ({"date_format": "dd-yyyy"}, "date_format_invalid"),
        ({"column_map": {"Grade": "grade"}}, "field_unknown"),
        ({"fixed_values": {"UserId": "x"}}, "fixed_value_not_allowed"),
        (
            {"column_map": {"Tags": "x"}, "fixed_values": {"Tags": "y"}},
            "field_mapped_and_fixed",
        ),
        (
            {"fixed_values": {"LearningActivityTitle": "x" * 256}},
            "fixed_value_too_long",
        ),
        ({"passed_column": "Status"}, "passed_values_missing"),
        ({"duplicate_policy": "merge"}, "duplicate_policy_unknown"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_create_rejects_bad_settings(
    admin_user: User, overrides: dict[str, Any], code: str
) -> None:
    settings = ImportSettings(**{"user_field": "email", **overrides})

    with pytest.raises(InputRejected) as caught:
        import_batch_create(
            created_by=admin_user,
            data=ContentFile(b"x"),
            original_name="results.csv",
            settings=settings,
        )

    assert caught.value.code == code
    assert not ImportBatch.objects.exists()


# Workbooks.


def _workbook(sheets: dict[str, list[tuple[Any, ...]]]) -> bytes:
    workbook = openpyxl.Workbook()
    for index, (name, rows) in enumerate(sheets.items()):
        sheet = workbook.create_sheet(name, index)
        for row in rows:
            sheet.append(row)
    del workbook["Sheet"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WORKBOOK_HEADER = ("UserId", "Timestamp", "LearningActivityTitle", "ResultId", "Tags")


def test_stage_workbook_chosen_sheet(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = _workbook(
        {
            "Info": [("Exported from the old LMS",)],
            "Results": [
                WORKBOOK_HEADER,
                ("jan.devries@example.nl", datetime.date(2021, 2, 3), "BHV"),
            ],
        }
    )

    batch = stage_bytes(data, name="results.xlsx", sheet="Results")

    row = batch.staged_rows.get()
    assert row.achieved_on == datetime.date(2021, 2, 3)
    assert row.title == "BHV"
    assert row.tags == []


def test_stage_workbook_sheet_missing(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = _workbook({"Results": [WORKBOOK_HEADER]})

    batch = stage_bytes(data, name="results.xlsx", sheet="Resultaten")

    assert batch.file_error_code == "sheet_not_found"
    assert batch.file_error_params["sheets"] == ["Results"]


def test_stage_workbook_datetime_cell(
    case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    moment = datetime.datetime(2021, 2, 3, 14, 30)
    data = _workbook(
        {"Results": [WORKBOOK_HEADER, ("zoe.muller@example.nl", moment, "EHBO")]}
    )

    batch = stage_bytes(data, name="results.xlsx")

    row = batch.staged_rows.get()
    assert row.achieved_on == datetime.date(2021, 2, 3)
    assert row.achieved_time == datetime.time(14, 30)


# Query counts of user matching.


@pytest.mark.parametrize(
    ("user_field", "values", "queries"),
    [
        ("email", ["JAN.DEVRIES@example.nl", "x@example.nl"], 1),
        ("username", ["jdevries", "nobody"], 1),
        ("import_id", ["HR-20417", "HR-1"], 1),
        ("custom_personeelsnummer", ["00123", "abc"], 1),
        # An all-digits value that is not found costs one more query, for
        # the hint about lost leading zeros.
        ("custom_personeelsnummer", ["00123", "123"], 2),
    ],
)
def test_users_match_query_count(
    case_users: dict[str, User],
    django_assert_num_queries: Any,
    user_field: str,
    values: list[str],
    queries: int,
) -> None:
    many = values * 10_000

    with django_assert_num_queries(queries):
        matches = users_match(user_field=user_field, values=many)

    assert matches[values[0]].user_id == case_users["jan.devries@example.nl"].pk
    assert matches[values[1]].code == "user_not_found"


# ResultId is required when an attachments ZIP comes with the file.


def _stage_with_zip(admin_user: User, data: bytes) -> ImportBatch:
    batch = import_batch_create(
        created_by=admin_user,
        data=ContentFile(data),
        original_name="results.csv",
        settings=ImportSettings(user_field="email"),
    )
    attachment_archive_create(
        batch=batch,
        created_by=admin_user,
        data=ContentFile(b"PK\x05\x06" + b"\x00" * 18),
        original_name="bijlagen.zip",
    )
    return import_batch_stage(batch_id=batch.pk)


def test_stage_zip_needs_result_id_column(
    case_users: dict[str, User], admin_user: User
) -> None:
    data = (
        b"UserId;Timestamp;LearningActivityTitle\r\n"
        b"jan.devries@example.nl;3-2-2021;BHV\r\n"
    )

    batch = _stage_with_zip(admin_user, data)

    assert batch.state == ImportBatch.State.FAILED
    assert batch.file_error_code == "columns_missing"
    assert batch.file_error_params["missing"] == ["ResultId"]


def test_stage_zip_needs_result_id_value(
    case_users: dict[str, User], admin_user: User
) -> None:
    data = _csv(
        "jan.devries@example.nl;3-2-2021;BHV;R101;",
        "zoe.muller@example.nl;3-2-2021;BHV;;",
    )

    batch = _stage_with_zip(admin_user, data)

    assert _codes(batch) == {3: "required_missing"}
    assert _rejection(batch, 3).params["fields"] == ["ResultId"]
    assert batch.staged_rows.get().result_id == "R101"


@pytest.mark.usefixtures("cps_users")
def test_stage_cps_exact_repeats_listed(stage_bytes: StageBytes) -> None:
    # The register repeats 284 rows cell for cell: 282 passed rows, listed as
    # duplicates of their first line, and 2 rows in progress, not passed.
    # Every duplicate of this file is such an exact repeat.
    expected = _cps_expected()

    batch = _cps_stage(stage_bytes)

    codes = _codes(batch)
    repeats = expected["exact_repeats"]
    repeated_codes = collections.Counter(codes[line] for line in repeats)
    assert len(repeats) == 284
    assert repeated_codes == {"duplicate_in_file": 282, "not_passed": 2}
    assert (
        sorted(line for line in repeats if codes[line] == "duplicate_in_file")
        == (expected["duplicates"])
    )
