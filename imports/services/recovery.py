"""
Keeping imports and activations moving when workers die or are missing.

A worker killed half-way (SIGKILL, out of memory, a reboot) leaves its import,
attachments ZIP or activation unfinished. A Redis broker delivers the
unacknowledged task again after its visibility timeout, but the file-system
broker never does, so each worker also resumes unfinished jobs when it starts.
"""

import datetime
import logging

from django.utils import timezone

from imports.models import Activation, AttachmentArchive, ImportBatch
from learnlinq.workers import workers_alive

logger = logging.getLogger(__name__)

UNFINISHED_STATES = (Activation.State.QUEUED, Activation.State.RUNNING)
# How long a job may wait without progress before the status page reports
# that no worker seems to be running. Long enough for a worker to pick up a task.
WORKER_WAIT = datetime.timedelta(seconds=30)


def activations_resume() -> list[int]:
    """
    Enqueue every queued or running activation again; return their ids.

    Safe even when another worker is still running one of them. Each chunk
    locks its rows and skips rows already written, and every result is
    unique per source line, so a second run only shares the remaining work.
    """
    # imports.tasks imports the services, so the task is looked up here.
    from imports.tasks import activation_run_task

    ids = list(
        Activation.objects.filter(state__in=UNFINISHED_STATES)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    for activation_id in ids:
        activation_run_task.delay(activation_id)
    if ids:
        logger.info("Resumed unfinished activations %s", ids)
    return ids


def import_batches_resume() -> list[int]:
    """
    Enqueue staging again for every import still waiting or being read.

    Staging runs in one transaction under a row lock, so a run that died left
    nothing behind, and a second run for the same import finds it final.
    """
    from imports.tasks import import_batch_stage_task

    ids = list(
        ImportBatch.objects.filter(
            state__in=(ImportBatch.State.QUEUED, ImportBatch.State.STAGING)
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    for batch_id in ids:
        import_batch_stage_task.delay(batch_id)
    if ids:
        logger.info("Resumed unfinished imports %s", ids)
    return ids


def attachment_archives_resume(*, hostname: str) -> list[int]:
    """
    Enqueue every attachments ZIP that a dead worker started but did not finish.

    Processing a ZIP again clears what the earlier run wrote, which would
    break a run still going on another worker. So ZIPs are resumed only when
    no other worker than ``hostname`` (the one starting) is alive. With
    several workers, a dead worker's ZIP task comes back through the broker's
    redelivery instead. A ZIP still QUEUED is left to the staging task of its
    import, which queues it once the rows exist.
    """
    from imports.tasks import attachment_archive_process_task

    if workers_alive(exclude_hostname=hostname):
        return []

    ids = list(
        AttachmentArchive.objects.filter(state=AttachmentArchive.State.RUNNING)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    for archive_id in ids:
        attachment_archive_process_task.delay(archive_id)
    if ids:
        logger.info("Resumed unfinished attachments ZIPs %s", ids)
    return ids


def activation_worker_missing(
    *, activation: Activation, now: datetime.datetime | None = None
) -> bool:
    """
    Return whether an unfinished activation seems to wait for a missing worker.

    True when it made no progress for ``WORKER_WAIT`` and no worker sent a
    heartbeat recently. A worker that is merely busy with another job keeps
    its heartbeat, so this stays False while the job waits its turn.
    """
    if activation.state not in UNFINISHED_STATES:
        return False
    now = now or timezone.now()
    if now - activation.updated_at < WORKER_WAIT:
        return False
    return not workers_alive(now=now)
