"""Deleting staged rows during review."""

import pytest

from imports.models import Activation, ActivationGroup, ImportBatch, StagedRow
from imports.selectors import GroupKey
from imports.services.review import staged_rows_delete
from learnlinq.models import AuditEvent
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(admin_user: User) -> ImportBatch:
    return factories.import_batch_create(created_by=admin_user)


@pytest.fixture
def learners() -> list[User]:
    return [factories.user_create() for _ in range(3)]


def test_staged_rows_delete_groups(
    batch: ImportBatch, learners: list[User], admin_user: User
) -> None:
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners, title="EHBO", tags=["Herhaling"]
    )
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="VCA")

    deleted = staged_rows_delete(
        batch=batch,
        keys=[GroupKey("BHV", ""), GroupKey("EHBO", "herhaling")],
        deleted_by=admin_user,
    )

    assert deleted == 6
    assert set(StagedRow.objects.values_list("title", flat=True)) == {"VCA"}


def test_staged_rows_delete_row_ids(
    batch: ImportBatch, learners: list[User], admin_user: User
) -> None:
    rows = factories.staged_rows_bulk_create(batch=batch, learners=learners)

    deleted = staged_rows_delete(
        batch=batch, row_ids=[rows[0].pk, rows[2].pk], deleted_by=admin_user
    )

    assert deleted == 2
    assert list(StagedRow.objects.values_list("pk", flat=True)) == [rows[1].pk]


def test_staged_rows_delete_keeps_claimed(
    batch: ImportBatch, learners: list[User], admin_user: User
) -> None:
    rows = factories.staged_rows_bulk_create(batch=batch, learners=learners)
    activation = Activation.objects.create(
        batch=batch, created_by=admin_user, mode=Activation.Mode.PORTFOLIO
    )
    group = ActivationGroup.objects.create(
        activation=activation, title=rows[0].title, tags_key=""
    )
    StagedRow.objects.filter(pk=rows[0].pk).update(activation_group=group)

    deleted = staged_rows_delete(
        batch=batch,
        keys=[GroupKey(rows[0].title, "")],
        row_ids=[rows[0].pk],
        deleted_by=admin_user,
    )

    assert deleted == 2
    assert list(StagedRow.objects.values_list("pk", flat=True)) == [rows[0].pk]


def test_staged_rows_delete_other_batch_ignored(
    batch: ImportBatch, learners: list[User], admin_user: User
) -> None:
    other = factories.import_batch_create(created_by=admin_user)
    rows = factories.staged_rows_bulk_create(batch=other, learners=learners)

    deleted = staged_rows_delete(
        batch=batch,
        keys=[GroupKey(rows[0].title, "")],
        row_ids=[row.pk for row in rows],
        deleted_by=admin_user,
    )

    assert deleted == 0
    assert StagedRow.objects.count() == 3


def test_staged_rows_delete_nothing_selected(
    batch: ImportBatch, learners: list[User], admin_user: User
) -> None:
    factories.staged_rows_bulk_create(batch=batch, learners=learners)

    assert staged_rows_delete(batch=batch, deleted_by=admin_user) == 0
    assert StagedRow.objects.count() == 3
    assert not AuditEvent.objects.exists()


def test_staged_rows_delete_audited(
    batch: ImportBatch, learners: list[User], admin_user: User
) -> None:
    rows = factories.staged_rows_bulk_create(batch=batch, learners=learners)

    staged_rows_delete(batch=batch, row_ids=[rows[0].pk], deleted_by=admin_user)

    event = AuditEvent.objects.get()
    assert event.verb == AuditEvent.Verb.ROWS_DELETED
    assert event.actor == admin_user
    assert event.target_id == batch.pk
    assert event.counts == {"rows": 1}
