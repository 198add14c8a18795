"""Notifications: the message registry, creating and marking read."""

from collections.abc import Iterator

import pytest
from django.utils.translation import gettext_lazy, override

from users import notifications
from users.models import Notification, User
from users.notifications import (
    notification_message,
    notification_message_format,
    notification_message_register,
)
from users.services import notification_create, notifications_mark_read


@pytest.fixture
def registry() -> Iterator[None]:
    """Undo registrations a test makes, so codes do not leak into other tests."""
    saved = dict(notifications._messages)
    yield
    notifications._messages.clear()
    notifications._messages.update(saved)


def test_notification_message_format_params(registry: None) -> None:
    notification_message_register(
        "test_done", gettext_lazy("Job %(job)s done: %(rows)s rows.")
    )

    with override("en"):
        text = notification_message_format("test_done", {"job": 4, "rows": 12})

    assert text == "Job 4 done: 12 rows."


def test_notification_message_unknown_code() -> None:
    with override("en"):
        text = notification_message_format("no_such_code", {})

    assert text == "Notification “no_such_code”."


def test_notification_message_param_missing(registry: None) -> None:
    notification_message_register("test_done", gettext_lazy("Job %(job)s done."))

    with override("en"):
        text = notification_message_format("test_done", {})

    assert text == "Notification “test_done”."


def test_notification_register_twice_same(registry: None) -> None:
    message = gettext_lazy("Job %(job)s done.")
    notification_message_register("test_done", message)

    notification_message_register("test_done", message)

    assert notifications._messages["test_done"] is message


def test_notification_register_conflict(registry: None) -> None:
    notification_message_register("test_done", gettext_lazy("Job %(job)s done."))

    with pytest.raises(ValueError, match="test_done"):
        notification_message_register("test_done", gettext_lazy("Other text."))


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        (
            "activation_started",
            {"activation": 3, "file": "bhv.csv", "rows": 120, "groups": 2},
            "Activation 3 of import “bhv.csv” has started: 120 rows in 2 groups.",
        ),
        (
            "activation_finished",
            {"activation": 3, "file": "bhv.csv", "rows": 120, "done": 120},
            "Activation 3 of import “bhv.csv” has finished: 120 of 120 rows are "
            "now results in the learners' portfolios.",
        ),
        (
            "import_staged",
            {"file": "bhv.csv", "staged": 118, "rejected": 2},
            "Import “bhv.csv” is ready for review: 118 rows staged, 2 rows rejected.",
        ),
    ],
)
def test_notification_imports_codes_registered(
    code: str, params: dict[str, object], expected: str
) -> None:
    with override("en"):
        text = notification_message_format(code, params)

    assert text == expected


@pytest.mark.parametrize(
    "code",
    [
        "activation_started",
        "activation_finished",
        "activation_failed",
        "import_staged",
        "import_failed",
    ],
)
def test_notification_imports_code_known(code: str) -> None:
    assert code in notifications._messages


@pytest.mark.django_db
def test_notification_create_stores(learner: User) -> None:
    notification = notification_create(
        recipient=learner,
        code="import_failed",
        params={"file": "bhv.csv"},
        link="/imports/1/",
    )

    stored = Notification.objects.get(pk=notification.pk)
    assert stored.recipient == learner
    assert stored.code == "import_failed"
    assert stored.params == {"file": "bhv.csv"}
    assert stored.link == "/imports/1/"
    assert stored.read_at is None
    with override("en"):
        assert notification_message(stored).startswith("Import “bhv.csv” was")


@pytest.mark.django_db
def test_notifications_mark_read_own_only(learner: User, admin_user: User) -> None:
    for _ in range(2):
        notification_create(recipient=learner, code="import_failed", params={})
    notification_create(recipient=admin_user, code="import_failed", params={})

    first = notifications_mark_read(recipient=learner)
    second = notifications_mark_read(recipient=learner)

    assert first == 2
    assert second == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert Notification.objects.get(read_at__isnull=True).recipient == admin_user
