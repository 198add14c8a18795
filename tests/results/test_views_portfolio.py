"""The portfolio pages and the learner search."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from results.models import Result
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


def result_create(learner: User, **overrides: object) -> Result:
    fields: dict[str, object] = {
        "learner": learner,
        "achieved_on": datetime.date(2021, 2, 3),
        "title": "BHV herhaling",
        "tags": ["BHV"],
    }
    fields.update(overrides)
    return Result.objects.create(**fields)


def test_portfolio_anonymous_redirects(client: Client) -> None:
    response = client.get(reverse("results:portfolio"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_portfolio_post_not_allowed(learner_client: Client) -> None:
    response = learner_client.post(reverse("results:portfolio"))

    assert response.status_code == 405


def test_portfolio_own_results_newest_first(
    learner_client: Client, learner: User
) -> None:
    external_result = factories.external_result_create(
        title="BHV 2021", library_title="BHV 2021 (admin library)"
    )
    older = result_create(learner, achieved_on=datetime.date(2020, 1, 1))
    newer = result_create(
        learner, achieved_on=datetime.date(2022, 5, 6), external_result=external_result
    )
    result_create(factories.user_create(), title="Someone else's")

    response = learner_client.get(reverse("results:portfolio"))

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [newer, older]
    content = response.content.decode()
    assert "BHV 2021" in content
    assert "admin library" not in content
    assert "Someone else" not in content


def test_portfolio_admin_sees_own(admin_client: Client, admin_user: User) -> None:
    own = result_create(admin_user)

    response = admin_client.get(reverse("results:portfolio"))

    assert list(response.context["page_obj"]) == [own]


def test_learner_portfolio_admin_sees_any(admin_client: Client, learner: User) -> None:
    result = result_create(learner, portfolio_only=True)

    response = admin_client.get(reverse("results:learner-portfolio", args=[learner.pk]))

    assert response.status_code == 200
    assert response.context["learner"] == learner
    assert list(response.context["page_obj"]) == [result]


def test_learner_portfolio_shows_title_not_library_title(
    admin_client: Client, learner: User
) -> None:
    external_result = factories.external_result_create(
        title="First aid refresher", library_title="EHBO 2019 import (old LMS)"
    )
    result_create(learner, external_result=external_result)

    response = admin_client.get(reverse("results:learner-portfolio", args=[learner.pk]))

    content = response.content.decode()
    assert "First aid refresher" in content
    assert "EHBO 2019 import (old LMS)" not in content


def test_learner_portfolio_anonymous_redirects(client: Client, learner: User) -> None:
    response = client.get(reverse("results:learner-portfolio", args=[learner.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_learner_portfolio_learner_forbidden(
    learner_client: Client, admin_user: User
) -> None:
    response = learner_client.get(
        reverse("results:learner-portfolio", args=[admin_user.pk])
    )

    assert response.status_code == 403


def test_learner_portfolio_post_not_allowed(
    admin_client: Client, learner: User
) -> None:
    response = admin_client.post(
        reverse("results:learner-portfolio", args=[learner.pk])
    )

    assert response.status_code == 405


def test_learner_portfolio_unknown_404(admin_client: Client) -> None:
    response = admin_client.get(reverse("results:learner-portfolio", args=[999999]))

    assert response.status_code == 404


def test_learners_search(admin_client: Client, learner: User) -> None:
    factories.user_create(username="zmuller", name="Zoë Müller")

    response = admin_client.get(reverse("results:learners"), {"q": "leerling"})

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [learner]


def test_learners_anonymous_redirects(client: Client) -> None:
    response = client.get(reverse("results:learners"))

    assert response.status_code == 302


def test_learners_learner_forbidden(learner_client: Client) -> None:
    response = learner_client.get(reverse("results:learners"))

    assert response.status_code == 403


def test_learners_post_not_allowed(admin_client: Client) -> None:
    response = admin_client.post(reverse("results:learners"))

    assert response.status_code == 405


def test_library_page_lists_external_results(admin_client: Client) -> None:
    factories.external_result_create(title="BHV", library_title="BHV 2021")

    response = admin_client.get(reverse("results:library"))

    assert response.status_code == 200
    assert "BHV 2021" in response.content.decode()
