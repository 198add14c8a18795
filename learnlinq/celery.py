"""The Celery application; workers start it with ``celery -A learnlinq worker``."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

from learnlinq.broker import filesystem_transport_install

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnlinq.settings")
# Before the app opens a connection: filesystem:// must resolve to the
# transport that never exposes a half-written message.
filesystem_transport_install()

app = Celery("learnlinq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _create_broker_folders() -> None:
    # kombu's file-system transport expects its folders to exist already.
    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if folder:
            os.makedirs(str(folder), exist_ok=True)


@app.on_configure.connect
def _on_configure(**kwargs: object) -> None:
    _create_broker_folders()


_heartbeat: Any = None


@worker_ready.connect
def _heartbeat_start(sender: Any = None, **kwargs: object) -> None:
    # Imported here: the models need Django's app registry, which is ready
    # only once the worker has started.
    from learnlinq.workers import HeartbeatThread

    global _heartbeat
    hostname = getattr(sender, "hostname", None) or "worker"
    _heartbeat = HeartbeatThread(hostname)
    _heartbeat.start()


@worker_shutdown.connect
def _heartbeat_stop(**kwargs: object) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()
