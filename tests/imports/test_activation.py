"""Activation services, run in this process without a worker."""

import datetime
import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection, connections
from django.utils.translation import override
from pytest_django.fixtures import Settings

from imports.messages import activation_error_message
from imports.models import Activation, ActivationGroup, ImportBatch, StagedRow
from imports.selectors import GroupKey, review_groups
from imports.services import activation as activation_module
from imports.services import activation_run as activation_run_module
from imports.services.activation import (
    activation_create,
    activation_overview,
    activation_retry,
)
from imports.services.activation_run import activation_run
from imports.tasks import activation_run_task
from learnlinq.celery import app as celery_app
from learnlinq.errors import InputRejected
from learnlinq.models import AuditEvent
from results.models import ExternalResult, Participation, Result
from tests import factories
from tests.worker import Broker, celery_connections_reset
from users.models import Notification, User

BHV = GroupKey("BHV", "")
EHBO = GroupKey("EHBO", "herhaling")


@pytest.fixture
def learners(db: None) -> list[User]:
    return [factories.user_create() for _ in range(3)]


@pytest.fixture
def batch(admin_user: User, learners: list[User]) -> ImportBatch:
    """An import with two review groups: BHV (3 rows) and EHBO (2 rows)."""
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:2], title="EHBO", tags=["Herhaling"]
    )
    return batch


def _create(batch: ImportBatch, admin_user: User, **choices: object) -> Activation:
    fields: dict[str, object] = {"keys": [BHV, EHBO], "mode": Activation.Mode.MERGE}
    fields.update(choices)
    return activation_create(batch=batch, created_by=admin_user, **fields)  # type: ignore[arg-type]


class _SimulatedCrash(BaseException):
    """Stands for a worker process that is killed; no ``except Exception`` stops it."""


@pytest.fixture
def after_chunk_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[int]]]:
    """Record the result ids each chunk passes to the follow-up hook."""
    calls: list[list[int]] = []
    original = activation_run_module._after_chunk

    def recording(activation: Activation, result_ids: list[int]) -> None:
        calls.append(list(result_ids))
        original(activation, result_ids)

    monkeypatch.setattr(activation_run_module, "_after_chunk", recording)
    yield calls


def _fail_on_call(
    monkeypatch: pytest.MonkeyPatch, number: int, error: BaseException
) -> None:
    """Make the follow-up hook raise ``error`` on its ``number``-th call, once."""
    calls = {"count": 0}

    def failing(activation: Activation, result_ids: list[int]) -> None:
        calls["count"] += 1
        if calls["count"] == number:
            raise error

    monkeypatch.setattr(activation_run_module, "_after_chunk", failing)


# activation_create ---------------------------------------------------------


