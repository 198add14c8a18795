"""
A real worker killed during an activation, and two activations of one group.

These tests start Celery worker processes, so they use a transactional
database and the broker of the ``celery_broker`` fixture.
"""

import io
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from pytest_django.fixtures import Settings

from imports.models import Activation, ImportBatch, StagedRow
from imports.selectors import review_groups
from imports.services.activation import activation_create
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create, import_batch_stage
from learnlinq.errors import InputRejected
from learnlinq.models import WorkerHeartbeat
from learnlinq.workers import workers_alive
from results.models import Result
from tests import factories
from tests.conftest import CASES_DIR
from tests.worker import (
    PROJECT_DIR,
    WORKER_START_TIMEOUT,
    Broker,
    Worker,
    current_database_url,
    wait_for,
    worker_is_ready,
    worker_stop,
)
from users.models import User

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RECORDS_FILE = CASES_DIR / "files" / "c06-20000-records.csv"
RECORDS = 20_000


def _worker_start(broker: Broker, settings: Settings, log_path: Path) -> Worker:
    """Start one more worker on the test's queue, as the fixture does."""
    env = dict(os.environ)
    env.update(broker.env)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "learnlinq.settings",
            "DATABASE_URL": current_database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "ACTIVATION_CHUNK_SIZE": str(settings.ACTIVATION_CHUNK_SIZE),
            # The worker enqueues the resumed activations on this queue.
            "CELERY_TASK_DEFAULT_QUEUE": broker.queue,
            "PYTHONUNBUFFERED": "1",
        }
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "learnlinq",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "-Q",
        broker.queue,
        "--hostname",
        f"{broker.queue}-restarted@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = Worker(process=process, log_path=log_path, queue=broker.queue)
    wait_for(lambda: worker_is_ready(worker), timeout=WORKER_START_TIMEOUT)
    return worker


@pytest.fixture
def records_batch(admin_user: User) -> ImportBatch:
    """The 20,000-record register of the case users, staged."""
    call_command("import_users", str(CASES_DIR / "users.csv"), stdout=io.StringIO())
    batch = import_batch_create(
        created_by=admin_user,
        data=ContentFile(RECORDS_FILE.read_bytes(), name=RECORDS_FILE.name),
        original_name=RECORDS_FILE.name,
        settings=ImportSettings(user_field="email"),
    )
    return import_batch_stage(batch_id=batch.pk)


def _done_rows(activation_id: int) -> int:
    return Activation.objects.get(pk=activation_id).done_rows


def _finished(activation_id: int) -> Activation | None:
    activation = Activation.objects.get(pk=activation_id)
    return activation if activation.is_final else None


@pytest.fixture
def second_worker_log(tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker_stop(worker)


def test_worker_killed_activation_completes(
    celery_worker: Worker,
    celery_broker: Broker,
    records_batch: ImportBatch,
    admin_user: User,
    settings: Settings,
    tmp_path: Path,
    second_worker_log: list[Worker],
) -> None:
    assert records_batch.staged_count == RECORDS
    keys = [group.key for group in review_groups(batch=records_batch)]

    activation = activation_create(
        batch=records_batch,
        created_by=admin_user,
        keys=keys,
        mode=Activation.Mode.INDIVIDUAL,
    )
    done_at_kill = wait_for(
        lambda: _done_rows(activation.pk), timeout=300, interval=0.05
    )
    os.kill(celery_worker.process.pid, signal.SIGKILL)
    celery_worker.process.wait()
    interrupted = Activation.objects.get(pk=activation.pk)
    second_worker_log.append(
        _worker_start(celery_broker, settings, tmp_path / "worker-restarted.log")
    )
    restarted = second_worker_log[0]
    finished = wait_for(lambda: _finished(activation.pk), timeout=600)

    lines = Result.objects.filter(source_batch_id=records_batch.pk)
    assert 0 < done_at_kill < RECORDS
    assert interrupted.state == Activation.State.RUNNING
    assert finished.state == Activation.State.FINISHED, restarted.log_text()
    assert finished.done_rows == RECORDS
    assert lines.count() == RECORDS
    assert lines.values("source_line").distinct().count() == RECORDS
    assert not StagedRow.objects.filter(activated_at__isnull=True).exists()


def test_concurrent_activations_one_wins(
    celery_worker: Worker, admin_user: User, settings: Settings
) -> None:
    learners = [factories.user_create() for _ in range(50)]
    other_admin = factories.settings_administrator_create()
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    keys = [group.key for group in review_groups(batch=batch)]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def activate(name: str, user: User) -> None:
        try:
            barrier.wait()
            outcomes[name] = activation_create(
                batch=batch,
                created_by=user,
                keys=keys,
                mode=Activation.Mode.MERGE,
                new_title="BHV",
                new_library_title=name,
            )
        except InputRejected as error:
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=activate, args=("first", admin_user)),
        threading.Thread(target=activate, args=("second", other_admin)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes.values() if isinstance(o, Activation)]
    losers = [o for o in outcomes.values() if isinstance(o, InputRejected)]
    finished = wait_for(lambda: _finished(winners[0].pk), timeout=120)

    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0].code == "group_already_activated"
    assert losers[0].params == {"title": "BHV"}
    assert finished.state == Activation.State.FINISHED
    assert Result.objects.count() == 50
    assert Result.objects.values("learner").distinct().count() == 50
    assert Activation.objects.count() == 1


def test_worker_heartbeat_written_and_removed(celery_worker: Worker) -> None:
    alive = wait_for(workers_alive, timeout=60)
    hostnames = list(WorkerHeartbeat.objects.values_list("hostname", flat=True))

    worker_stop(celery_worker)

    assert alive
    assert hostnames == [f"{celery_worker.queue}@{socket.gethostname()}"]
    assert not WorkerHeartbeat.objects.exists()
