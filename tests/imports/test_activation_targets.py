"""Individual mode with an External Result chosen per group, in the services."""

import pytest

from imports.models import Activation, ImportBatch
from imports.selectors import GroupKey
from imports.services.activation import (
    GroupTarget,
    activation_create,
    activation_overview,
)
from imports.services.activation_run import activation_run
from learnlinq.errors import InputRejected
from results.models import ExternalResult, Result
from tests import factories
from users.models import User

BHV = GroupKey("BHV", "")
EHBO = GroupKey("EHBO", "herhaling")
INDIVIDUAL = Activation.Mode.INDIVIDUAL


@pytest.fixture
def batch(admin_user: User) -> ImportBatch:
    """An import with two review groups: BHV (3 rows) and EHBO (2 rows)."""
    learners = [factories.user_create() for _ in range(3)]
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:2], title="EHBO", tags=["Herhaling"]
    )
    return batch


@pytest.fixture
def library_entry(db: None) -> ExternalResult:
    return factories.external_result_create(title="BHV (oud)", library_title="BHV")


@pytest.fixture
def targets(library_entry: ExternalResult) -> dict[GroupKey, GroupTarget]:
    """BHV to an existing library entry, EHBO to a new one."""
    return {
        BHV: GroupTarget(external_result=library_entry),
        EHBO: GroupTarget(
            external_result=None,
            new_title="EHBO herhaling 2021",
            new_library_title="EHBO",
        ),
    }


def group_targets(activation: Activation) -> dict[str, ExternalResult | None]:
    return {group.title: group.external_result for group in activation.groups.all()}


def test_create_targets_existing_and_new(
    batch: ImportBatch,
    admin_user: User,
    library_entry: ExternalResult,
    targets: dict[GroupKey, GroupTarget],
) -> None:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV, EHBO],
        mode=INDIVIDUAL,
        targets=targets,
        enqueue=False,
    )

    chosen = group_targets(activation)
    assert chosen["BHV"] == library_entry
    assert chosen["EHBO"] is not None
    assert chosen["EHBO"].title == "EHBO herhaling 2021"
    assert chosen["EHBO"].library_title == "EHBO"
    assert ExternalResult.objects.count() == 2


def test_create_targets_results_point_there(
    batch: ImportBatch,
    admin_user: User,
    library_entry: ExternalResult,
    targets: dict[GroupKey, GroupTarget],
) -> None:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV, EHBO],
        mode=INDIVIDUAL,
        targets=targets,
        enqueue=False,
    )

    activation_run(activation_id=activation.pk)

    assert Result.objects.filter(external_result=library_entry).count() == 3
    new = ExternalResult.objects.get(title="EHBO herhaling 2021")
    assert Result.objects.filter(external_result=new).count() == 2


def test_create_targets_missing_group_default(
    batch: ImportBatch, admin_user: User, library_entry: ExternalResult
) -> None:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV, EHBO],
        mode=INDIVIDUAL,
        targets={BHV: GroupTarget(external_result=library_entry)},
        enqueue=False,
    )

    chosen = group_targets(activation)
    assert chosen["BHV"] == library_entry
    assert chosen["EHBO"] is not None
    assert chosen["EHBO"].title == "EHBO"


def test_create_without_targets_unchanged(batch: ImportBatch, admin_user: User) -> None:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV, EHBO],
        mode=INDIVIDUAL,
        enqueue=False,
    )

    titles = sorted(ExternalResult.objects.values_list("title", flat=True))
    assert titles == ["BHV", "EHBO"]
    assert activation.groups.count() == 2


