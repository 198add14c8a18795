"""
Fixtures that run tasks through a real broker and a real Celery worker process.

``celery_broker`` points this process's Celery app at a queue of its own: a
file-system broker folder under the test's tmp folder, or a uniquely named
queue on the broker in ``CELERY_BROKER_URL``. ``celery_worker`` starts
``celery -A learnlinq worker`` on that queue against the current test
database and stops it after the test. The worker is a separate process, so
it reads only committed data. Use it with ``transactional_db``.
"""

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection
from pytest_django.fixtures import Settings

from learnlinq.celery import app as celery_app

logger = logging.getLogger(__name__)

T = TypeVar("T")

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Start-up imports Django and every app, which takes a while on a busy machine.
WORKER_START_TIMEOUT = 90.0
WORKER_STOP_TIMEOUT = 20.0


def wait_for(
    predicate: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.2
) -> T:
    """
    Call ``predicate`` until it returns a true value, and return that value.

    Fails the test after ``timeout`` seconds. The timeout only guards against
    a hang and is no statement about speed.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Condition not met within {timeout} seconds: {predicate!r}")
        time.sleep(interval)


@dataclass
class Broker:
    """The broker settings a test shares with its worker process."""

    queue: str
    env: dict[str, str]


def celery_connections_reset(app: Celery) -> None:
    # The app caches the connection and producer pools it took on first use.
    # Forgetting them makes the next task take the pools of the new settings
    # from kombu's registry, which is keyed by broker URL and transport
    # options. Closing them instead would leave closed pools in that registry.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


def _filesystem_options(folder: Path) -> dict[str, Any]:
    options: dict[str, Any] = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    for key in ("data_folder_in", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
    return options


def _queue_delete(app: Celery, queue: str) -> None:
    # Only a server broker keeps the queue after the test, because a folder
    # broker's queue is deleted with the tmp folder.
    try:
        with app.connection_for_write() as broker_connection:
            broker_connection.default_channel.queue_delete(queue)  # type: ignore[attr-defined]
    except Exception:
        logger.exception("Could not delete test queue %s", queue)


@pytest.fixture(scope="session", autouse=True)
def celery_session_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """
    Keep the tasks that tests enqueue away from the developer's own worker.

    Without this, a test run would leave messages on the configured broker
    (the ``var/broker`` folder or the Redis database) that the worker of
    ``scripts/run.sh`` later takes for real jobs with the same ids.
    """
    queue = f"learnlinq-test-session-{uuid.uuid4().hex[:12]}"
    broker_url = str(django_settings.CELERY_BROKER_URL)
    changed: dict[str, Any] = {"task_default_queue": queue}
    uses_folder = broker_url.startswith("filesystem://")
    if uses_folder:
        folder = tmp_path_factory.mktemp("broker")
        changed["broker_transport_options"] = _filesystem_options(folder)
    previous = {key: celery_app.conf[key] for key in changed}
    celery_app.conf.update(changed)
    celery_connections_reset(celery_app)

    yield queue

    if not uses_folder:
        _queue_delete(celery_app, queue)
    celery_app.conf.update(previous)
    celery_connections_reset(celery_app)


@pytest.fixture
def celery_broker(settings: Settings, tmp_path: Path) -> Iterator[Broker]:
    """Send this test's tasks to a queue no other test or worker reads."""
    queue = f"learnlinq-test-{uuid.uuid4().hex[:12]}"
    broker_url = str(django_settings.CELERY_BROKER_URL)
    # The worker sends the tasks it enqueues itself to the same queue.
    env = {"CELERY_BROKER_URL": broker_url, "CELERY_TASK_DEFAULT_QUEUE": queue}
    transport_options = dict(django_settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    uses_folder = broker_url.startswith("filesystem://")
    if uses_folder:
        folder = tmp_path / "broker"
        transport_options = _filesystem_options(folder)
        env["CELERY_BROKER_FOLDER"] = str(folder)
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = transport_options
    settings.CELERY_TASK_DEFAULT_QUEUE = queue

    changed = {
        "broker_url": broker_url,
        "broker_transport_options": transport_options,
        "task_default_queue": queue,
    }
    previous = {key: celery_app.conf[key] for key in changed}
    celery_app.conf.update(changed)
    celery_connections_reset(celery_app)

    yield Broker(queue=queue, env=env)

    if not uses_folder:
        _queue_delete(celery_app, queue)
    celery_app.conf.update(previous)
    celery_connections_reset(celery_app)


def current_database_url() -> str:
    """Return a ``DATABASE_URL`` for the database this test process uses now."""
    settings_dict = connection.settings_dict
    name = str(settings_dict["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("A worker process cannot open an in-memory SQLite database.")
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor == "postgresql":
        user = quote(str(settings_dict.get("USER") or ""), safe="")
        password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
        credentials = f"{user}:{password}@" if password else f"{user}@"
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{quote(name, safe='')}"
    pytest.fail(f"No worker set-up for the {connection.vendor} database.")


@dataclass
class Worker:
    """A running worker process and the file its output goes to."""

    process: subprocess.Popen[bytes]
    log_path: Path
    queue: str

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def worker_is_ready(worker: Worker) -> bool:
    if worker.process.poll() is not None:
        pytest.fail(
            f"The Celery worker exited with code {worker.process.returncode} "
            f"before it was ready:\n{worker.log_text()}"
        )
    # Celery logs "<node name> ready." once it consumes from its queues.
    return " ready." in worker.log_text()


def worker_stop(worker: Worker) -> None:
    if worker.process.poll() is not None:
        return
    # SIGTERM is Celery's warm shutdown: the task in progress may finish.
    worker.process.terminate()
    try:
        worker.process.wait(timeout=WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        logger.warning("Celery worker %s did not stop; killing it", worker.process.pid)
        worker.process.kill()
        worker.process.wait()


@pytest.fixture
def worker_environment() -> dict[str, str | None]:
    """
    Extra environment variables of the ``celery_worker`` process.

    A value of None removes the variable. Override this fixture, or
    parametrize a test on it, to run the worker under another locale or time
    zone. The values are applied last, so they win over the fixture's own.
    """
    return {}


@pytest.fixture
def celery_worker(
    transactional_db: None,
    celery_broker: Broker,
    settings: Settings,
    tmp_path: Path,
    worker_environment: dict[str, str | None],
) -> Iterator[Worker]:
    """
    Run a real Celery worker process for the duration of the test.

    The worker reads the current test database, the test's broker queue and
    media folder, and ``ACTIVATION_CHUNK_SIZE`` as the test has set it, with
    the changes of ``worker_environment``. Its output is in
    ``worker.log_text()``.
    """
    env = dict(os.environ)
    env.update(celery_broker.env)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "learnlinq.settings",
            "DATABASE_URL": current_database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "ACTIVATION_CHUNK_SIZE": str(settings.ACTIVATION_CHUNK_SIZE),
            # Tasks the worker enqueues itself (resumed activations) stay on
            # the test's queue.
            "CELERY_TASK_DEFAULT_QUEUE": celery_broker.queue,
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name, value in worker_environment.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    log_path = tmp_path / "worker.log"
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
        celery_broker.queue,
        "--hostname",
        f"{celery_broker.queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    worker = Worker(process=process, log_path=log_path, queue=celery_broker.queue)
    try:
        wait_for(lambda: worker_is_ready(worker), timeout=WORKER_START_TIMEOUT)
        yield worker
    finally:
        worker_stop(worker)
