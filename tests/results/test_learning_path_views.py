import datetime
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from results.models import (
    ActivityStatus,
    ExternalResult,
    LearningActivity,
    LearningPath,
    Participation,
    Result,
    Section,
)
from results.services.learning_paths import participations_enrol
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client: Client) -> Iterator[None]:
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def path() -> LearningPath:
    path = LearningPath.objects.create(title="Veiligheid")
    section = Section.objects.create(path=path, title="Basis")
    activity = LearningActivity.objects.create(
        section=section, title="BHV", validity_months=12
    )
    activity.substitutes.add(factories.external_result_create())
    return path


def _enrol_with_result(path: LearningPath, count: int) -> list[User]:
    external_result = ExternalResult.objects.get()
    learners = [factories.user_create() for _ in range(count)]
    for learner in learners:
        Result.objects.create(
            learner=learner,
            external_result=external_result,
            achieved_on=datetime.date(2026, 3, 1),
            title="BHV",
        )
    participations_enrol(path=path, learners=learners, enrolled_by=None)
    return learners


def test_paths_list_counts(admin_client: Client, path: LearningPath) -> None:
    _enrol_with_result(path, 2)

    response = admin_client.get(reverse("results:learning-paths"))

    listed = response.context["paths"][0]
    assert response.status_code == 200
    assert listed.participant_count == 2
    assert listed.passed_count == 2


def test_status_page_shows_renewal_due(
    admin_client: Client, path: LearningPath
) -> None:
    learner = _enrol_with_result(path, 1)[0]

    response = admin_client.get(reverse("results:participant-status", args=[path.pk]))

    participation, statuses = response.context["rows"][0]
    assert response.status_code == 200
    assert participation.learner == learner
    assert statuses[0].renewal_due_on == datetime.date(2027, 3, 1)
    assert "renewal due" in response.content.decode()


def test_status_page_expired_says_expired_on(
    admin_client: Client, path: LearningPath
) -> None:
    external_result = ExternalResult.objects.get()
    learner = factories.user_create()
    Result.objects.create(
        learner=learner,
        external_result=external_result,
        achieved_on=datetime.date(2021, 2, 3),
        title="BHV",
    )
    participations_enrol(path=path, learners=[learner], enrolled_by=None)

    response = admin_client.get(reverse("results:participant-status", args=[path.pk]))

    content = response.content.decode()
    expired_on = formats.date_format(datetime.date(2022, 2, 3), "SHORT_DATE_FORMAT")
    assert response.context["rows"][0][1][0].status == "expired"
    assert f"expired on {expired_on}; renew" in content
    assert "renewal due" not in content


def test_status_page_stale_pass_shown_expired(
    admin_client: Client, path: LearningPath
) -> None:
    learner = _enrol_with_result(path, 1)[0]
    # The due date has passed since the last recalculation stored "passed".
    ActivityStatus.objects.filter(participation__learner=learner).update(
        renewal_due_on=datetime.date(2022, 2, 3)
    )

    response = admin_client.get(reverse("results:participant-status", args=[path.pk]))

    content = response.content.decode()
    expired_on = formats.date_format(datetime.date(2022, 2, 3), "SHORT_DATE_FORMAT")
    assert f"expired on {expired_on}; renew" in content
    assert "state--expired" in content
    assert "renewal due" not in content


def test_status_page_queries_bounded(admin_client: Client, path: LearningPath) -> None:
    _enrol_with_result(path, 2)
    url = reverse("results:participant-status", args=[path.pk])
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    _enrol_with_result(path, 20)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)

    assert len(many) == len(few)


def test_status_page_empty_path(admin_client: Client, path: LearningPath) -> None:
    response = admin_client.get(reverse("results:participant-status", args=[path.pk]))

    assert response.status_code == 200
    assert "Nobody is enrolled" in response.content.decode()


@pytest.mark.parametrize("name", ["learning-paths", "participant-status"])
def test_path_pages_anonymous_redirect(
    client: Client, path: LearningPath, name: str
) -> None:
    args = [path.pk] if name == "participant-status" else []

    response = client.get(reverse(f"results:{name}", args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["learning-paths", "participant-status"])
def test_path_pages_learner_forbidden(
    learner_client: Client, path: LearningPath, name: str
) -> None:
    args = [path.pk] if name == "participant-status" else []

    response = learner_client.get(reverse(f"results:{name}", args=args))

    assert response.status_code == 403


@pytest.mark.parametrize("name", ["learning-paths", "participant-status"])
def test_path_pages_post_not_allowed(
    admin_client: Client, path: LearningPath, name: str
) -> None:
    args = [path.pk] if name == "participant-status" else []

    response = admin_client.post(reverse(f"results:{name}", args=args))

    assert response.status_code == 405


def test_status_page_unknown_path_404(admin_client: Client) -> None:
    response = admin_client.get(reverse("results:participant-status", args=[999_999]))

    assert response.status_code == 404


def test_admin_enrols_learners(client: Client, path: LearningPath) -> None:
    superuser = factories.user_create(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    learners = [factories.user_create()]

    response = client.post(
        reverse("admin:results_learningpath_change", args=[path.pk]),
        {
            "title": "Veiligheid",
            "enrol": [learner.pk for learner in learners],
            "sections-TOTAL_FORMS": "1",
            "sections-INITIAL_FORMS": "1",
            "sections-MIN_NUM_FORMS": "0",
            "sections-MAX_NUM_FORMS": "1000",
            "sections-0-id": str(path.sections.get().pk),
            "sections-0-path": str(path.pk),
            "sections-0-title": "Basis",
            "sections-0-position": "0",
        },
    )

    participation = Participation.objects.get(path=path, learner=learners[0])
    assert response.status_code == 302
    assert participation.enrolled_by == superuser
    assert participation.activity_statuses.get().status == "not_started"
