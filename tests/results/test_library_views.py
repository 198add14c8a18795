import datetime
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from imports.models import Activation, ActivationGroup
from results.models import (
    ExternalResult,
    LearningActivity,
    LearningPath,
    Result,
    Section,
)
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client: Client) -> Iterator[None]:
    # Page texts are checked in their English source form, in the test and
    # in the pages the client requests.
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def _results(external_result: ExternalResult, count: int, batch_id: int = 1) -> None:
    Result.objects.bulk_create(
        Result(
            learner=factories.user_create(),
            external_result=external_result,
            achieved_on=datetime.date(2021, 2, 3),
            title=external_result.title,
            source_batch_id=batch_id,
            source_line=line + 2,
        )
        for line in range(count)
    )


def _library_get(client: Client, **params: str) -> object:
    return client.get(reverse("results:library"), params)


def test_library_lists_counts(admin_client: Client) -> None:
    bhv = factories.external_result_create(title="BHV 2021", library_title="BHV")
    _results(bhv, 3, batch_id=41)
    learner = Result.objects.filter(external_result=bhv).earliest("id").learner
    Result.objects.create(
        learner=learner,
        external_result=bhv,
        achieved_on=datetime.date(2022, 2, 3),
        title="BHV",
        source_batch_id=42,
        source_line=2,
    )
    path = LearningPath.objects.create(title="Veiligheid")
    activity = LearningActivity.objects.create(
        section=Section.objects.create(path=path, title="Basis"), title="Ontruimen"
    )
    activity.substitutes.add(bhv)

    response = admin_client.get(reverse("results:library"))

    entry = response.context["entries"][0]
    assert response.status_code == 200
    assert entry.results == 4
    assert entry.learners == 3
    assert entry.import_ids == [41, 42]
    assert entry.activities == [activity]
    assert "BHV 2021" in response.content.decode()
    assert "Veiligheid: Ontruimen" in response.content.decode()


def test_library_search_matches_titles(admin_client: Client) -> None:
    factories.external_result_create(title="BHV herhaling", library_title="BHV")
    factories.external_result_create(title="EHBO", library_title="Eerste hulp")

    by_title = admin_client.get(reverse("results:library"), {"q": "herhaling"})
    by_library_title = admin_client.get(reverse("results:library"), {"q": "eerste"})

    assert [e.external_result.title for e in by_title.context["entries"]] == [
        "BHV herhaling"
    ]
    assert [e.external_result.title for e in by_library_title.context["entries"]] == [
        "EHBO"
    ]


def test_library_empty_search_message(admin_client: Client) -> None:
    response = admin_client.get(reverse("results:library"), {"q": "niets"})

    assert response.status_code == 200
    assert "No External Results match" in response.content.decode()


def test_library_queries_bounded(admin_client: Client) -> None:
    small = factories.external_result_create(title="A")
    _results(small, 1)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("results:library"))
    for number in range(5):
        _results(
            factories.external_result_create(title=f"B{number}"),
            20,
            batch_id=number + 2,
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get(reverse("results:library"))

    assert len(many) == len(few)


@pytest.mark.parametrize(
    "name",
    [
        "library",
        "external-result-detail",
        "external-result-edit",
        "external-result-merge",
    ],
)
def test_library_pages_anonymous_redirect(client: Client, name: str) -> None:
    external_result = factories.external_result_create()
    args = [] if name == "library" else [external_result.pk]

    response = client.get(reverse(f"results:{name}", args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name",
    [
        "library",
        "external-result-detail",
        "external-result-edit",
        "external-result-merge",
    ],
)
def test_library_pages_learner_forbidden(learner_client: Client, name: str) -> None:
    external_result = factories.external_result_create()
    args = [] if name == "library" else [external_result.pk]

    response = learner_client.get(reverse(f"results:{name}", args=args))

    assert response.status_code == 403


@pytest.mark.parametrize("name", ["library", "external-result-detail"])
def test_library_pages_post_not_allowed(admin_client: Client, name: str) -> None:
    external_result = factories.external_result_create()
    args = [] if name == "library" else [external_result.pk]

    response = admin_client.post(reverse(f"results:{name}", args=args))

    assert response.status_code == 405


@pytest.mark.parametrize(
    "name", ["external-result-detail", "external-result-edit", "external-result-merge"]
)
def test_library_pages_unknown_404(admin_client: Client, name: str) -> None:
    response = admin_client.get(reverse(f"results:{name}", args=[999_999]))

    assert response.status_code == 404


def test_detail_lists_results_paginated(admin_client: Client) -> None:
    bhv = factories.external_result_create()
    _results(bhv, 120)

    first = admin_client.get(reverse("results:external-result-detail", args=[bhv.pk]))
    second = admin_client.get(
        reverse("results:external-result-detail", args=[bhv.pk]), {"page": 2}
    )

    assert first.status_code == 200
    assert len(first.context["page_obj"].object_list) == 100
    assert len(second.context["page_obj"].object_list) == 20
    assert first.context["entry"].results == 120


def test_detail_queries_bounded(admin_client: Client) -> None:
    bhv = factories.external_result_create()
    _results(bhv, 2)
    url = reverse("results:external-result-detail", args=[bhv.pk])
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    _results(bhv, 60, batch_id=2)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)

    assert len(many) == len(few)


def test_edit_saves_titles(admin_client: Client) -> None:
    bhv = factories.external_result_create()

    response = admin_client.post(
        reverse("results:external-result-edit", args=[bhv.pk]),
        {"title": "BHV 2024", "library_title": "Bedrijfshulpverlening"},
    )

    bhv.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "results:external-result-detail", args=[bhv.pk]
    )
    assert bhv.title == "BHV 2024"
    assert bhv.library_title == "Bedrijfshulpverlening"


