"""Number and date formats: counts are grouped, ids that pages send back are not."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from imports.forms.review import group_key_encode
from imports.models import Activation, StagedRow
from imports.selectors import GroupKey
from results.models import ExternalResult, Result
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db

# Large enough that Dutch grouping would print it as “12.345”.
BIG_ID = 12345


def test_review_row_ids_not_grouped(admin_client: Client, admin_user: User) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    row = factories.staged_row_create(
        batch=batch, learner=factories.user_create(), line=1234
    )
    StagedRow.objects.filter(pk=row.pk).update(id=BIG_ID)
    key = GroupKey(title=row.title, tags_key=row.tags_key)

    page = admin_client.get(
        reverse("imports:review", args=[batch.pk]), {"group": group_key_encode(key)}
    )
    confirm = admin_client.post(
        reverse("imports:review", args=[batch.pk]),
        {"action": "delete_rows", "rows": [str(BIG_ID)]},
    )

    assert f'value="{BIG_ID}" id="row-{BIG_ID}"' in page.content.decode()
    assert f'name="rows" value="{BIG_ID}"' in confirm.content.decode()


def test_merge_candidate_ids_not_grouped(admin_client: Client) -> None:
    target = factories.external_result_create(title="BHV")
    factories.external_result_create(title="BHV (oud)")
    ExternalResult.objects.exclude(pk=target.pk).update(id=BIG_ID)

    response = admin_client.get(
        reverse("results:external-result-merge", args=[target.pk])
    )

    content = response.content.decode()
    assert f'name="sources" value="{BIG_ID}" id="source-{BIG_ID}"' in content
    assert f'<label for="source-{BIG_ID}">' in content


def test_activation_list_ids_not_grouped(
    admin_client: Client, admin_user: User
) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    Activation.objects.create(
        pk=BIG_ID, batch=batch, created_by=admin_user, total_rows=5607
    )

    listed = admin_client.get(reverse("imports:activations"))
    dutch = admin_client.get(reverse("imports:activation-detail", args=[BIG_ID]))
    admin_client.cookies["django_language"] = "en"
    english = admin_client.get(reverse("imports:activation-detail", args=[BIG_ID]))

    assert f"#{BIG_ID} " in listed.content.decode()
    assert '<span data-field="total">5.607</span>' in dutch.content.decode()
    assert f"<h1>Activation {BIG_ID}</h1>" in english.content.decode()
    assert '<span data-field="total">5,607</span> rows' in english.content.decode()


def test_library_source_ids_not_grouped(admin_client: Client, admin_user: User) -> None:
    external_result = factories.external_result_create()
    Result.objects.create(
        learner=admin_user,
        external_result=external_result,
        achieved_on=datetime.date(2021, 2, 3),
        title="BHV",
        source_batch_id=BIG_ID,
        source_line=1234,
    )

    response = admin_client.get(
        reverse("results:external-result-detail", args=[external_result.pk])
    )

    content = response.content.decode()
    assert f"#{BIG_ID}," in content
    assert "1234" in content
    assert "1.234" not in content


def test_portfolio_table_short_date(learner_client: Client, learner: User) -> None:
    Result.objects.create(
        learner=learner,
        achieved_on=datetime.date(2021, 2, 3),
        achieved_time=datetime.time(9, 5),
        title="BHV",
    )

    response = learner_client.get(reverse("results:portfolio"))

    # Dutch SHORT_DATE_FORMAT and TIME_FORMAT, as in the other tables.
    assert "<td>3-2-2021 09:05</td>" in response.content.decode()


def test_activation_detail_long_datetime(
    admin_client: Client, admin_user: User
) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    activation = Activation.objects.create(batch=batch, created_by=admin_user)
    Activation.objects.filter(pk=activation.pk).update(
        created_at=datetime.datetime(2026, 12, 4, 20, 40, tzinfo=datetime.UTC)
    )

    response = admin_client.get(
        reverse("imports:activation-detail", args=[activation.pk])
    )

    # DATETIME_FORMAT in Dutch, in the Europe/Amsterdam time zone.
    assert "4 december 2026 21:40" in response.content.decode()
