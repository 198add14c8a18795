"""
The public restraint-training register taken end to end, by two paths.

The learners are created with ``import_users`` from the register's hashed
employee ids. The register is then staged through the web wizard or through
``manage.py import_results --json``. After staging, the review page is read
and every group is activated into one new External Result. Every expected
number is computed from the file with the csv module alone.
"""

import collections
import csv
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from imports.models import Activation, ImportBatch, StagedRow
from imports.selectors import review_groups
from imports.services.activation import activation_create
from imports.services.activation_run import activation_run
from imports.services.staging import import_batch_stage
from results.models import ExternalResult, Result
from tests.conftest import REALDATA_DIR
from tests.imports.test_views_wizard import (
    MANAGEMENT_FIELD,
    WIZARD_URL,
    current_step,
    mapping_data,
    upload_data,
)
from users.models import User

pytestmark = pytest.mark.django_db

REGISTER_FILE = (
    REALDATA_DIR / "cps-restraint-certifications" / "certification_history.csv"
)
TITLE = "Fysieke interventie"
LIBRARY_TITLE = "Fysieke interventie (CPS-register)"
# Every line ends with CRLF and no cell contains a line break, so the record
# after the header on line 1 starts on line 2.
FIRST_DATA_LINE = 2


@dataclass(frozen=True)
class RegisterFacts:
    """What staging must make of the register, computed without our code."""

    rows: int
    not_passed_lines: list[int]
    duplicate_lines: list[int]
    staged_lines: list[int]
    # Position as written -> (staged rows, distinct learners).
    groups: dict[str, tuple[int, int]]
    # Employee hash -> positions of that employee's staged rows.
    positions_by_employee: dict[str, set[str]]


def _register_rows() -> list[dict[str, str]]:
    with REGISTER_FILE.open(newline="", encoding="ascii") as handle:
        return list(csv.DictReader(handle))


def _register_facts() -> RegisterFacts:
    """
    Apply the import's rules to the register with the csv module.

    A row is passed when its status reads ``Complete``, ignoring case and
    edge spaces. A passed row repeats an earlier one when the learner, the
    position (ignoring case) and the date are the same, because the title is
    fixed and the position is the only tag.
    """
    not_passed: list[int] = []
    duplicates: list[int] = []
    first_line: dict[tuple[str, str, str], int] = {}
    positions: dict[str, str] = {}
    for line, row in enumerate(_register_rows(), start=FIRST_DATA_LINE):
        if row["certExpirationDate"].strip().casefold() != "complete":
            not_passed.append(line)
            continue
        position = row["position"].strip()
        key = (row["employeeHash"], position.casefold(), row["observedDate"])
        if key in first_line:
            duplicates.append(line)
            continue
        first_line[key] = line
        positions.setdefault(position.casefold(), position)

    rows: collections.Counter[str] = collections.Counter()
    learners: dict[str, set[str]] = collections.defaultdict(set)
    by_employee: dict[str, set[str]] = collections.defaultdict(set)
    for employee, folded, _date in first_line:
        position = positions[folded]
        rows[position] += 1
        learners[position].add(employee)
        by_employee[employee].add(position)

    return RegisterFacts(
        rows=len(_register_rows()),
        not_passed_lines=not_passed,
        duplicate_lines=duplicates,
        staged_lines=sorted(first_line.values()),
        groups={
            position: (rows[position], len(learners[position])) for position in rows
        },
        positions_by_employee=dict(by_employee),
    )


@pytest.fixture(scope="module")
def facts() -> RegisterFacts:
    return _register_facts()


@pytest.fixture
def register_learners(db: None, tmp_path: Path) -> dict[str, User]:
    """Create one learner per employee hash with ``import_users``, keyed by hash."""
    hashes = sorted({row["employeeHash"] for row in _register_rows()})
    lines = ["Username;Name;Email;Importid"]
    lines += [
        f"cps{number:05d};CPS employee {number:05d};;{value}"
        for number, value in enumerate(hashes, start=1)
    ]
    users_file = tmp_path / "cps-learners.csv"
    users_file.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    output = io.StringIO()
    call_command("import_users", str(users_file), "--json", stdout=output)

    report = json.loads(output.getvalue())
    assert report["created"] == len(hashes)
    assert report["rejected"] == 0
    return {
        str(user.import_id): user for user in User.objects.filter(import_id__in=hashes)
    }


