"""The review page: groups, search, expanding a group, delete and activate."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from imports.forms.review import group_key_encode
from imports.models import ImportBatch, StagedRow
from imports.selectors import GroupKey
from imports.views.review import activation_run_session_key
from learnlinq.models import AuditEvent
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


def test_review_delete_groups_asks_confirmation(
    admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.post(
        review_url(batch),
        {"action": "delete_groups", "groups": [group_key_encode(BHV)]},
    )

    assert response.status_code == 200
    assert [response.templates[0].name] == ["imports/review_delete_confirm.html"]
    groups = [(group.key, group.rows) for group, _value in response.context["groups"]]
    assert groups == [(BHV, 3)]
    assert response.context["group_rows"] == 3
    content = response.content.decode()
    assert 'name="confirm" value="1"' in content
    assert f'name="groups" value="{group_key_encode(BHV)}"' in content.replace(
        "&quot;", '"'
    )
    assert StagedRow.objects.filter(batch=batch).count() == 5


def test_review_delete_rows_asks_confirmation(
    admin_client: Client, batch: ImportBatch
) -> None:
    row = StagedRow.objects.filter(batch=batch, title=EHBO.title).first()
    assert row is not None

    response = admin_client.post(
        review_url(batch), {"action": "delete_rows", "rows": [str(row.pk)]}
    )

    assert response.status_code == 200
    assert list(response.context["rows"]) == [row]
    assert f'name="rows" value="{row.pk}"' in response.content.decode()
    assert StagedRow.objects.filter(batch=batch).count() == 5


def test_review_delete_groups(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.post(
        review_url(batch),
        {"action": "delete_groups", "groups": [group_key_encode(BHV)], "confirm": "1"},
    )

    assert response.status_code == 302
    remaining = StagedRow.objects.filter(batch=batch)
    assert remaining.count() == 2
    assert set(remaining.values_list("title", flat=True)) == {EHBO.title}


def test_review_delete_single_rows(admin_client: Client, batch: ImportBatch) -> None:
    row = StagedRow.objects.filter(batch=batch, title=EHBO.title).first()
    assert row is not None

    response = admin_client.post(
        review_url(batch),
        {"action": "delete_rows", "rows": [str(row.pk)], "confirm": "1"},
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
        review_url(batch),
        {"action": "delete_rows", "rows": [str(foreign.pk)], "confirm": "1"},
    )

    assert StagedRow.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("confirm", ["", "1"])
def test_review_delete_stale_group_rejected(
    admin_client: Client, batch: ImportBatch, confirm: str
) -> None:
    missing = GroupKey(title="Heftruck", tags_key="")
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        review_url(batch),
        {
            "action": "delete_groups",
            "groups": [group_key_encode(EHBO), group_key_encode(missing)],
            "confirm": confirm,
        },
        follow=True,
    )

    assert response.redirect_chain == [(review_url(batch), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "These groups are not waiting for review in this import, so nothing was "
        "deleted: “Heftruck”. Select the groups again."
    ]
    assert StagedRow.objects.filter(batch=batch).count() == 5
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.ROWS_DELETED).exists()


@pytest.mark.parametrize("confirm", ["", "1"])
def test_review_delete_foreign_rows_rejected(
    admin_client: Client,
    admin_user: User,
    batch: ImportBatch,
    learners: list[User],
    confirm: str,
) -> None:
    other = factories.import_batch_create(created_by=admin_user)
    foreign = factories.staged_row_create(batch=other, learner=learners[0])
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        review_url(batch),
        {"action": "delete_rows", "rows": [str(foreign.pk)], "confirm": confirm},
        follow=True,
    )

    assert response.redirect_chain == [(review_url(batch), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "1 selected row is not waiting for review in this import, so nothing was "
        "deleted. Select the rows again."
    ]
    assert StagedRow.objects.filter(pk=foreign.pk).exists()
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.ROWS_DELETED).exists()


def test_review_delete_rows_audited_once(
    admin_client: Client, batch: ImportBatch
) -> None:
    row = StagedRow.objects.filter(batch=batch, title=EHBO.title).first()
    assert row is not None

    admin_client.post(
        review_url(batch),
        {"action": "delete_rows", "rows": [str(row.pk)], "confirm": "1"},
    )

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.ROWS_DELETED)
    assert event.counts == {"rows": 1}


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
    url, _separator, query = response["Location"].partition("?run=")
    assert url == reverse("imports:activate", args=[batch.pk])
    stored = admin_client.session[activation_run_session_key(query)]
    assert stored["batch"] == batch.pk
    assert stored["keys"] == [[BHV.title, BHV.tags_key], [EHBO.title, EHBO.tags_key]]
    assert StagedRow.objects.filter(batch=batch).count() == 5


def test_review_activate_two_runs_separate(
    admin_client: Client, batch: ImportBatch
) -> None:
    first = admin_client.post(
        review_url(batch), {"action": "activate", "groups": [group_key_encode(BHV)]}
    )
    second = admin_client.post(
        review_url(batch), {"action": "activate", "groups": [group_key_encode(EHBO)]}
    )

    first_run = first["Location"].partition("?run=")[2]
    second_run = second["Location"].partition("?run=")[2]
    assert first_run != second_run
    session = admin_client.session
    assert session[activation_run_session_key(first_run)]["keys"] == [
        [BHV.title, BHV.tags_key]
    ]
    assert session[activation_run_session_key(second_run)]["keys"] == [
        [EHBO.title, EHBO.tags_key]
    ]


def test_review_activate_unknown_group_rejected(
    admin_client: Client, batch: ImportBatch
) -> None:
    missing = GroupKey(title="Heftruck", tags_key="")

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        review_url(batch),
        {
            "action": "activate",
            "groups": [group_key_encode(BHV), group_key_encode(missing)],
        },
        follow=True,
    )

    assert response.redirect_chain == [(review_url(batch), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "These groups are not waiting for review in this import, so nothing was "
        "activated: “Heftruck”. Select the groups again."
    ]
    session_keys = [key for key, _value in admin_client.session.items()]
    assert not [key for key in session_keys if key.startswith("activation:")]


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