@pytest.mark.django_db
def test_activation_create_merge_new_target(
    batch: ImportBatch,
    admin_user: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[attr-defined]
        activation = _create(
            batch, admin_user, new_title="BHV en EHBO", new_library_title="Veilig"
        )

    assert activation.state == Activation.State.QUEUED
    assert activation.mode == Activation.Mode.MERGE
    assert activation.total_rows == 5
    assert activation.done_rows == 0
    assert len(callbacks) == 1
    external_result = ExternalResult.objects.get()
    assert external_result.title == "BHV en EHBO"
    assert external_result.library_title == "Veilig"
    assert external_result.created_by == admin_user
    groups = {group.title: group for group in activation.groups.all()}
    assert groups["BHV"].row_count == 3
    assert groups["EHBO"].row_count == 2
    assert groups["EHBO"].tags == ["Herhaling"]
    assert groups["EHBO"].tags_key == "herhaling"
    assert {group.external_result_id for group in groups.values()} == {
        external_result.pk
    }
    assert not StagedRow.objects.filter(activation_group__isnull=True).exists()
    assert review_groups(batch=batch) == []


@pytest.mark.django_db
def test_activation_create_notifies_and_audits(
    batch: ImportBatch, admin_user: User
) -> None:
    activation = _create(batch, admin_user, new_title="BHV")

    notification = Notification.objects.get()
    assert notification.recipient == admin_user
    assert notification.code == "activation_started"
    assert notification.params["activation"] == activation.pk
    assert notification.params["rows"] == 5
    assert notification.params["groups"] == 2
    assert notification.link == f"/imports/activations/{activation.pk}/"
    event = AuditEvent.objects.get()
    assert event.verb == AuditEvent.Verb.ACTIVATED
    assert event.target_id == activation.pk
    assert event.counts == {"rows": 5, "groups": 2}


@pytest.mark.django_db
def test_activation_create_merge_existing(batch: ImportBatch, admin_user: User) -> None:
    existing = factories.external_result_create()

    activation = _create(batch, admin_user, external_result=existing)

    assert ExternalResult.objects.count() == 1
    assert set(activation.groups.values_list("external_result_id", flat=True)) == {
        existing.pk
    }


@pytest.mark.django_db
def test_activation_create_individual(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, mode=Activation.Mode.INDIVIDUAL)

    by_id = {entry.pk: entry for entry in ExternalResult.objects.all()}
    targets = {
        group.title: by_id[group.external_result_id or 0]
        for group in activation.groups.all()
    }
    assert len(by_id) == 2
    assert targets["BHV"].title == "BHV"
    assert targets["EHBO"].title == "EHBO"
    assert targets["EHBO"].library_title == "EHBO"


@pytest.mark.django_db
def test_activation_create_portfolio(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, mode=Activation.Mode.PORTFOLIO)

    assert not ExternalResult.objects.exists()
    assert set(activation.groups.values_list("external_result_id", flat=True)) == {None}


@pytest.mark.django_db
def test_activation_create_without_enqueue(
    batch: ImportBatch,
    admin_user: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[attr-defined]
        _create(batch, admin_user, new_title="BHV", enqueue=False)

    assert callbacks == []


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        ({"mode": "everything"}, "mode_invalid"),
        ({}, "target_missing"),
        ({"new_library_title": "Veilig"}, "title_missing"),
        ({"new_title": "x" * 256}, "title_too_long"),
        ({"new_title": "BHV", "keys": []}, "no_groups"),
        (
            {"new_title": "BHV", "keys": [GroupKey("VCA", "")]},
            "group_already_activated",
        ),
        (
            {"new_title": "BHV", "keys": [GroupKey("BHV", "x")]},
            "group_already_activated",
        ),
        ({"mode": Activation.Mode.PORTFOLIO, "new_title": "BHV"}, "target_not_allowed"),
    ],
)
@pytest.mark.django_db
def test_activation_create_rejected(
    batch: ImportBatch, admin_user: User, choices: dict[str, object], code: str
) -> None:
    with pytest.raises(InputRejected) as caught:
        _create(batch, admin_user, **choices)

    assert caught.value.code == code
    assert not Activation.objects.exists()
    assert not ExternalResult.objects.exists()
    assert not StagedRow.objects.filter(activation_group__isnull=False).exists()


@pytest.mark.django_db
def test_activation_create_existing_and_title(
    batch: ImportBatch, admin_user: User
) -> None:
    existing = factories.external_result_create()

    with pytest.raises(InputRejected) as caught:
        _create(batch, admin_user, external_result=existing, new_title="BHV")

    assert caught.value.code == "target_ambiguous"


@pytest.mark.django_db
def test_activation_create_individual_existing(
    batch: ImportBatch, admin_user: User
) -> None:
    existing = factories.external_result_create()

    with pytest.raises(InputRejected) as caught:
        _create(
            batch, admin_user, mode=Activation.Mode.INDIVIDUAL, external_result=existing
        )

    assert caught.value.code == "target_not_allowed"


@pytest.mark.django_db
def test_activation_create_batch_not_staged(
    batch: ImportBatch, admin_user: User
) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.STAGING)
    batch.refresh_from_db()

    with pytest.raises(InputRejected) as caught:
        _create(batch, admin_user, new_title="BHV")

    assert caught.value.code == "batch_not_staged"
    assert caught.value.params == {"batch": batch.pk, "state": "staging"}


@pytest.mark.django_db
def test_activation_create_group_taken(batch: ImportBatch, admin_user: User) -> None:
    first = _create(batch, admin_user, keys=[BHV], new_title="BHV")

    with pytest.raises(InputRejected) as caught:
        _create(batch, admin_user, keys=[EHBO, BHV], new_title="Tweede")

    assert caught.value.code == "group_already_activated"
    assert caught.value.params == {"title": "BHV"}
    assert list(Activation.objects.values_list("pk", flat=True)) == [first.pk]
    assert StagedRow.objects.filter(activation_group__isnull=True).count() == 2
    assert list(ExternalResult.objects.values_list("title", flat=True)) == ["BHV"]


