"""Tests of the mapping-step preview."""

import datetime

import pytest
from django.utils.translation import override

from imports.models import ImportBatch, RejectedLine, StagedRow
from imports.services.preview import import_preview
from imports.services.settings import ImportSettings
from learnlinq.errors import InputRejected
from tests.conftest import CASES_DIR, REALDATA_DIR
from users.models import User

EMAIL = ImportSettings(user_field="email")


def _file(name: str) -> bytes:
    return (CASES_DIR / "files" / name).read_bytes()


def test_preview_rows_with_status(case_users: dict[str, User]) -> None:
    with override("en"):
        preview = import_preview(data=_file("c07-ragged-rows.csv"), settings=EMAIL)

    assert [row.line for row in preview.rows] == [2, 3, 4]
    assert preview.rows[0].ok
    assert preview.rows[0].title == 'EHBO; reanimatie "AED"'
    assert preview.rows[0].date == datetime.date(2021, 2, 3)
    assert preview.rows[1].code == "field_count"
    assert preview.rows[1].message.startswith("Line 3: 3 fields, 5 expected.")
    assert preview.rows[2].code == "field_count"


def test_preview_writes_nothing(case_users: dict[str, User]) -> None:
    import_preview(data=_file("c16-unknown-user.csv"), settings=EMAIL)

    assert not ImportBatch.objects.exists()
    assert not StagedRow.objects.exists()
    assert not RejectedLine.objects.exists()


def test_preview_unknown_user_row(case_users: dict[str, User]) -> None:
    preview = import_preview(data=_file("c16-unknown-user.csv"), settings=EMAIL)

    assert [row.code for row in preview.rows] == ["", "user_not_found", ""]
    assert preview.rows[1].params["value"] == "piet.onbekend@example.nl"


def test_preview_limit_rows(case_users: dict[str, User]) -> None:
    settings = ImportSettings(user_field="username", delimiter=",", encoding="cp1252")

    preview = import_preview(
        data=_file("c30-wide-preview.csv"), settings=settings, limit=5
    )

    assert len(preview.rows) == 5
    assert all(row.ok for row in preview.rows)
    assert preview.record_count == 60


def test_preview_suggests_mapping_and_dialect(db: None) -> None:
    data = _file("c30-wide-preview.csv")

    preview = import_preview(
        data=data,
        settings=ImportSettings(
            user_field="username", delimiter=",", encoding="windows-1252"
        ),
    )

    assert preview.suggested_mapping == {
        "UserId": "UserId",
        "Timestamp": "Timestamp",
        "LearningActivityTitle": "LearningActivityTitle",
        "ResultId": "ResultId",
        "Tags": "Tags",
    }
    assert preview.suggestion.delimiter == ","
    assert preview.suggestion.encoding == "windows-1252"


def test_preview_header_spacing_matched(case_users: dict[str, User]) -> None:
    preview = import_preview(data=_file("c09-header-spacing-case.csv"), settings=EMAIL)

    assert preview.mapping["UserId"] == "userid "
    assert preview.mapping["Tags"] == "TAGS"
    assert preview.rows[0].tags == ["Veiligheid"]


def test_preview_mapping_error_returned(db: None) -> None:
    settings = ImportSettings(user_field="email", column_map={"UserId": "Employee"})

    preview = import_preview(data=_file("c16-unknown-user.csv"), settings=settings)

    assert preview.mapping_error_code == "column_not_found"
    assert preview.mapping_error_params["column"] == "Employee"
    assert not preview.mapped
    assert [row.line for row in preview.rows] == [2, 3, 4]
    assert preview.rows[0].code == ""
    assert preview.rows[0].date is None
    assert preview.header[0] == "UserId"


UNMAPPED_FILES = [
    # (file under REALDATA_DIR, delimiter, data rows, first row's first cells)
    (
        "cps-restraint-certifications/certification_history.csv",
        ",",
        None,
        ["ADDAMS", "609772", "484", "Complete"],
    ),
    (
        "totara-completionimport/course_completion_CR_line_endings.csv",
        ",",
        2,
        ["learner1", "C1", "1", "2015-01-01"],
    ),
    (
        "excel-training-tracker-xlsx/training management and monitoring.xlsx",
        ";",
        454,
        None,
    ),
]


@pytest.mark.parametrize(("name", "delimiter", "count", "first"), UNMAPPED_FILES)
def test_preview_unmapped_header_raw_rows(
    db: None, name: str, delimiter: str, count: int | None, first: list[str] | None
) -> None:
    settings = ImportSettings(
        user_field="email", delimiter=delimiter, date_format="yyyy-MM-dd"
    )

    preview = import_preview(data=(REALDATA_DIR / name).read_bytes(), settings=settings)

    assert preview.mapping_error_code == "columns_missing"
    assert not preview.mapped
    assert len(preview.rows) == min(20, preview.record_count)
    assert preview.rows[0].line == 2
    assert len(preview.rows[0].cells) == len(preview.header)
    if count is not None:
        assert preview.record_count == count
    if first is not None:
        assert preview.rows[0].cells[: len(first)] == first


def test_preview_mapped_cps_file_rows_checked(db: None) -> None:
    data = (
        REALDATA_DIR / "cps-restraint-certifications" / "certification_history.csv"
    ).read_bytes()
    settings = ImportSettings(
        user_field="import_id",
        delimiter=",",
        date_format="yyyy-MM-dd",
        column_map={"UserId": "employeeHash", "Timestamp": "observedDate"},
        fixed_values={"LearningActivityTitle": "CPS restraint"},
    )

    with override("en"):
        preview = import_preview(data=data, settings=settings, limit=3)

    assert preview.mapped
    assert [row.code for row in preview.rows] == ["user_not_found"] * 3
    assert preview.rows[0].message.startswith("Line 2:")


def test_preview_ambiguous_dates_notice(db: None) -> None:
    data = (
        REALDATA_DIR / "moodle-tool_import_completion" / "completionupload.csv"
    ).read_bytes()
    settings = ImportSettings(
        user_field="email",
        delimiter=",",
        date_format="d/M/yyyy",
        column_map={
            "UserId": "email",
            "Timestamp": "timecompleted",
            "LearningActivityTitle": "shortname",
        },
    )

    preview = import_preview(data=data, settings=settings)

    assert preview.date_format_ambiguous
    assert "d/M/yyyy" in preview.date_formats
    assert "M/d/yyyy" in preview.date_formats
    assert preview.warnings[-1]["code"] == "date_format_ambiguous"


def test_preview_unambiguous_dates(case_users: dict[str, User]) -> None:
    preview = import_preview(data=_file("c12-date-padding.csv"), settings=EMAIL)

    assert not preview.date_format_ambiguous


def test_preview_unreadable_file_raises(db: None) -> None:
    with pytest.raises(InputRejected) as caught:
        import_preview(data=_file("c02-windows-1252.csv"), settings=EMAIL)

    assert caught.value.code == "encoding_invalid"
    assert caught.value.params["line"] == 2
