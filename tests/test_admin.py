from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import factories
from users.models import User

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db: None) -> User:
    # No password, because hashing one (PBKDF2) slows every test down.
    return User.objects.create(
        username="super", email="super@example.nl", is_staff=True, is_superuser=True
    )


@pytest.fixture
def superuser_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def sample_rows(superuser: User) -> None:
    # One row in the main tables, so changelists render their columns.
    learner = User.objects.create(username="jdevries", email="jan@example.nl")
    batch = factories.import_batch_create(created_by=superuser)
    factories.staged_row_create(batch=batch, learner=learner)
    factories.external_result_create()


@pytest.mark.parametrize(
    ("model", "model_admin"),
    REGISTERED,
    ids=[model._meta.label for model, _model_admin in REGISTERED],
)
def test_admin_changelist_opens(
    superuser_client: Client,
    sample_rows: None,
    model: type[models.Model],
    model_admin: admin.ModelAdmin,
) -> None:
    response = superuser_client.get(_admin_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "model_admin"),
    REGISTERED,
    ids=[model._meta.label for model, _model_admin in REGISTERED],
)
def test_admin_add_page_opens(
    superuser_client: Client,
    superuser: User,
    model: type[models.Model],
    model_admin: admin.ModelAdmin,
) -> None:
    request = RequestFactory().get("/")
    request.user = superuser
    expected = 200 if model_admin.has_add_permission(request) else 403

    response = superuser_client.get(_admin_url(model, "add"))

    assert response.status_code == expected


def test_admin_user_change_page_opens(
    superuser_client: Client, superuser: User
) -> None:
    response = superuser_client.get(_admin_url(User, "change", superuser.pk))

    assert response.status_code == 200


def test_admin_user_add_creates_user(superuser_client: Client) -> None:
    response = superuser_client.post(
        _admin_url(User, "add"),
        {
            "username": "nieuw",
            "name": "Nina Nieuw",
            "email": "nina@example.nl",
            "usable_password": "false",
            "password1": "",
            "password2": "",
            "free_field_values-TOTAL_FORMS": "0",
            "free_field_values-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="nieuw").name == "Nina Nieuw"


def test_admin_import_batch_is_read_only(
    superuser_client: Client, superuser: User
) -> None:
    batch = factories.import_batch_create(created_by=superuser)

    response = superuser_client.post(
        _admin_url(type(batch), "change", batch.pk), {"original_name": "ander.csv"}
    )

    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.original_name == "test.csv"


def test_admin_learner_is_refused(learner_client: Client) -> None:
    response = learner_client.get(_admin_url(User, "changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_index_names_learnlinq(superuser_client: Client) -> None:
    superuser_client.cookies["django_language"] = "en"

    response = superuser_client.get(reverse("admin:index"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>LearnLinq Results Import | LearnLinq admin</title>" in content
    assert "LearnLinq administration" in content
    assert "General" in content
    assert "Learnlinq" not in content