@pytest.mark.django_db
def test_activation_create_duplicate_keys(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, keys=[BHV, BHV], new_title="BHV")

    assert activation.groups.count() == 1
    assert activation.total_rows == 3


@pytest.mark.django_db
def test_activation_message_group_taken() -> None:
    with override("en"):
        text = activation_error_message("group_already_activated", {"title": "BHV"})

    assert text.startswith("Group “BHV” has been activated or deleted meanwhile.")


# activation_overview -------------------------------------------------------


@pytest.mark.django_db
def test_activation_overview_counts(
    batch: ImportBatch, admin_user: User, django_assert_max_num_queries: object
) -> None:
    with override("en"), django_assert_max_num_queries(3):  # type: ignore[operator]
        overview = activation_overview(
            batch=batch, keys=[EHBO, BHV], mode=Activation.Mode.MERGE, new_title="BHV"
        )

    assert [group.title for group in overview.groups] == ["BHV", "EHBO"]
    assert [group.rows for group in overview.groups] == [3, 2]
    assert [group.learners for group in overview.groups] == [3, 2]
    assert overview.total_rows == 5
    # Two learners are in both groups; each counts once.
    assert overview.total_learners == 3
    assert overview.target == "new: BHV"
    assert overview.unavailable == []
    assert not Activation.objects.exists()


@pytest.mark.django_db
def test_activation_overview_existing_target(batch: ImportBatch) -> None:
    existing = factories.external_result_create(library_title="Veiligheid")

    overview = activation_overview(
        batch=batch, keys=[BHV], mode=Activation.Mode.MERGE, external_result=existing
    )

    assert overview.target == "Veiligheid"
    assert overview.groups[0].target == "Veiligheid"


@pytest.mark.django_db
def test_activation_overview_individual_targets(batch: ImportBatch) -> None:
    with override("en"):
        overview = activation_overview(
            batch=batch, keys=[BHV, EHBO], mode=Activation.Mode.INDIVIDUAL
        )

    assert [group.target for group in overview.groups] == ["new: BHV", "new: EHBO"]


@pytest.mark.django_db
def test_activation_overview_unavailable_group(
    batch: ImportBatch, admin_user: User
) -> None:
    _create(batch, admin_user, keys=[BHV], new_title="BHV")

    overview = activation_overview(
        batch=batch, keys=[BHV, EHBO], mode=Activation.Mode.PORTFOLIO
    )

    assert overview.unavailable == [BHV]
    assert [group.title for group in overview.groups] == ["EHBO"]
    assert overview.total_rows == 2


@pytest.mark.django_db
def test_activation_overview_rejects_mode(batch: ImportBatch) -> None:
    with pytest.raises(InputRejected) as caught:
        activation_overview(batch=batch, keys=[BHV], mode="everything")

    assert caught.value.code == "mode_invalid"


# activation_run --------------------------------------------------------------


@pytest.mark.django_db
def test_activation_run_merge_results(
    batch: ImportBatch, admin_user: User, learners: list[User]
) -> None:
    StagedRow.objects.filter(title="BHV").update(
        achieved_time=datetime.time(14, 5), result_id="R-9"
    )
    activation = _create(batch, admin_user, new_title="BHV en EHBO")

    finished = activation_run(activation_id=activation.pk)

    external_result = ExternalResult.objects.get()
    assert finished.state == Activation.State.FINISHED
    assert finished.done_rows == 5
    assert finished.started_at is not None
    assert finished.finished_at is not None
    assert Result.objects.count() == 5
    assert Result.objects.filter(external_result=external_result).count() == 5
    assert not Result.objects.filter(portfolio_only=True).exists()
    row = StagedRow.objects.get(title="BHV", learner=learners[0])
    result = Result.objects.get(source_batch_id=batch.pk, source_line=row.line)
    assert result.learner == learners[0]
    assert result.title == "BHV"
    assert result.achieved_on == row.achieved_on
    assert result.achieved_time == datetime.time(14, 5)
    assert result.source_result_id == "R-9"
    ehbo = Result.objects.filter(title="EHBO").first()
    assert ehbo is not None
    assert ehbo.tags == ["Herhaling"]
    assert not StagedRow.objects.filter(activated_at__isnull=True).exists()


