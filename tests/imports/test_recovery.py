import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imports.models import Activation, AttachmentArchive, ImportBatch
from imports.services.recovery import (
    WORKER_WAIT,
    activation_worker_missing,
    attachment_archives_resume,
    import_batches_resume,
)
from learnlinq.models import WorkerHeartbeat
from learnlinq.workers import HEARTBEAT_MAX_AGE, worker_heartbeat_touch, workers_alive
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


def _activation(admin_user: User, state: str, age: datetime.timedelta) -> Activation:
    activation = Activation.objects.create(
        batch=factories.import_batch_create(created_by=admin_user),
        created_by=admin_user,
        mode=Activation.Mode.PORTFOLIO,
        state=state,
    )
    Activation.objects.filter(pk=activation.pk).update(updated_at=timezone.now() - age)
    activation.refresh_from_db()
    return activation


def test_workers_alive_fresh_heartbeat() -> None:
    worker_heartbeat_touch(hostname="celery@one")

    assert workers_alive()


def test_workers_alive_stale_heartbeat() -> None:
    WorkerHeartbeat.objects.create(
        hostname="celery@one",
        seen_at=timezone.now() - HEARTBEAT_MAX_AGE - datetime.timedelta(seconds=1),
    )

    assert not workers_alive()


def test_heartbeat_touch_keeps_one_row() -> None:
    worker_heartbeat_touch(hostname="celery@one")
    worker_heartbeat_touch(hostname="celery@one")

    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.parametrize(
    ("state", "waited", "heartbeat", "missing"),
    [
        (Activation.State.QUEUED, WORKER_WAIT * 2, False, True),
        (Activation.State.RUNNING, WORKER_WAIT * 2, False, True),
        # A worker that is alive but busy with another job.
        (Activation.State.QUEUED, WORKER_WAIT * 2, True, False),
        # Just enqueued: give a worker time to pick it up.
        (Activation.State.QUEUED, datetime.timedelta(seconds=1), False, False),
        (Activation.State.FINISHED, WORKER_WAIT * 2, False, False),
        (Activation.State.CANCELLED, WORKER_WAIT * 2, False, False),
    ],
)
def test_worker_missing_table(
    admin_user: User,
    state: str,
    waited: datetime.timedelta,
    heartbeat: bool,
    missing: bool,
) -> None:
    activation = _activation(admin_user, state, waited)
    if heartbeat:
        worker_heartbeat_touch(hostname="celery@busy")

    assert activation_worker_missing(activation=activation) is missing


def test_status_endpoint_reports_missing_worker(
    admin_client: Client, admin_user: User
) -> None:
    activation = _activation(admin_user, Activation.State.QUEUED, WORKER_WAIT * 2)

    response = admin_client.get(
        reverse("imports:activation-status", args=[activation.pk])
    )

    assert response.status_code == 200
    assert response.json()["worker_missing"] is True


def test_detail_page_warns_missing_worker(
    admin_client: Client, admin_user: User
) -> None:
    activation = _activation(admin_user, Activation.State.QUEUED, WORKER_WAIT * 2)

    admin_client.cookies["django_language"] = "en"
    response = admin_client.get(
        reverse("imports:activation-detail", args=[activation.pk])
    )

    assert response.context["worker_missing"] is True
    assert "no worker has reported" in response.content.decode()
    assert 'data-show-when="worker_missing" hidden' not in response.content.decode()


def test_detail_page_hides_notice_fresh_job(
    admin_client: Client, admin_user: User
) -> None:
    activation = _activation(
        admin_user, Activation.State.QUEUED, datetime.timedelta(seconds=1)
    )

    response = admin_client.get(
        reverse("imports:activation-detail", args=[activation.pk])
    )

    assert response.context["worker_missing"] is False
    assert 'data-show-when="worker_missing" hidden' in response.content.decode()


def test_import_batches_resume_unfinished(admin_user: User) -> None:
    queued = factories.import_batch_create(
        created_by=admin_user, state=ImportBatch.State.QUEUED
    )
    staging = factories.import_batch_create(
        created_by=admin_user, state=ImportBatch.State.STAGING
    )
    factories.import_batch_create(created_by=admin_user, state=ImportBatch.State.STAGED)

    resumed = import_batches_resume()

    assert resumed == [queued.pk, staging.pk]


def test_archives_resume_only_without_other_worker(admin_user: User) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    archive = AttachmentArchive.objects.create(
        batch=batch,
        created_by=admin_user,
        file="imports/attachments.zip",
        original_name="bijlagen.zip",
        size=1,
        state=AttachmentArchive.State.RUNNING,
    )
    worker_heartbeat_touch(hostname="celery@other")

    assert attachment_archives_resume(hostname="celery@me") == []

    WorkerHeartbeat.objects.all().delete()
    assert attachment_archives_resume(hostname="celery@me") == [archive.pk]
