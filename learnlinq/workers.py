"""
Liveness of Celery workers, tracked by a heartbeat row each worker updates.

A row in the database works the same with every broker, including the
file-system broker, which does not support ``celery inspect ping``.
"""

import datetime
import logging
import threading

from django.db import close_old_connections
from django.utils import timezone

from learnlinq.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Seconds between two heartbeats of one worker.
HEARTBEAT_INTERVAL = 10
# A worker whose last heartbeat is older than this is taken to be gone. Three
# intervals allow for a slow database or a busy machine.
HEARTBEAT_MAX_AGE = datetime.timedelta(seconds=3 * HEARTBEAT_INTERVAL)


def worker_heartbeat_touch(*, hostname: str) -> None:
    """Record that worker ``hostname`` is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )


def worker_heartbeat_forget(*, hostname: str) -> None:
    """Remove a worker's row when it shuts down cleanly."""
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


def workers_alive(
    *, now: datetime.datetime | None = None, exclude_hostname: str = ""
) -> bool:
    """Return whether a worker, other than ``exclude_hostname``, is alive."""
    now = now or timezone.now()
    heartbeats = WorkerHeartbeat.objects.filter(seen_at__gte=now - HEARTBEAT_MAX_AGE)
    if exclude_hostname:
        heartbeats = heartbeats.exclude(hostname=exclude_hostname)
    return heartbeats.exists()


class HeartbeatThread(threading.Thread):
    """
    A daemon thread in the worker's main process that touches its row.

    It runs beside the task being executed, so a long activation does not make
    the worker look dead. When the process is killed the thread dies with it
    and the row goes stale, which is the point.
    """

    def __init__(self, hostname: str) -> None:
        super().__init__(name="learnlinq-heartbeat", daemon=True)
        self.hostname = hostname
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                worker_heartbeat_touch(hostname=self.hostname)
            except Exception:
                # A database hiccup must not end the heartbeat for good.
                logger.exception("Heartbeat of worker %s failed", self.hostname)
            finally:
                close_old_connections()
            self.stopped.wait(HEARTBEAT_INTERVAL)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=HEARTBEAT_INTERVAL)
        try:
            worker_heartbeat_forget(hostname=self.hostname)
        except Exception:
            logger.exception("Could not remove heartbeat of worker %s", self.hostname)
