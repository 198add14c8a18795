"""The messages page ("Berichten") and the unread count in the header."""

import pytest
from django.test import Client
from django.urls import reverse

from users.models import Notification, User
from users.notifications import notification_message_register

pytestmark = pytest.mark.django_db

CODE = "test_import_ready"


@pytest.fixture(autouse=True)
def _message_registered() -> None:
    notification_message_register(CODE, "Import %(file)s is ready.")


def notification_create(recipient: User, **overrides: object) -> Notification:
    fields: dict[str, object] = {
        "recipient": recipient,
        "code": CODE,
        "params": {"file": "bhv.csv"},
    }
    fields.update(overrides)
    return Notification.objects.create(**fields)


def test_notifications_anonymous_redirects(client: Client) -> None:
    response = client.get(reverse("users:notifications"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_notifications_put_not_allowed(learner_client: Client) -> None:
    response = learner_client.put(reverse("users:notifications"))

    assert response.status_code == 405


def test_notifications_lists_own_newest_first(
    learner_client: Client, learner: User, admin_user: User
) -> None:
    first = notification_create(learner)
    second = notification_create(learner, params={"file": "ehbo.csv"})
    notification_create(admin_user, params={"file": "secret.csv"})

    response = learner_client.get(reverse("users:notifications"))

    assert response.status_code == 200
    items = response.context["items"]
    assert [item["notification"] for item in items] == [second, first]
    assert items[0]["text"] == "Import ehbo.csv is ready."
    assert "secret.csv" not in response.content.decode()


def test_notifications_unread_badge(learner_client: Client, learner: User) -> None:
    notification_create(learner)
    notification_create(learner)

    response = learner_client.get(reverse("results:portfolio"))

    assert response.context["unread_notifications"] == 2
    assert 'class="badge"' in response.content.decode()


def test_notifications_mark_all_read(learner_client: Client, learner: User) -> None:
    unread = notification_create(learner)

    response = learner_client.post(reverse("users:notifications"))

    assert response.status_code == 302
    unread.refresh_from_db()
    assert unread.read_at is not None


def test_notifications_mark_read_only_own(
    learner_client: Client, admin_user: User
) -> None:
    other = notification_create(admin_user)

    learner_client.post(reverse("users:notifications"))

    other.refresh_from_db()
    assert other.read_at is None


def test_notifications_admin_happy_path(admin_client: Client, admin_user: User) -> None:
    notification_create(admin_user)

    response = admin_client.get(reverse("users:notifications"))

    assert response.status_code == 200
    assert len(response.context["items"]) == 1


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("/imports/activations/1/", True),
        ("https://elsewhere.example/phish", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_notifications_link_stays_on_site(
    learner_client: Client, learner: User, link: str, shown: bool
) -> None:
    notification_create(learner, link=link)

    response = learner_client.get(reverse("users:notifications"))

    assert bool(response.context["items"][0]["link"]) is shown
