"""End-to-end activation: a real Celery worker process writes the results."""

import pytest
from pytest_django.fixtures import Settings

from imports.models import Activation, StagedRow
from imports.selectors import GroupKey
from imports.services.activation import activation_create
from imports.tasks import activation_run_task
from results.models import ExternalResult, Result
from results.selectors import portfolio_results
from tests import factories
from tests.worker import Broker, Worker, wait_for
from users.models import Notification, User

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _activation_final(activation_id: int) -> Activation | None:
    activation = Activation.objects.get(pk=activation_id)
    return activation if activation.is_final else None


def _stage(admin: User, learners: list[User]) -> tuple[int, list[GroupKey]]:
    batch = factories.import_batch_create(created_by=admin)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:3], title="EHBO", tags=["Herhaling"]
    )
    keys = [GroupKey("BHV", ""), GroupKey("EHBO", "herhaling")]
    return batch.pk, keys


def test_worker_activation_merge_finishes(
    celery_worker: Worker, admin_user: User, settings: Settings
) -> None:
    learners = [factories.user_create() for _ in range(5)]
    batch_id, keys = _stage(admin_user, learners)
    batch = factories.ImportBatch.objects.get(pk=batch_id)

    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=keys,
        mode=Activation.Mode.MERGE,
        new_title="BHV en EHBO",
        new_library_title="Veiligheid",
    )
    finished = wait_for(lambda: _activation_final(activation.pk), timeout=120)

    assert finished.state == Activation.State.FINISHED, celery_worker.log_text()
    assert finished.total_rows == 8
    assert finished.done_rows == 8
    assert finished.celery_task_id != ""
    external_result = ExternalResult.objects.get(title="BHV en EHBO")
    assert Result.objects.count() == 8
    assert Result.objects.filter(external_result=external_result).count() == 8
    assert (
        Result.objects.values("source_batch_id", "source_line").distinct().count() == 8
    )
    assert not StagedRow.objects.filter(activated_at__isnull=True).exists()
    assert portfolio_results(learner=learners[0]).count() == 2
    assert portfolio_results(learner=learners[4]).count() == 1
    codes = set(
        Notification.objects.filter(recipient=admin_user).values_list("code", flat=True)
    )
    assert codes == {"activation_started", "activation_finished"}


def test_worker_redelivered_task_no_duplicates(
    celery_worker: Worker, admin_user: User, settings: Settings
) -> None:
    settings.ACTIVATION_CHUNK_SIZE = 2
    learners = [factories.user_create() for _ in range(5)]
    batch_id, keys = _stage(admin_user, learners)
    batch = factories.ImportBatch.objects.get(pk=batch_id)

    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=keys,
        mode=Activation.Mode.INDIVIDUAL,
    )
    # A second delivery of the same job, as after a lost acknowledgement.
    activation_run_task.delay(activation.pk)
    finished = wait_for(lambda: _activation_final(activation.pk), timeout=120)
    # The task logs this line once per delivery it has handled.
    handled = f": activation {activation.pk} is finished"
    wait_for(lambda: celery_worker.log_text().count(handled) == 2, timeout=120)

    assert finished.state == Activation.State.FINISHED, celery_worker.log_text()
    assert Result.objects.count() == 8
    assert ExternalResult.objects.count() == 2
    finished.refresh_from_db()
    assert finished.done_rows == 8
    assert Notification.objects.filter(code="activation_finished").count() == 1


def test_worker_fixture_shares_broker(
    celery_worker: Worker, celery_broker: Broker
) -> None:
    assert celery_worker.queue == celery_broker.queue
    assert celery_worker.process.poll() is None
