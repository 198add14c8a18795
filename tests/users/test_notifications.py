"""Notifications: the message registry, creating and marking read."""

from collections.abc import Iterator

import pytest
from django.utils.translation import gettext_lazy, ngettext_lazy, override

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


def test_notification_message_counted_phrases(registry: None) -> None:
    notification_message_register(
        "test_done",
        gettext_lazy("Job done: %(rows_phrase)s."),
        phrases={"rows_phrase": ngettext_lazy("%(rows)s row", "%(rows)s rows", "rows")},
        counts=["rows"],
    )

    with override("en"):
        one = notification_message_format("test_done", {"rows": 1})
        many = notification_message_format("test_done", {"rows": 5607})

    assert one == "Job done: 1 row."
    assert many == "Job done: 5,607 rows."


def test_notification_message_counted_message(registry: None) -> None:
    notification_message_register(
        "test_done",
        ngettext_lazy(
            "Job %(job)s: %(rows)s row.", "Job %(job)s: %(rows)s rows.", "rows"
        ),
        counts=["rows"],
    )

    with override("nl"):
        many = notification_message_format("test_done", {"job": 1234, "rows": 5607})
    with override("en"):
        one = notification_message_format("test_done", {"job": 1234, "rows": 1})

    # The id keeps its digits together; only the count is grouped.
    assert "Job 1234: 5.607" in many
    assert one == "Job 1234: 1 row."


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
            "activation_started",
            {"activation": 3, "file": "bhv.csv", "rows": 1, "groups": 1},
            "Activation 3 of import “bhv.csv” has started: 1 row in 1 group.",
        ),
        (
            "activation_finished",
            {"activation": 3, "file": "bhv.csv", "rows": 1, "done": 1},
            "Activation 3 of import “bhv.csv” has finished: 1 of 1 row is now a "
            "result in the learner's portfolio.",
        ),
        (
            "activation_failed",
            {
                "activation": 3,
                "file": "bhv.csv",
                "rows": 5607,
                "done": 1000,
                "error": "OperationalError",
                "detail": "disk full",
            },
            "Activation 3 of import “bhv.csv” failed after 1,000 of 5,607 rows "
            "because of an internal error: OperationalError “disk full”. The "
            "results written so far stay. Retry the activation once the cause "
            "is fixed.",
        ),
        (
            "import_staged",
            {"file": "bhv.csv", "staged": 118, "rejected": 2},
            "Import “bhv.csv” is ready for review: 118 rows staged, 2 rows rejected.",
        ),
        (
            "import_staged",
            {"file": "bhv.csv", "staged": 1, "rejected": 1},
            "Import “bhv.csv” is ready for review: 1 row staged, 1 row rejected.",
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