def _wizard_import(client: Client) -> ImportBatch:
    """Walk the wizard with the register, then stage it in this process."""
    upload = SimpleUploadedFile(REGISTER_FILE.name, REGISTER_FILE.read_bytes())
    client.get(WIZARD_URL)
    mapping_step = client.post(
        WIZARD_URL,
        upload_data(
            upload,
            user_field="import_id",
            delimiter=",",
            encoding="utf-8",
            date_format="yyyy-MM-dd",
        ),
    )
    assert current_step(mapping_step) == "mapping"

    confirm_step = client.post(
        WIZARD_URL,
        mapping_data(
            column_UserId="employeeHash",
            column_Timestamp="observedDate",
            column_LearningActivityTitle="",
            column_ResultId="",
            column_Tags="position",
            title_fixed=TITLE,
            passed_column="certExpirationDate",
            passed_values="Complete",
        ),
    )
    assert current_step(confirm_step) == "confirm"

    done = client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
    )
    assert done.status_code == 302
    batch = ImportBatch.objects.get()
    return import_batch_stage(batch_id=batch.pk)


def _command_import(owner: User) -> tuple[ImportBatch, dict]:
    """Stage the register with ``import_results --json`` and parse its output."""
    output = io.StringIO()
    call_command(
        "import_results",
        str(REGISTER_FILE),
        "--user-field=import_id",
        "--delimiter=,",
        "--encoding=utf-8",
        "--date-format=yyyy-MM-dd",
        "--map=UserId=employeeHash",
        "--map=Timestamp=observedDate",
        "--map=Tags=position",
        f"--fixed=LearningActivityTitle={TITLE}",
        "--passed-column=certExpirationDate",
        "--passed-values=Complete",
        f"--as={owner.username}",
        "--json",
        stdout=output,
    )
    summary = json.loads(output.getvalue())
    return ImportBatch.objects.get(pk=summary["batch"]), summary


@pytest.fixture(params=["wizard", "command"])
def staged_register(
    request: pytest.FixtureRequest,
    admin_client: Client,
    admin_user: User,
    register_learners: dict[str, User],
) -> ImportBatch:
    """The register staged through the wizard or through the command."""
    if request.param == "wizard":
        return _wizard_import(admin_client)
    batch, _summary = _command_import(admin_user)
    return batch


def _lines_with_code(batch: ImportBatch, code: str) -> list[int]:
    return list(
        batch.rejected_lines.filter(code=code)
        .order_by("line")
        .values_list("line", flat=True)
    )


def test_register_facts_known_figures(facts: RegisterFacts) -> None:
    # Pins the figures computed above, so a change in that computation or in
    # the file shows here first.
    assert facts.rows == 5607
    assert len(facts.not_passed_lines) == 62
    assert len(facts.duplicate_lines) == 282
    assert len(facts.staged_lines) == 5263
    assert len(facts.groups) == 72


def test_register_settings_stored(staged_register: ImportBatch) -> None:
    batch = staged_register

    assert batch.user_field == "import_id"
    assert batch.delimiter == ","
    assert batch.date_format == "yyyy-MM-dd"
    assert batch.column_map["UserId"] == "employeeHash"
    assert batch.column_map["Tags"] == "position"
    assert batch.fixed_values == {"LearningActivityTitle": TITLE}
    assert batch.passed_column == "certExpirationDate"
    assert batch.passed_values == ["Complete"]


def test_register_accounts_every_row(
    staged_register: ImportBatch, facts: RegisterFacts
) -> None:
    batch = staged_register
    staged_lines = list(
        StagedRow.objects.filter(batch=batch)
        .order_by("line")
        .values_list("line", flat=True)
    )
    all_lines = set(staged_lines) | set(
        batch.rejected_lines.values_list("line", flat=True)
    )

    assert batch.state == ImportBatch.State.STAGED
    assert facts.rows == 5607
    assert batch.rows_read == facts.rows
    assert batch.rows_read == batch.staged_count + batch.rejected_count
    assert all_lines == set(range(FIRST_DATA_LINE, FIRST_DATA_LINE + facts.rows))
    assert batch.not_passed_count == 62
    assert _lines_with_code(batch, "not_passed") == facts.not_passed_lines
    assert batch.duplicate_count == len(facts.duplicate_lines)
    assert _lines_with_code(batch, "duplicate_in_file") == facts.duplicate_lines
    assert batch.rejected_count == 62 + len(facts.duplicate_lines)
    assert batch.staged_count == len(facts.staged_lines)
    assert staged_lines == facts.staged_lines


