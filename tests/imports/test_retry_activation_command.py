"""The retry_activation management command."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from imports.models import Activation
from imports.selectors import GroupKey
from imports.services.activation import activation_create
from results.models import Result
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(admin_user: User) -> Activation:
    """A portfolio activation of three rows that failed before writing any."""
    learners = [factories.user_create() for _ in range(3)]
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[GroupKey("BHV", "")],
        mode=Activation.Mode.PORTFOLIO,
        enqueue=False,
    )
    Activation.objects.filter(pk=activation.pk).update(
        state=Activation.State.FAILED,
        failure_code="unexpected_error",
        failure_params={"error": "RuntimeError"},
    )
    return activation


def _run(*args: str) -> str:
    out = StringIO()
    with override("en"):
        call_command("retry_activation", *args, stdout=out)
    return out.getvalue()


def test_retry_command_wait_finishes(failed: Activation) -> None:
    payload = json.loads(_run(str(failed.pk), "--wait", "--json"))

    assert payload["activation"] == failed.pk
    assert payload["state"] == "finished"
    assert payload["done"] == 3
    assert payload["failure_code"] == ""
    assert Result.objects.filter(portfolio_only=True).count() == 3


def test_retry_command_queues(
    failed: Activation, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        output = _run(str(failed.pk))

    assert output.startswith(f"Activation {failed.pk} of import ")
    assert "queued, 0 of 3 rows written." in output
    assert len(callbacks) == 1


def test_retry_command_not_failed(failed: Activation) -> None:
    _run(str(failed.pk), "--wait")

    with pytest.raises(CommandError, match="only a failed activation can be"):
        _run(str(failed.pk))


def test_retry_command_unknown_activation(db: None) -> None:
    with pytest.raises(CommandError, match="Activation 999999 does not exist"):
        _run("999999")


def test_retry_command_as_learner(failed: Activation, learner: User) -> None:
    with pytest.raises(CommandError, match="No active settings administrator"):
        _run(str(failed.pk), "--as", learner.username)

    failed.refresh_from_db()
    assert failed.state == Activation.State.FAILED
