"""
Celery entry points of the imports app.

Each task takes an id, calls one service and is safe to run twice: the
services skip work that is already done. Tasks are acknowledged late (see
``CELERY_TASK_ACKS_LATE``), so a task whose worker died is delivered again.
"""

import logging
from functools import partial

from celery import Task, shared_task
from celery.signals import worker_ready

from imports.models import Activation, AttachmentArchive, ImportBatch
from imports.services.activation_run import activation_run
from imports.services.attachments import (
    attachment_archive_after_staging,
    attachment_archive_process,
    attachment_uploads_clean_up,
)
from imports.services.staging import import_batch_stage

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True)
def import_batch_stage_task(self: Task, batch_id: int) -> None:
    """Read, check and stage the rows of import ``batch_id``."""
    logger.info("Task %s: staging import %s", self.request.id, batch_id)
    try:
        batch = import_batch_stage(batch_id=batch_id)
    except ImportBatch.DoesNotExist:
        logger.warning("Task %s: import %s does not exist", self.request.id, batch_id)
        return
    logger.info("Task %s: import %s is %s", self.request.id, batch_id, batch.state)
    attachment_archive_after_staging(batch_id=batch_id)


@shared_task(bind=True, acks_late=True)
def activation_run_task(self: Task, activation_id: int) -> None:
    """Write the results of activation ``activation_id``, resuming where it stopped."""
    logger.info("Task %s: running activation %s", self.request.id, activation_id)
    try:
        activation = activation_run(activation_id=activation_id)
    except Activation.DoesNotExist:
        logger.warning(
            "Task %s: activation %s does not exist", self.request.id, activation_id
        )
        return
    logger.info(
        "Task %s: activation %s is %s (%s of %s rows)",
        self.request.id,
        activation_id,
        activation.state,
        activation.done_rows,
        activation.total_rows,
    )


@shared_task(bind=True, acks_late=True)
def attachment_archive_process_task(self: Task, archive_id: int) -> None:
    """Read attachments ZIP ``archive_id`` and attach its documents to staged rows."""
    logger.info("Task %s: reading attachments ZIP %s", self.request.id, archive_id)
    try:
        archive = attachment_archive_process(
            archive_id=archive_id, task_id=self.request.id or ""
        )
    except AttachmentArchive.DoesNotExist:
        logger.warning("Task %s: ZIP %s does not exist", self.request.id, archive_id)
        return
    logger.info("Task %s: ZIP %s is %s", self.request.id, archive_id, archive.state)


@shared_task(bind=True, acks_late=True)
def attachment_uploads_clean_up_task(self: Task) -> None:
    """Delete abandoned wizard uploads and the ZIPs of finished imports."""
    deleted = attachment_uploads_clean_up()
    logger.info("Task %s: clean-up deleted %s files", self.request.id, deleted)


@worker_ready.connect
def _jobs_resume_on_start(sender: object = None, **kwargs: object) -> None:
    # A worker that was killed mid-job is usually restarted; resuming here
    # finishes its job even on a broker that never redelivers the task.
    from imports.services.recovery import (
        activations_resume,
        attachment_archives_resume,
        import_batches_resume,
    )

    hostname = str(getattr(sender, "hostname", "") or "")
    resumes = (
        import_batches_resume,
        partial(attachment_archives_resume, hostname=hostname),
        activations_resume,
    )
    for resume in resumes:
        try:
            resume()
        except Exception:
            logger.exception(
                "Could not resume unfinished jobs at start of %s", hostname
            )