def test_edit_empty_title_shows_error(admin_client: Client) -> None:
    bhv = factories.external_result_create()

    response = admin_client.post(
        reverse("results:external-result-edit", args=[bhv.pk]),
        {"title": "", "library_title": "BHV"},
    )

    bhv.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert bhv.title == "BHV herhaling"


def test_edit_put_not_allowed(admin_client: Client) -> None:
    bhv = factories.external_result_create()

    response = admin_client.put(reverse("results:external-result-edit", args=[bhv.pk]))

    assert response.status_code == 405


def test_merge_first_post_previews(admin_client: Client) -> None:
    target = factories.external_result_create(title="BHV")
    old = factories.external_result_create(title="BHV (oud)")
    _results(old, 2)

    response = admin_client.post(
        reverse("results:external-result-merge", args=[target.pk]),
        {"sources": [old.pk]},
    )

    assert response.status_code == 200
    assert [entry.results for entry in response.context["preview"]] == [2]
    assert ExternalResult.objects.filter(pk=old.pk).exists()


def test_merge_confirmed_post_merges(admin_client: Client, admin_user: User) -> None:
    target = factories.external_result_create(title="BHV")
    old = factories.external_result_create(title="BHV (oud)")
    _results(old, 2)

    response = admin_client.post(
        reverse("results:external-result-merge", args=[target.pk]),
        {"sources": [old.pk], "confirm": "1"},
    )

    assert response.status_code == 302
    assert not ExternalResult.objects.filter(pk=old.pk).exists()
    assert Result.objects.filter(external_result=target).count() == 2


def test_merge_message_plural_forms(admin_client: Client) -> None:
    target = factories.external_result_create(title="BHV")
    old = factories.external_result_create(title="BHV (oud)")
    _results(old, 1)

    response = admin_client.post(
        reverse("results:external-result-merge", args=[target.pk]),
        {"sources": [old.pk], "confirm": "1"},
        follow=True,
    )

    assert (
        "1 External Result merged: 1 result moved, 0 substitute links added."
        in response.content.decode()
    )


def test_merge_moves_activation_groups(admin_client: Client, admin_user: User) -> None:
    # Activation groups refer to their External Result with PROTECT, so a
    # merge that left them behind could not delete the source.
    target = factories.external_result_create(title="BHV")
    old = factories.external_result_create(title="BHV (oud)")
    batch = factories.import_batch_create(created_by=admin_user)
    activation = Activation.objects.create(
        batch=batch, created_by=admin_user, mode=Activation.Mode.MERGE
    )
    group = ActivationGroup.objects.create(
        activation=activation, title="BHV", external_result=old
    )

    admin_client.post(
        reverse("results:external-result-merge", args=[target.pk]),
        {"sources": [old.pk], "confirm": "1"},
    )

    group.refresh_from_db()
    assert group.external_result == target
    assert not ExternalResult.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize(
    ("sources", "error"),
    [
        ([], "Choose at least one External Result to merge."),
        (["999999"], "does not exist any more"),
        (["self"], "does not exist any more"),
    ],
)
def test_merge_bad_choice_shows_error(
    admin_client: Client, sources: list[str], error: str
) -> None:
    target = factories.external_result_create(title="BHV")
    chosen = [str(target.pk) if value == "self" else value for value in sources]

    response = admin_client.post(
        reverse("results:external-result-merge", args=[target.pk]),
        {"sources": chosen, "confirm": "1"},
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert ExternalResult.objects.filter(pk=target.pk).exists()


def test_merge_search_narrows_candidates(admin_client: Client) -> None:
    target = factories.external_result_create(title="BHV")
    factories.external_result_create(title="BHV (oud)")
    factories.external_result_create(title="EHBO", library_title="EHBO")

    response = admin_client.get(
        reverse("results:external-result-merge", args=[target.pk]), {"q": "oud"}
    )

    assert [c.title for c in response.context["candidates"]] == ["BHV (oud)"]