def test_overview_targets_per_group(
    batch: ImportBatch, targets: dict[GroupKey, GroupTarget]
) -> None:
    overview = activation_overview(
        batch=batch, keys=[BHV, EHBO], mode=INDIVIDUAL, targets=targets
    )

    labels = {group.title: group.target for group in overview.groups}
    assert labels["BHV"] == "BHV"
    assert "EHBO herhaling 2021" in labels["EHBO"]
    assert overview.total_rows == 5
    assert not ExternalResult.objects.filter(title="EHBO herhaling 2021").exists()


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        (Activation.Mode.MERGE, "target_not_allowed"),
        (Activation.Mode.PORTFOLIO, "target_not_allowed"),
    ],
)
def test_targets_other_modes_rejected(
    batch: ImportBatch,
    admin_user: User,
    targets: dict[GroupKey, GroupTarget],
    mode: str,
    code: str,
) -> None:
    with pytest.raises(InputRejected) as caught:
        activation_create(
            batch=batch,
            created_by=admin_user,
            keys=[BHV, EHBO],
            mode=mode,
            new_title="BHV" if mode == Activation.Mode.MERGE else "",
            targets=targets,
            enqueue=False,
        )

    assert caught.value.code == code
    assert caught.value.params == {"mode": mode}
    assert not Activation.objects.exists()


@pytest.mark.parametrize(
    ("group_target", "code"),
    [
        (GroupTarget(external_result=None), "title_missing"),
        (GroupTarget(external_result=None, new_title="   "), "title_missing"),
        (
            GroupTarget(external_result=None, new_library_title="EHBO"),
            "title_missing",
        ),
        (GroupTarget(external_result=None, new_title="x" * 256), "title_too_long"),
    ],
)
def test_targets_bad_choice_rejected(
    batch: ImportBatch, admin_user: User, group_target: GroupTarget, code: str
) -> None:
    with pytest.raises(InputRejected) as caught:
        activation_create(
            batch=batch,
            created_by=admin_user,
            keys=[BHV, EHBO],
            mode=INDIVIDUAL,
            targets={EHBO: group_target},
            enqueue=False,
        )

    assert caught.value.code == code
    assert not Activation.objects.exists()
    assert not ExternalResult.objects.exists()


def test_targets_existing_and_title_ambiguous(
    batch: ImportBatch, admin_user: User, library_entry: ExternalResult
) -> None:
    with pytest.raises(InputRejected) as caught:
        activation_create(
            batch=batch,
            created_by=admin_user,
            keys=[BHV],
            mode=INDIVIDUAL,
            targets={BHV: GroupTarget(external_result=library_entry, new_title="BHV")},
            enqueue=False,
        )

    assert caught.value.code == "target_ambiguous"
    assert not Activation.objects.exists()


def test_targets_title_too_long_params(batch: ImportBatch, admin_user: User) -> None:
    with pytest.raises(InputRejected) as caught:
        activation_overview(
            batch=batch,
            keys=[EHBO],
            mode=INDIVIDUAL,
            targets={EHBO: GroupTarget(external_result=None, new_title="x" * 256)},
        )

    assert caught.value.params == {"title": "x" * 256, "length": 256, "max": 255}


def test_create_targets_same_new_title_shared(
    batch: ImportBatch, admin_user: User
) -> None:
    same = GroupTarget(
        external_result=None, new_title="BHV 2021", new_library_title="BHV"
    )
    # Differs only in case and surrounding spaces, so it names the same entry.
    same_spelled_differently = GroupTarget(
        external_result=None, new_title=" bhv 2021 ", new_library_title="bhv "
    )

    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV, EHBO],
        mode=INDIVIDUAL,
        targets={BHV: same, EHBO: same_spelled_differently},
        enqueue=False,
    )

    chosen = group_targets(activation)
    assert ExternalResult.objects.count() == 1
    assert chosen["BHV"] == chosen["EHBO"]
    assert chosen["BHV"] is not None
    assert chosen["BHV"].title == "BHV 2021"
    assert chosen["BHV"].library_title == "BHV"


def test_create_targets_other_library_title_separate(
    batch: ImportBatch, admin_user: User
) -> None:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV, EHBO],
        mode=INDIVIDUAL,
        targets={
            BHV: GroupTarget(
                external_result=None, new_title="2021", new_library_title="BHV"
            ),
            EHBO: GroupTarget(
                external_result=None, new_title="2021", new_library_title="EHBO"
            ),
        },
        enqueue=False,
    )

    chosen = group_targets(activation)
    assert ExternalResult.objects.count() == 2
    assert chosen["BHV"] != chosen["EHBO"]