def test_register_command_json_counts(
    admin_user: User, register_learners: dict[str, User], facts: RegisterFacts
) -> None:
    _batch, summary = _command_import(admin_user)

    codes = collections.Counter(error["code"] for error in summary["errors"])
    assert summary["file_error"] is None
    assert summary["rows"] == facts.rows
    assert summary["staged"] == len(facts.staged_lines)
    assert summary["not_passed"] == len(facts.not_passed_lines)
    assert summary["rejected"] == len(facts.duplicate_lines)
    assert summary["rows"] == (
        summary["staged"] + summary["not_passed"] + summary["rejected"]
    )
    assert codes == {
        "not_passed": len(facts.not_passed_lines),
        "duplicate_in_file": len(facts.duplicate_lines),
    }
    groups = {
        group["tags"][0]: (group["rows"], group["participants"])
        for group in summary["groups"]
    }
    assert groups == facts.groups
    assert {group["title"] for group in summary["groups"]} == {TITLE}


def test_register_review_one_group_per_position(
    staged_register: ImportBatch, admin_client: Client, facts: RegisterFacts
) -> None:
    response = admin_client.get(reverse("imports:review", args=[staged_register.pk]))

    assert response.status_code == 200
    listed = [group for group, _value in response.context["groups"]]
    assert response.context["page_obj"].paginator.count == len(facts.groups)
    assert len(listed) == len(facts.groups)
    assert {group.title for group in listed} == {TITLE}
    assert all(len(group.tags) == 1 for group in listed)
    counts = {group.tags[0]: (group.rows, group.participants) for group in listed}
    assert counts == facts.groups
    assert response.context["total_rows"] == len(facts.staged_lines)
    content = response.content.decode()
    for position in facts.groups:
        assert html.escape(position) in content, position


def test_register_merge_activation_reaches_portfolio(
    staged_register: ImportBatch,
    admin_user: User,
    register_learners: dict[str, User],
    facts: RegisterFacts,
) -> None:
    batch = staged_register
    keys = [group.key for group in review_groups(batch=batch)]
    libraries_before = ExternalResult.objects.count()

    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=keys,
        mode=Activation.Mode.MERGE,
        new_title=TITLE,
        new_library_title=LIBRARY_TITLE,
        enqueue=False,
    )
    activation = activation_run(activation_id=activation.pk)

    external_result = ExternalResult.objects.get(title=TITLE)
    results = Result.objects.filter(source_batch_id=batch.pk)
    assert activation.state == Activation.State.FINISHED
    assert activation.done_rows == len(facts.staged_lines)
    assert ExternalResult.objects.count() == libraries_before + 1
    assert external_result.library_title == LIBRARY_TITLE
    assert results.count() == len(facts.staged_lines)
    source_lines = results.order_by("source_line").values_list("source_line", flat=True)
    assert list(source_lines) == facts.staged_lines
    assert not results.exclude(external_result=external_result).exists()
    assert not results.exclude(title=TITLE).exists()
    assert not results.filter(portfolio_only=True).exists()
    assert not StagedRow.objects.filter(batch=batch, activated_at__isnull=True).exists()
    assert review_groups(batch=batch) == []


def test_register_learner_portfolio_lists_results(
    staged_register: ImportBatch,
    admin_user: User,
    register_learners: dict[str, User],
    facts: RegisterFacts,
) -> None:
    batch = staged_register
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[group.key for group in review_groups(batch=batch)],
        mode=Activation.Mode.MERGE,
        new_title=TITLE,
        new_library_title=LIBRARY_TITLE,
        enqueue=False,
    )
    activation_run(activation_id=activation.pk)
    # The employee with the most staged positions shows the most rows.
    employee = max(
        sorted(facts.positions_by_employee),
        key=lambda value: len(facts.positions_by_employee[value]),
    )
    learner = register_learners[employee]
    learner_client = Client()
    learner_client.force_login(learner)

    response = learner_client.get(reverse("results:portfolio"))

    assert response.status_code == 200
    listed = list(response.context["page_obj"])
    positions = facts.positions_by_employee[employee]
    assert len(positions) > 1
    assert len(listed) == len(positions)
    assert {result.learner_id for result in listed} == {learner.pk}
    assert {tuple(result.tags) for result in listed} == {(p,) for p in positions}
    external_result = ExternalResult.objects.get(title=TITLE)
    assert {result.external_result_id for result in listed} == {external_result.pk}
    content = response.content.decode()
    assert TITLE in content
    # The library title is the administrators' name for the entry.
    assert LIBRARY_TITLE not in content
    for position in positions:
        assert html.escape(position) in content, position
