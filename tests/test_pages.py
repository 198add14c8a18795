"""Pages every user meets: log-in, the start page, and the error pages."""

import pytest
from django.test import Client
from django.urls import reverse

from users.models import User

pytestmark = pytest.mark.django_db


def test_login_page_renders(client: Client) -> None:
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_home_sends_admin_to_imports(admin_client: Client) -> None:
    response = admin_client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("imports:list")


def test_home_sends_learner_to_portfolio(learner_client: Client) -> None:
    response = learner_client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("results:portfolio")


def test_forbidden_page_template(learner_client: Client) -> None:
    response = learner_client.get(reverse("imports:list"))

    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]


def test_not_found_page_template(admin_client: Client) -> None:
    response = admin_client.get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]


def test_csrf_failure_page_explains(learner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    client.cookies["django_language"] = "en"

    response = client.post(reverse("logout"))

    content = response.content.decode()
    assert response.status_code == 403
    assert "403_csrf.html" in [template.name for template in response.templates]
    assert "<h1>The form has expired</h1>" in content
    assert "Reload the page, log in again if you are asked to, and try again." in (
        content
    )
    assert "DEBUG" not in content
    # Rendered inside the site's layout, with the learner's menu.
    assert reverse("results:portfolio") in content


def test_csrf_failure_page_anonymous(client: Client) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert "403_csrf.html" in [template.name for template in response.templates]


def test_csrf_failure_page_dutch_by_default(learner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = client.post(reverse("logout"))

    assert response.status_code == 403
    assert '<html lang="nl">' in response.content.decode()


def test_menu_hides_admin_pages(learner_client: Client) -> None:
    response = learner_client.get(reverse("results:portfolio"))

    content = response.content.decode()
    assert reverse("imports:list") not in content
    assert reverse("users:notifications") in content


def test_menu_shows_admin_pages(admin_client: Client) -> None:
    response = admin_client.get(reverse("imports:list"))

    content = response.content.decode()
    assert reverse("imports:activations") in content
    assert reverse("results:library") in content
