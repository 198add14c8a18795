"""Review groups: grouping, counts, search and the number of queries."""

import datetime

import pytest

from imports.models import Activation, ActivationGroup, ImportBatch, StagedRow
from imports.selectors import GroupKey, review_group_rows, review_groups
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


def _learners(count: int) -> list[User]:
    # Saved in bulk without password hashing, which would dominate the run.
    users = [
        User(username=f"bulk{number}", name=f"Bulk {number}", password="!")
        for number in range(count)
    ]
    return User.objects.bulk_create(users)


@pytest.fixture
def batch(admin_user: User) -> ImportBatch:
    return factories.import_batch_create(created_by=admin_user)


def _claim(batch: ImportBatch, admin_user: User, key: GroupKey) -> None:
    activation = Activation.objects.create(
        batch=batch, created_by=admin_user, mode=Activation.Mode.PORTFOLIO
    )
    group = ActivationGroup.objects.create(
        activation=activation, title=key.title, tags_key=key.tags_key
    )
    StagedRow.objects.filter(
        batch=batch, title=key.title, tags_key=key.tags_key
    ).update(activation_group=group)


def test_review_groups_counts(batch: ImportBatch) -> None:
    learners = _learners(3)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    # The same learner twice in one group: two rows, one participant.
    factories.staged_rows_bulk_create(
        batch=batch,
        learners=learners[:1],
        title="BHV",
        achieved_on=datetime.date(2020, 1, 1),
    )
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:2], title="EHBO", tags=["Herhaling", "2021"]
    )

    groups = review_groups(batch=batch)

    assert [group.key for group in groups] == [
        GroupKey("BHV", ""),
        GroupKey("EHBO", "2021|herhaling"),
    ]
    assert groups[0].rows == 4
    assert groups[0].participants == 3
    assert groups[1].rows == 2
    assert groups[1].participants == 2
    assert groups[1].tags == ["Herhaling", "2021"]
    assert groups[1].attachments == 0


def test_review_groups_tags_order_ignored(batch: ImportBatch) -> None:
    learners = _learners(2)
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:1], title="BHV", tags=["A", "b"]
    )
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[1:], title="BHV", tags=["B", "a"]
    )

    groups = review_groups(batch=batch)

    assert len(groups) == 1
    assert groups[0].key == GroupKey("BHV", "a|b")
    assert groups[0].rows == 2


def test_review_groups_skip_claimed_rows(batch: ImportBatch, admin_user: User) -> None:
    learners = _learners(2)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="EHBO")
    _claim(batch, admin_user, GroupKey("BHV", ""))

    groups = review_groups(batch=batch)

    assert [group.title for group in groups] == ["EHBO"]


def test_review_groups_other_batch_excluded(
    batch: ImportBatch, admin_user: User
) -> None:
    other = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(batch=other, learners=_learners(1), title="BHV")

    assert review_groups(batch=batch) == []


@pytest.mark.parametrize(
    ("search", "titles"),
    [
        ("bhv", ["BHV basis"]),
        ("BASIS", ["BHV basis"]),
        ("herhaling", ["EHBO"]),
        ("HERHALING", ["EHBO"]),
        ("  ehbo ", ["EHBO"]),
        ("", ["BHV basis", "EHBO"]),
        ("vca", []),
    ],
)
def test_review_groups_search(
    batch: ImportBatch, search: str, titles: list[str]
) -> None:
    learners = _learners(1)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV basis")
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners, title="EHBO", tags=["Herhaling"]
    )

    groups = review_groups(batch=batch, search=search)

    assert [group.title for group in groups] == titles


def test_review_groups_queries_bounded(
    batch: ImportBatch, django_assert_max_num_queries: object
) -> None:
    learners = _learners(200)
    for number in range(10):
        factories.staged_rows_bulk_create(
            batch=batch, learners=learners, title=f"Training {number}", tags=["x"]
        )
    assert StagedRow.objects.filter(batch=batch).count() == 2000

    with django_assert_max_num_queries(2):  # type: ignore[operator]
        groups = review_groups(batch=batch)

    assert len(groups) == 10
    assert all(group.rows == 200 for group in groups)
    assert all(group.participants == 200 for group in groups)


def test_review_group_rows_one_group(batch: ImportBatch, admin_user: User) -> None:
    learners = _learners(3)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners, title="BHV", tags=["Herhaling"]
    )

    rows = list(review_group_rows(batch=batch, key=GroupKey("BHV", "herhaling")))

    assert len(rows) == 3
    assert all(row.tags == ["Herhaling"] for row in rows)
    assert [row.line for row in rows] == sorted(row.line for row in rows)


def test_review_group_rows_skip_claimed(batch: ImportBatch, admin_user: User) -> None:
    factories.staged_rows_bulk_create(batch=batch, learners=_learners(2), title="BHV")
    _claim(batch, admin_user, GroupKey("BHV", ""))

    assert not review_group_rows(batch=batch, key=GroupKey("BHV", "")).exists()
