"""The review page: groups, search, expanding a group, delete and activate."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from imports.forms.review import group_key_encode
from imports.models import ImportBatch, StagedRow
from imports.selectors import GroupKey
from imports.views.review import activation_session_key
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db

BHV = GroupKey(title="BHV herhaling", tags_key="bhv|veiligheid")
EHBO = GroupKey(title="EHBO basis", tags_key="")


@pytest.fixture
def learners(db: None) -> list[User]:
    return [factories.user_create() for _ in range(3)]


@pytest.fixture
def batch(admin_user: User, learners: list[User]) -> ImportBatch:
    batch = factories.import_batch_create(created_by=admin_user, staged_count=5)
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners, title=BHV.title, tags=["BHV", "Veiligheid"]
    )
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:2], title=EHBO.title
    )
    return batch


def review_url(batch: ImportBatch) -> str:
    return reverse("imports:review", args=[batch.pk])


def test_review_anonymous_redirects(client: Client, batch: ImportBatch) -> None:
    response = client.get(review_url(batch))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_review_learner_forbidden(learner_client: Client, batch: ImportBatch) -> None:
    get = learner_client.get(review_url(batch))
    post = learner_client.post(
        review_url(batch),
        {"action": "delete_groups", "groups": [group_key_encode(BHV)]},
    )

    assert get.status_code == 403
    assert post.status_code == 403
    assert StagedRow.objects.filter(batch=batch).count() == 5


def test_review_put_not_allowed(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.put(review_url(batch))

    assert response.status_code == 405


def test_review_unknown_batch_404(admin_client: Client) -> None:
    response = admin_client.get(reverse("imports:review", args=[999999]))

    assert response.status_code == 404


def test_review_lists_groups(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(review_url(batch))

    assert response.status_code == 200
    groups = {group.key: group for group, _value in response.context["groups"]}
    assert groups[BHV].rows == 3
    assert groups[BHV].participants == 3
    assert groups[BHV].tags == ["BHV", "Veiligheid"]
    assert groups[EHBO].rows == 2
    assert response.context["total_rows"] == 5


def test_review_search_filters(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(review_url(batch), {"q": "ehbo"})

    keys = [group.key for group, _value in response.context["groups"]]
    assert keys == [EHBO]


def test_review_expands_group_rows(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(review_url(batch), {"group": group_key_encode(EHBO)})

    assert response.status_code == 200
    rows = list(response.context["expanded_rows"])
    assert len(rows) == 2
    assert {row.title for row in rows} == {EHBO.title}


def test_review_malformed_group_ignored(
    admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.get(review_url(batch), {"group": "not json"})

    assert response.status_code == 200
    assert response.context["expanded_rows"] is None


def test_review_delete_groups(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.post(
        review_url(batch),
        {"action": "delete_groups", "groups": [group_key_encode(BHV)]},
    )

    assert response.status_code == 302
    remaining = StagedRow.objects.filter(batch=batch)
    assert remaining.count() == 2
    assert set(remaining.values_list("title", flat=True)) == {EHBO.title}


def test_review_delete_single_rows(admin_client: Client, batch: ImportBatch) -> None:
    row = StagedRow.objects.filter(batch=batch, title=EHBO.title).first()
    assert row is not None

    response = admin_client.post(
        review_url(batch), {"action": "delete_rows", "rows": [str(row.pk)]}
    )

    assert response.status_code == 302
    assert not StagedRow.objects.filter(pk=row.pk).exists()
    assert StagedRow.objects.filter(batch=batch).count() == 4


def test_review_delete_other_batch_row_ignored(
    admin_client: Client, admin_user: User, batch: ImportBatch, learners: list[User]
) -> None:
    other = factories.import_batch_create(created_by=admin_user)
    foreign = factories.staged_row_create(batch=other, learner=learners[0])

    admin_client.post(
        review_url(batch), {"action": "delete_rows", "rows": [str(foreign.pk)]}
    )

    assert StagedRow.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "delete_groups"},
        {"action": "activate"},
        {"action": "delete_rows"},
        {"action": "delete_groups", "groups": ["[1, 2]"]},
        {"action": "delete_rows", "rows": ["abc"]},
        {"action": "explode", "groups": [group_key_encode(BHV)]},
    ],
)
def test_review_bad_post_changes_nothing(
    admin_client: Client, batch: ImportBatch, data: dict[str, object]
) -> None:
    response = admin_client.post(review_url(batch), data)

    assert response.status_code == 302
    assert StagedRow.objects.filter(batch=batch).count() == 5


def test_review_activate_starts_wizard(
    admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.post(
        review_url(batch),
        {
            "action": "activate",
            "groups": [group_key_encode(BHV), group_key_encode(EHBO)],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("imports:activate", args=[batch.pk])
    stored = admin_client.session[activation_session_key(batch.pk)]
    assert stored == [[BHV.title, BHV.tags_key], [EHBO.title, EHBO.tags_key]]
    assert StagedRow.objects.filter(batch=batch).count() == 5


def test_review_large_import_bounded_queries(
    admin_client: Client,
    admin_user: User,
    django_assert_max_num_queries: object,
) -> None:
    learners = [factories.user_create() for _ in range(40)]
    batch = factories.import_batch_create(created_by=admin_user)
    # 20,000 rows in 500 groups of 40 learners each.
    rows = [
        StagedRow(
            batch=batch,
            learner=learner,
            line=group * 40 + index + 2,
            achieved_on=datetime.date(2021, 2, 3),
            title=f"Training {group:03d}",
            tags=["BHV"],
            tags_key="bhv",
        )
        for group in range(500)
        for index, learner in enumerate(learners)
    ]
    StagedRow.objects.bulk_create(rows, batch_size=2000)
    expanded = group_key_encode(GroupKey(title="Training 007", tags_key="bhv"))

    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = admin_client.get(review_url(batch), {"group": expanded})

    assert response.status_code == 200
    assert response.context["total_rows"] == 20_000
    assert len(response.context["groups"]) == 100
    assert len(response.context["expanded_rows"].object_list) == 40