@pytest.mark.django_db
def test_activation_run_individual_targets(
    batch: ImportBatch, admin_user: User
) -> None:
    activation = _create(batch, admin_user, mode=Activation.Mode.INDIVIDUAL)

    activation_run(activation_id=activation.pk)

    for title, count in (("BHV", 3), ("EHBO", 2)):
        external_result = ExternalResult.objects.get(title=title)
        assert Result.objects.filter(external_result=external_result).count() == count
        assert (
            not Result.objects.filter(external_result=external_result)
            .exclude(title=title)
            .exists()
        )


@pytest.mark.django_db
def test_activation_run_portfolio_only(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, mode=Activation.Mode.PORTFOLIO)

    activation_run(activation_id=activation.pk)

    assert Result.objects.count() == 5
    assert Result.objects.filter(portfolio_only=True).count() == 5
    assert not Result.objects.filter(external_result__isnull=False).exists()


@pytest.mark.django_db
def test_activation_run_notifies_finished(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, new_title="BHV")

    activation_run(activation_id=activation.pk)

    notification = Notification.objects.get(code="activation_finished")
    assert notification.recipient == admin_user
    assert notification.params["done"] == 5
    assert notification.params["rows"] == 5
    assert notification.link == f"/imports/activations/{activation.pk}/"


@pytest.mark.django_db
def test_activation_run_enrols_nobody(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, new_title="BHV")

    activation_run(activation_id=activation.pk)

    assert not Participation.objects.exists()


@pytest.mark.django_db
def test_activation_run_chunks(
    batch: ImportBatch,
    admin_user: User,
    settings: Settings,
    after_chunk_calls: list[list[int]],
) -> None:
    settings.ACTIVATION_CHUNK_SIZE = 2
    activation = _create(batch, admin_user, new_title="BHV")

    finished = activation_run(activation_id=activation.pk)

    assert [len(ids) for ids in after_chunk_calls] == [2, 2, 1]
    assert sorted(id_ for ids in after_chunk_calls for id_ in ids) == sorted(
        Result.objects.values_list("pk", flat=True)
    )
    assert finished.done_rows == 5


@pytest.mark.django_db
def test_activation_run_finished_noop(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, new_title="BHV")
    activation_run(activation_id=activation.pk)

    again = activation_run(activation_id=activation.pk)

    assert again.state == Activation.State.FINISHED
    assert again.done_rows == 5
    assert Result.objects.count() == 5
    assert Notification.objects.filter(code="activation_finished").count() == 1


