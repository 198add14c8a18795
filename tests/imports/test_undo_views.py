import datetime
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from imports.models import Activation, ImportBatch, StagedRow
from imports.selectors import GroupKey
from imports.services.activation import activation_create
from imports.services.activation_run import activation_run
from results.models import (
    ExternalResult,
    LearningActivity,
    LearningPath,
    Result,
    Section,
)
from results.services.learning_paths import participations_enrol
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db

BHV = GroupKey(title="BHV herhaling", tags_key="")


@pytest.fixture(autouse=True)
def _english(client: Client) -> Iterator[None]:
    # Page texts are checked in their English source form, in the test and
    # in the pages the client requests.
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def batch(admin_user: User) -> ImportBatch:
    batch = factories.import_batch_create(created_by=admin_user)
    for _ in range(3):
        factories.staged_row_create(batch=batch, learner=factories.user_create())
    return batch


def _activation(
    batch: ImportBatch, admin_user: User, *, run: bool = True
) -> Activation:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV],
        mode=Activation.Mode.MERGE,
        external_result=factories.external_result_create(),
    )
    if run:
        activation = activation_run(activation_id=activation.pk)
    return activation


def _url(name: str, pk: int) -> str:
    return reverse(f"imports:{name}", args=[pk])


def test_rollback_page_shows_preview(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user)

    response = admin_client.get(_url("activation-rollback", activation.pk))

    assert response.status_code == 200
    assert response.context["preview"].results == 3
    assert Result.objects.count() == 3


def test_rollback_post_rolls_back(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user)

    response = admin_client.post(_url("activation-rollback", activation.pk))

    activation.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == _url("review", batch.pk)
    assert activation.state == Activation.State.ROLLED_BACK
    assert not Result.objects.exists()


def test_rollback_post_running_shows_reason(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user, run=False)

    response = admin_client.post(
        _url("activation-rollback", activation.pk), follow=True
    )

    assert response.status_code == 200
    assert "Only a finished, cancelled or failed activation can be rolled back" in (
        response.content.decode()
    )
    assert "is Waiting for a worker" not in response.content.decode()


def test_cancel_post_cancels(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user, run=False)

    response = admin_client.post(_url("activation-cancel", activation.pk))

    activation.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == _url("activation-detail", activation.pk)
    assert activation.state == Activation.State.CANCELLED
    assert not StagedRow.objects.filter(activation_group__isnull=False).exists()


def test_cancel_finished_shows_reason(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user)

    response = admin_client.post(_url("activation-cancel", activation.pk), follow=True)

    activation.refresh_from_db()
    assert "Only a queued or running activation can be cancelled" in (
        response.content.decode()
    )
    assert activation.state == Activation.State.FINISHED


def test_cancel_page_asks_confirmation(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user, run=False)

    response = admin_client.get(_url("activation-cancel", activation.pk))

    activation.refresh_from_db()
    assert response.status_code == 200
    assert activation.state == Activation.State.QUEUED


def test_discard_page_shows_rows(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(_url("discard", batch.pk))

    assert response.status_code == 200
    assert response.context["preview"].rows == 3
    assert "3 staged rows are deleted" in response.content.decode()


def test_discard_post_discards(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.post(_url("discard", batch.pk))

    batch.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == _url("detail", batch.pk)
    assert batch.state == ImportBatch.State.DISCARDED
    assert not StagedRow.objects.exists()


def test_discard_activated_shows_reason(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    _activation(batch, admin_user)

    response = admin_client.post(_url("discard", batch.pk), follow=True)

    batch.refresh_from_db()
    assert "has 3 activated rows" in response.content.decode()
    assert batch.state == ImportBatch.State.STAGED


@pytest.mark.parametrize(
    "name", ["activation-rollback", "activation-cancel", "discard"]
)
def test_undo_pages_anonymous_redirect(
    client: Client, admin_user: User, batch: ImportBatch, name: str
) -> None:
    activation = _activation(batch, admin_user, run=False)
    pk = batch.pk if name == "discard" else activation.pk

    response = client.post(_url(name, pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert StagedRow.objects.count() == 3


@pytest.mark.parametrize(
    "name", ["activation-rollback", "activation-cancel", "discard"]
)
def test_undo_pages_learner_forbidden(
    learner_client: Client, admin_user: User, batch: ImportBatch, name: str
) -> None:
    activation = _activation(batch, admin_user, run=False)
    pk = batch.pk if name == "discard" else activation.pk

    response = learner_client.post(_url(name, pk))

    activation.refresh_from_db()
    assert response.status_code == 403
    assert activation.state == Activation.State.QUEUED


@pytest.mark.parametrize(
    "name", ["activation-rollback", "activation-cancel", "discard"]
)
def test_undo_pages_put_not_allowed(
    admin_client: Client, admin_user: User, batch: ImportBatch, name: str
) -> None:
    activation = _activation(batch, admin_user, run=False)
    pk = batch.pk if name == "discard" else activation.pk

    response = admin_client.put(_url(name, pk))

    assert response.status_code == 405


@pytest.mark.parametrize(
    "name", ["activation-rollback", "activation-cancel", "discard"]
)
def test_undo_pages_unknown_404(admin_client: Client, name: str) -> None:
    response = admin_client.get(_url(name, 999_999))

    assert response.status_code == 404


def test_rollback_page_lists_changed_statuses(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user)
    external_result = ExternalResult.objects.get()
    path = LearningPath.objects.create(title="Veiligheid")
    activity = LearningActivity.objects.create(
        section=Section.objects.create(path=path, title="Basis"), title="BHV"
    )
    activity.substitutes.add(external_result)
    learner = StagedRow.objects.earliest("id").learner
    participations_enrol(path=path, learners=[learner], enrolled_by=admin_user)

    response = admin_client.get(_url("activation-rollback", activation.pk))

    assert response.context["preview"].status_changes == 1
    assert str(learner) in response.content.decode()
    assert (
        datetime.date(2021, 2, 3)
        == response.context["preview"].status_sample[0].passed_on
    )


def test_rollback_message_plural_forms(admin_client: Client, admin_user: User) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_row_create(batch=batch, learner=factories.user_create())
    activation = _activation(batch, admin_user)

    response = admin_client.post(
        _url("activation-rollback", activation.pk), follow=True
    )

    assert (
        f"Activation {activation.pk} was rolled back: 1 result deleted, 1 row is "
        "back on the review page."
    ) in response.content.decode()


def test_cancel_message_plural_forms(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    activation = _activation(batch, admin_user, run=False)

    response = admin_client.post(_url("activation-cancel", activation.pk), follow=True)

    assert (
        f"Activation {activation.pk} was cancelled: 0 rows had become results, "
        "3 rows are back on the review page."
    ) in response.content.decode()


def test_discard_message_plural_forms(admin_client: Client, admin_user: User) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_row_create(batch=batch, learner=factories.user_create())

    response = admin_client.post(_url("discard", batch.pk), follow=True)

    assert (
        f"Import {batch.pk} was discarded: 1 staged row deleted."
        in response.content.decode()
    )
