import pytest
from django.utils import translation

from imports.models import Activation
from imports.selectors import GroupKey
from imports.services.activation import activation_create
from imports.services.activation_run import _activation_fail, activation_run
from tests import factories
from users.models import Notification, User
from users.notifications import notification_message

pytestmark = pytest.mark.django_db


def _activation(admin_user: User, learners: list[User]) -> Activation:
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    return activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[GroupKey("BHV", "")],
        mode=Activation.Mode.MERGE,
        new_title="BHV",
    )


def test_learners_never_notified(admin_user: User) -> None:
    learners = [factories.user_create() for _ in range(3)]
    activation = _activation(admin_user, learners)

    activation_run(activation_id=activation.pk)

    assert not Notification.objects.filter(recipient__in=learners).exists()
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        admin_user.pk
    }


def test_failed_notification_says_why(admin_user: User) -> None:
    activation = _activation(admin_user, [factories.user_create()])
    Activation.objects.filter(pk=activation.pk).update(state=Activation.State.RUNNING)

    _activation_fail(activation, OSError("No space left on device"))

    notification = Notification.objects.get(code="activation_failed")
    with translation.override("en"):
        text = notification_message(notification)
    assert "OSError" in text
    assert "No space left on device" in text
    assert "failed after 0 of 1 row because" in text
    assert activation.failure_params == {
        "error": "OSError",
        "detail": "No space left on device",
    }