@pytest.mark.django_db
def test_activation_run_resumes_after_crash(
    batch: ImportBatch,
    admin_user: User,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.ACTIVATION_CHUNK_SIZE = 2
    activation = _create(batch, admin_user, new_title="BHV")
    _fail_on_call(monkeypatch, 2, _SimulatedCrash())

    with pytest.raises(_SimulatedCrash):
        activation_run(activation_id=activation.pk)

    activation.refresh_from_db()
    assert activation.state == Activation.State.RUNNING
    assert activation.done_rows == 2
    assert Result.objects.count() == 2
    assert StagedRow.objects.filter(activated_at__isnull=False).count() == 2

    resumed = activation_run(activation_id=activation.pk)

    assert resumed.state == Activation.State.FINISHED
    assert resumed.done_rows == 5
    assert Result.objects.count() == 5
    assert (
        Result.objects.values("source_batch_id", "source_line").distinct().count() == 5
    )


@pytest.mark.django_db
def test_activation_run_error_fails(
    batch: ImportBatch,
    admin_user: User,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.ACTIVATION_CHUNK_SIZE = 2
    activation = _create(batch, admin_user, new_title="BHV")
    _fail_on_call(monkeypatch, 2, RuntimeError("recalculation failed"))

    failed = activation_run(activation_id=activation.pk)

    assert failed.state == Activation.State.FAILED
    assert failed.failure_code == "unexpected_error"
    assert failed.failure_params == {
        "error": "RuntimeError",
        "detail": "recalculation failed",
    }
    assert failed.finished_at is not None
    # The first chunk stays written; the second was rolled back.
    assert failed.done_rows == 2
    assert Result.objects.count() == 2
    notification = Notification.objects.get(code="activation_failed")
    assert notification.params["done"] == 2
    assert activation_run(activation_id=activation.pk).state == Activation.State.FAILED
    assert Result.objects.count() == 2


@pytest.mark.django_db
def test_activation_retry_completes(
    batch: ImportBatch,
    admin_user: User,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    settings.ACTIVATION_CHUNK_SIZE = 2
    activation = _create(batch, admin_user, new_title="BHV")
    _fail_on_call(monkeypatch, 2, RuntimeError("recalculation failed"))
    activation_run(activation_id=activation.pk)

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[attr-defined]
        queued = activation_retry(activation_id=activation.pk, retried_by=admin_user)
    finished = activation_run(activation_id=activation.pk)

    assert queued.state == Activation.State.QUEUED
    assert queued.failure_code == ""
    assert len(callbacks) == 1
    assert finished.state == Activation.State.FINISHED
    assert finished.done_rows == 5
    assert Result.objects.count() == 5


@pytest.mark.django_db
def test_activation_retry_not_failed(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, new_title="BHV")

    with pytest.raises(InputRejected) as caught:
        activation_retry(activation_id=activation.pk, retried_by=admin_user)

    assert caught.value.code == "activation_not_failed"
    assert caught.value.params == {"activation": activation.pk, "state": "queued"}


@pytest.mark.django_db
def test_activation_run_task_missing_activation() -> None:
    result = activation_run_task.apply(args=(987654,))

    assert result.successful()


@pytest.mark.django_db
def test_activation_run_task_runs(batch: ImportBatch, admin_user: User) -> None:
    activation = _create(batch, admin_user, new_title="BHV")

    activation_run_task.apply(args=(activation.pk,))

    activation.refresh_from_db()
    assert activation.state == Activation.State.FINISHED
    assert Result.objects.count() == 5


# Enqueueing and concurrency -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_activation_create_enqueues_on_commit(
    celery_broker: Broker, batch: ImportBatch, admin_user: User
) -> None:
    activation = _create(batch, admin_user, new_title="BHV")

    activation.refresh_from_db()
    assert activation.celery_task_id != ""
    assert activation.state == Activation.State.QUEUED


@pytest.fixture
def unreachable_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Send tasks to a loopback port where no broker listens, without retrying."""
    url = "redis://127.0.0.1:1/0"
    # Celery reads the broker URL from this variable before its settings.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    changed = {
        "broker_url": url,
        "broker_transport_options": {},
        "task_publish_retry": False,
    }
    previous = {key: celery_app.conf[key] for key in changed}
    celery_app.conf.update(changed)
    celery_connections_reset(celery_app)
    yield
    celery_app.conf.update(previous)
    celery_connections_reset(celery_app)


@pytest.mark.django_db(transaction=True)
def test_activation_enqueue_broker_down(
    unreachable_broker: None, batch: ImportBatch, admin_user: User
) -> None:
    activation = _create(batch, admin_user, new_title="BHV")

    activation.refresh_from_db()
    assert activation.state == Activation.State.FAILED
    assert activation.failure_code == "enqueue_failed"
    assert activation.failure_params == {"error": "OperationalError"}
    assert activation.celery_task_id == ""
    assert (
        StagedRow.objects.filter(activation_group__activation=activation).count() == 5
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer at a time hold the database, so two claims "
    "never overlap there; run with DATABASE_URL=postgres://... to test it.",
)
@pytest.mark.django_db(transaction=True)
def test_activation_claims_concurrent_one_wins(
    celery_broker: Broker,
    batch: ImportBatch,
    admin_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Both threads pass the availability check and open their transactions
    # before either claims, so the second claim meets the first one's locks.
    barrier = threading.Barrier(2, timeout=30)
    original = activation_module._external_results_create

    def synchronised(**kwargs: object) -> object:
        barrier.wait()
        return original(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(activation_module, "_external_results_create", synchronised)
    outcomes: list[object] = []

    def activate(title: str) -> None:
        try:
            outcomes.append(_create(batch, admin_user, new_title=title))
        except InputRejected as error:
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=activate, args=(t,)) for t in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    activations = [o for o in outcomes if isinstance(o, Activation)]
    rejections = [o for o in outcomes if isinstance(o, InputRejected)]
    assert len(activations) == 1
    assert len(rejections) == 1
    assert rejections[0].code == "group_already_activated"
    assert Activation.objects.count() == 1
    assert ExternalResult.objects.count() == 1
    winner = activations[0]
    assert ActivationGroup.objects.filter(activation=winner).count() == 2
    assert StagedRow.objects.filter(activation_group__activation=winner).count() == 5
    assert winner.total_rows == 5
