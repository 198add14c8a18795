"""The wizard's mapping step requires the ResultId column when a ZIP was uploaded."""

from typing import Any

import pytest
from django.test import Client

from imports.models import ImportBatch
from tests import factories
from tests.imports.test_views_wizard import (
    MANAGEMENT_FIELD,
    WIZARD_URL,
    case_file,
    current_step,
    mapping_data,
    upload_data,
)

pytestmark = pytest.mark.django_db

RESULT_ID_REQUIRED = (
    "ResultId is required when you upload attachments: map the column that "
    "holds each row's ResultId."
)


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def case_users(db: None) -> None:
    factories.user_create(email="jan.devries@example.nl")
    factories.user_create(email="zoe.muller@example.nl")


def upload(client: Client, *, with_zip: bool) -> Any:
    client.get(WIZARD_URL)
    data = upload_data(case_file("c27-results.csv"))
    if with_zip:
        data["upload-attachments"] = case_file("c27-attachments.zip")
    response = client.post(WIZARD_URL, data)
    assert current_step(response) == "mapping"
    return response


def test_mapping_zip_without_result_id_error(
    english: Client, admin_client: Client, case_users: None
) -> None:
    upload(admin_client, with_zip=True)

    response = admin_client.post(WIZARD_URL, mapping_data(column_ResultId=""))

    assert response.status_code == 200
    assert current_step(response) == "mapping"
    form = response.context["wizard"]["form"]
    assert form.errors["column_ResultId"] == [RESULT_ID_REQUIRED]
    assert list(form.errors) == ["column_ResultId"]
    assert RESULT_ID_REQUIRED.replace("'", "&#x27;") in response.content.decode()


def test_mapping_zip_without_result_id_no_import(
    admin_client: Client, case_users: None
) -> None:
    upload(admin_client, with_zip=True)
    admin_client.post(WIZARD_URL, mapping_data(column_ResultId=""))

    admin_client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
    )

    assert ImportBatch.objects.count() == 0


def test_mapping_zip_with_result_id_continues(
    admin_client: Client, case_users: None
) -> None:
    upload(admin_client, with_zip=True)

    response = admin_client.post(WIZARD_URL, mapping_data())

    assert current_step(response) == "confirm"


def test_mapping_no_zip_result_id_optional(
    admin_client: Client, case_users: None
) -> None:
    upload(admin_client, with_zip=False)

    response = admin_client.post(WIZARD_URL, mapping_data(column_ResultId=""))

    assert current_step(response) == "confirm"


def test_mapping_zip_marks_result_id_required(
    english: Client, admin_client: Client, case_users: None
) -> None:
    response = upload(admin_client, with_zip=True)

    field = response.context["wizard"]["form"].fields["column_ResultId"]
    assert field.hide_optional is True
    assert field.help_text == (
        "Required because you upload attachments: each file in the ZIP is "
        "matched to its row by ResultId."
    )


def test_mapping_no_zip_result_id_marked_optional(
    admin_client: Client, case_users: None
) -> None:
    response = upload(admin_client, with_zip=False)

    field = response.context["wizard"]["form"].fields["column_ResultId"]
    assert not getattr(field, "hide_optional", False)
    assert field.help_text == ""
