"""
The public restraint-training register as a substitute for a learning activity.

The register has 5,607 rows with hashed employee ids, a status column with
"Complete" or "In Progress", ISO dates and positions as tags.
"""

import csv
import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile

from imports.models import Activation, ImportBatch
from imports.selectors import review_groups
from imports.services.activation import activation_create
from imports.services.activation_run import activation_run
from imports.services.rollback import activation_rollback
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create, import_batch_stage
from results.models import (
    ActivityStatus,
    ExternalResult,
    LearningActivity,
    LearningPath,
    Participation,
    Section,
)
from results.services.learning_paths import participations_enrol
from tests import factories
from tests.conftest import REALDATA_DIR
from users.models import User

pytestmark = pytest.mark.django_db

REGISTER = REALDATA_DIR / "cps-restraint-certifications" / "certification_history.csv"
ENROLLED_FROM_FILE = 40


def _register_rows() -> list[dict[str, str]]:
    with REGISTER.open(newline="", encoding="ascii") as handle:
        return list(csv.DictReader(handle))


def _newest_pass_per_employee() -> dict[str, datetime.date]:
    # Worked out with the csv module alone, independent of the import code.
    newest: dict[str, datetime.date] = {}
    for row in _register_rows():
        if row["certExpirationDate"] != "Complete":
            continue
        observed = datetime.date.fromisoformat(row["observedDate"])
        employee = row["employeeHash"]
        newest[employee] = max(observed, newest.get(employee, observed))
    return newest


@pytest.fixture
def register_learners(db: None) -> dict[str, User]:
    """One user per distinct employeeHash, matched on ImportID; by hash."""
    hashes = sorted({row["employeeHash"] for row in _register_rows()})
    password = make_password(None)
    User.objects.bulk_create(
        User(
            username=f"cps{number:05d}",
            name=f"Employee {number:05d}",
            import_id=value,
            password=password,
        )
        for number, value in enumerate(hashes)
    )
    return {
        str(user.import_id): user for user in User.objects.filter(import_id__in=hashes)
    }


def _register_stage(admin_user: User) -> ImportBatch:
    batch = import_batch_create(
        created_by=admin_user,
        data=ContentFile(REGISTER.read_bytes(), name=REGISTER.name),
        original_name=REGISTER.name,
        settings=ImportSettings(
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
        ),
    )
    return import_batch_stage(batch_id=batch.pk)


def _restraint_path() -> tuple[LearningPath, LearningActivity, ExternalResult]:
    external_result = factories.external_result_create(
        title="Restraint training", library_title="Fysiek ingrijpen"
    )
    path = LearningPath.objects.create(title="Veilig ingrijpen")
    section = Section.objects.create(path=path, title="Certificering")
    activity = LearningActivity.objects.create(
        section=section, title="Fysiek ingrijpen"
    )
    activity.substitutes.add(external_result)
    return path, activity, external_result


def _statuses() -> dict[int, tuple[str, datetime.date | None]]:
    return {
        learner_id: (status, passed_on)
        for learner_id, status, passed_on in ActivityStatus.objects.values_list(
            "participation__learner_id", "status", "passed_on"
        )
    }


def test_register_substitute_changes_enrolled_only(
    admin_user: User, register_learners: dict[str, User]
) -> None:
    newest = _newest_pass_per_employee()
    batch = _register_stage(admin_user)
    path, _activity, external_result = _restraint_path()
    passed_hashes = sorted(newest)[:ENROLLED_FROM_FILE]
    never_passed = sorted(set(register_learners) - set(newest))[:5]
    outsider = factories.user_create(name="Not in the register")
    enrolled = [register_learners[h] for h in passed_hashes + never_passed]
    participations_enrol(
        path=path, learners=[*enrolled, outsider], enrolled_by=admin_user
    )
    before = _statuses()

    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[group.key for group in review_groups(batch=batch)],
        mode=Activation.Mode.MERGE,
        external_result=external_result,
    )
    activation = activation_run(activation_id=activation.pk)
    after = _statuses()

    changed = {
        learner_id for learner_id in after if after[learner_id] != before[learner_id]
    }
    expected = {register_learners[h].pk: ("passed", newest[h]) for h in passed_hashes}
    assert activation.state == Activation.State.FINISHED
    assert activation.done_rows == batch.staged_count
    assert set(before.values()) == {("not_started", None)}
    assert changed == set(expected)
    assert {learner_id: after[learner_id] for learner_id in changed} == expected
    assert after[outsider.pk] == ("not_started", None)
    assert Participation.objects.count() == len(enrolled) + 1
    assert Participation.objects.filter(status="passed").count() == ENROLLED_FROM_FILE


def test_register_rollback_restores_statuses(
    admin_user: User, register_learners: dict[str, User]
) -> None:
    batch = _register_stage(admin_user)
    path, _activity, external_result = _restraint_path()
    enrolled = [register_learners[h] for h in sorted(_newest_pass_per_employee())[:20]]
    outsider = factories.user_create()
    participations_enrol(
        path=path, learners=[*enrolled, outsider], enrolled_by=admin_user
    )
    before = _statuses()
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[group.key for group in review_groups(batch=batch)],
        mode=Activation.Mode.MERGE,
        external_result=external_result,
    )
    activation = activation_run(activation_id=activation.pk)
    activated = _statuses()

    outcome = activation_rollback(activation=activation, rolled_back_by=admin_user)

    assert activated != before
    assert _statuses() == before
    assert outcome.results == batch.staged_count
    assert outcome.rows == batch.staged_count
    assert not Participation.objects.filter(status="passed").exists()
    assert sum(group.rows for group in review_groups(batch=batch)) == batch.staged_count
