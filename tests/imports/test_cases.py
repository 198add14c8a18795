"""
Stage every bad-input file that needs no attachments and no running system.

Each case names a CSV, the wizard settings and the expected outcome. Where a
case allows several correct outcomes, exactly one of them must hold: the
test picks the one whose overall outcome (file refused, counts, rejected
lines) matches and then checks all of its details.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from imports.models import ImportBatch
from tests.conftest import CASES_DIR
from tests.imports.conftest import StageBytes
from users.models import User

DEFAULT_SETTINGS = {
    "delimiter": ";",
    "quotechar": '"',
    "encoding": "utf-8",
    "date_format": "d-M-yyyy",
}


def _cases() -> list[dict[str, Any]]:
    cases = json.loads((CASES_DIR / "expected.json").read_text(encoding="utf-8"))
    seen: set[str] = set()
    chosen = []
    for case in cases:
        if case["files"].get("zip") is not None or not case["files"].get("csv"):
            continue
        if "generate_zip" in case or "generate_csv" in case:
            continue
        # Later cases reuse a file with the same settings to measure a running
        # system; staging that file once covers what staging can show.
        inputs = json.dumps([case["files"]["csv"], case["settings"]], sort_keys=True)
        if inputs in seen:
            continue
        seen.add(inputs)
        chosen.append(case)
    return chosen


def _description(case: dict[str, Any]) -> str:
    stem = Path(case["files"]["csv"]).stem.split("-", 1)[1]
    settings = case["settings"]
    parts = [stem]
    for key, default in DEFAULT_SETTINGS.items():
        if settings.get(key, default) != default:
            parts.append(f"{key} {settings[key]!r}")
    if settings["user_field"] != "email":
        parts.append("on " + settings["user_field"])
    return " ".join(parts)


CASES = _cases()


def _outcome(batch: ImportBatch) -> dict[str, Any]:
    return {
        "file_rejected": batch.state == ImportBatch.State.FAILED,
        "staged": batch.staged_count,
        "rejected": batch.rejected_count,
        "rejected_lines": list(
            batch.rejected_lines.order_by("line").values_list("line", flat=True)
        ),
    }


def _matches(expect: dict[str, Any], outcome: dict[str, Any], rows: list[Any]) -> bool:
    if any(expect[key] != outcome[key] for key in outcome):
        return False
    return _staged_values(rows, expect.get("values", [])) == expect.get("values", [])


def _expected(
    case: dict[str, Any], outcome: dict[str, Any], rows: list[Any]
) -> dict[str, Any]:
    alternatives = case["expect"].get("either")
    if alternatives is None:
        return case["expect"]
    holding = [
        alternative
        for alternative in alternatives
        if _matches(alternative, outcome, rows)
    ]
    assert len(holding) == 1, f"outcome {outcome} fits none of {alternatives}"
    return holding[0]


def _staged_values(
    rows: list[Any], expected: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return [_row_values(row, value) for row, value in zip(rows, expected, strict=False)]


def _row_values(row: Any, expected: dict[str, Any]) -> dict[str, Any]:
    values = {
        "user": row.learner.email,
        "date": row.achieved_on.isoformat(),
        "title": row.title,
        "tags": row.tags,
        "result_id": row.result_id or None,
    }
    if "time" in expected:
        values["time"] = (
            row.achieved_time.strftime("%H:%M") if row.achieved_time else None
        )
    if "line" in expected:
        values["line"] = row.line
    return values


@pytest.mark.parametrize("case", CASES, ids=[_description(case) for case in CASES])
def test_case_file_staged_as_expected(
    case: dict[str, Any], case_users: dict[str, User], stage_bytes: StageBytes
) -> None:
    data = (CASES_DIR / case["files"]["csv"]).read_bytes()
    batch = stage_bytes(data, **case["settings"])

    outcome = _outcome(batch)
    rows = list(batch.staged_rows.select_related("learner").order_by("line"))
    expect = _expected(case, outcome, rows)
    assert outcome["file_rejected"] == expect["file_rejected"], batch.file_error_code
    assert outcome["staged"] == expect["staged"]
    assert outcome["rejected"] == expect["rejected"]
    assert outcome["rejected_lines"] == expect["rejected_lines"]
    assert batch.rows_read == batch.staged_count + batch.rejected_count

    if "values" in expect:
        assert len(rows) == len(expect["values"])
        assert _staged_values(rows, expect["values"]) == expect["values"]
    for sample in expect.get("values_sample", []):
        row = next(row for row in rows if row.line == sample["line"])
        assert _row_values(row, sample) == sample

    if "warning_lines" in expect or "warning" in expect:
        warned = {warning["line"] for warning in batch.warnings}
        assert batch.warnings
        assert warned >= set(expect.get("warning_lines", []))
