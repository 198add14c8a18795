"""Retrying a failed activation from its detail page."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from imports.messages import activation_error_message
from imports.models import Activation
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(admin_user: User) -> Activation:
    batch = factories.import_batch_create(created_by=admin_user)
    return Activation.objects.create(
        batch=batch,
        created_by=admin_user,
        mode=Activation.Mode.PORTFOLIO,
        state=Activation.State.FAILED,
        total_rows=200,
        done_rows=100,
        failure_code="enqueue_failed",
        failure_params={"error": "OperationalError"},
    )


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def retry_url(activation: Activation) -> str:
    return reverse("imports:activation-retry", args=[activation.pk])


def detail_url(activation: Activation) -> str:
    return reverse("imports:activation-detail", args=[activation.pk])


def test_retry_queues_failed_activation(
    admin_client: Client, failed: Activation
) -> None:
    response = admin_client.post(retry_url(failed))

    assert response.status_code == 302
    assert response["Location"] == detail_url(failed)
    failed.refresh_from_db()
    assert failed.state == Activation.State.QUEUED
    assert failed.failure_code == ""
    assert failed.done_rows == 100


def test_retry_success_message(
    english: Client, admin_client: Client, failed: Activation
) -> None:
    response = admin_client.post(retry_url(failed), follow=True)

    texts = [str(message) for message in response.context["messages"]]
    assert texts == [
        f"Activation {failed.pk} is queued again. It continues with the rows not "
        "yet activated."
    ]


def test_retry_enqueues_on_commit(
    admin_client: Client,
    failed: Activation,
    django_capture_on_commit_callbacks: object,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        admin_client.post(retry_url(failed))

    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "state",
    [
        Activation.State.QUEUED,
        Activation.State.RUNNING,
        Activation.State.FINISHED,
        Activation.State.CANCELLED,
    ],
)
def test_retry_not_failed_error_message(
    english: Client, admin_client: Client, failed: Activation, state: str
) -> None:
    Activation.objects.filter(pk=failed.pk).update(state=state)

    response = admin_client.post(retry_url(failed), follow=True)

    with override("en"):
        expected = activation_error_message(
            "activation_not_failed", {"activation": failed.pk, "state": state}
        )
    texts = [str(message) for message in response.context["messages"]]
    assert texts == [expected]
    assert Activation.objects.get(pk=failed.pk).state == state


def test_detail_shows_retry_when_failed(
    admin_client: Client, failed: Activation
) -> None:
    response = admin_client.get(detail_url(failed))

    assert retry_url(failed) in response.content.decode()


@pytest.mark.parametrize("state", [Activation.State.RUNNING, Activation.State.FINISHED])
def test_detail_hides_retry_otherwise(
    admin_client: Client, failed: Activation, state: str
) -> None:
    Activation.objects.filter(pk=failed.pk).update(state=state)

    response = admin_client.get(detail_url(failed))

    assert retry_url(failed) not in response.content.decode()


def test_retry_anonymous_redirects(client: Client, failed: Activation) -> None:
    response = client.post(retry_url(failed))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Activation.objects.get(pk=failed.pk).state == Activation.State.FAILED


def test_retry_learner_forbidden(learner_client: Client, failed: Activation) -> None:
    response = learner_client.post(retry_url(failed))

    assert response.status_code == 403
    assert Activation.objects.get(pk=failed.pk).state == Activation.State.FAILED


def test_retry_get_not_allowed(admin_client: Client, failed: Activation) -> None:
    response = admin_client.get(retry_url(failed))

    assert response.status_code == 405
    assert Activation.objects.get(pk=failed.pk).state == Activation.State.FAILED


def test_retry_unknown_activation_404(admin_client: Client) -> None:
    response = admin_client.post(reverse("imports:activation-retry", args=[999999]))

    assert response.status_code == 404
