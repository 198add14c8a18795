from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from imports.services.review import staged_rows_delete
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create
from learnlinq.audit import audit_record
from learnlinq.models import AuditEvent
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client: Client) -> Iterator[None]:
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def test_record_stores_model_target(admin_user: User) -> None:
    external_result = factories.external_result_create()

    event = audit_record(
        actor=admin_user,
        verb=AuditEvent.Verb.MERGED,
        target=external_result,
        counts={"results": 3},
    )

    event.refresh_from_db()
    assert event.actor == admin_user
    assert event.verb == "merged"
    assert event.target_type == "results.externalresult"
    assert event.target_id == external_result.pk
    assert event.counts == {"results": 3}


def test_record_stores_plain_target() -> None:
    event = audit_record(
        actor=None,
        verb=AuditEvent.Verb.DISCARDED,
        target_type="imports.importbatch",
        target_id=9,
    )

    assert event.actor is None
    assert event.target_type == "imports.importbatch"
    assert event.target_id == 9
    assert event.counts == {}


def test_record_unknown_verb_raises() -> None:
    with pytest.raises(ValueError, match="Unknown audit verb 'renamed'"):
        audit_record(actor=None, verb="renamed", target_type="x", target_id=1)

    assert not AuditEvent.objects.exists()


def test_event_survives_deleted_actor(admin_user: User) -> None:
    actor = factories.settings_administrator_create()
    event = audit_record(
        actor=actor,
        verb=AuditEvent.Verb.IMPORTED,
        target_id=1,
        target_type="imports.importbatch",
    )

    actor.delete()

    event.refresh_from_db()
    assert event.actor is None


def test_audit_page_lists_newest_first(admin_client: Client, admin_user: User) -> None:
    audit_record(
        actor=admin_user, verb=AuditEvent.Verb.IMPORTED, target_type="x", target_id=1
    )
    audit_record(
        actor=admin_user, verb=AuditEvent.Verb.ACTIVATED, target_type="x", target_id=2
    )

    response = admin_client.get(reverse("learnlinq:audit"))

    verbs = [event.verb for event in response.context["page_obj"]]
    assert response.status_code == 200
    assert verbs == ["activated", "imported"]
    assert "started an activation" in response.content.decode()


def test_audit_page_filters_verb(admin_client: Client, admin_user: User) -> None:
    audit_record(
        actor=admin_user, verb=AuditEvent.Verb.IMPORTED, target_type="x", target_id=1
    )
    audit_record(
        actor=admin_user, verb=AuditEvent.Verb.MERGED, target_type="x", target_id=2
    )

    response = admin_client.get(reverse("learnlinq:audit"), {"verb": "merged"})

    assert [event.verb for event in response.context["page_obj"]] == ["merged"]


def test_audit_page_unknown_verb_lists_all(
    admin_client: Client, admin_user: User
) -> None:
    audit_record(
        actor=admin_user, verb=AuditEvent.Verb.IMPORTED, target_type="x", target_id=1
    )

    response = admin_client.get(reverse("learnlinq:audit"), {"verb": "<script>"})

    assert response.status_code == 200
    assert response.context["verb"] == ""
    assert len(response.context["page_obj"]) == 1


def test_audit_page_anonymous_redirect(client: Client) -> None:
    response = client.get(reverse("learnlinq:audit"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_audit_page_learner_forbidden(learner_client: Client) -> None:
    response = learner_client.get(reverse("learnlinq:audit"))

    assert response.status_code == 403


def test_audit_page_post_not_allowed(admin_client: Client) -> None:
    response = admin_client.post(reverse("learnlinq:audit"))

    assert response.status_code == 405


def test_audit_admin_read_only(admin_user: User) -> None:
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/")
    request.user = factories.user_create(is_staff=True, is_superuser=True)

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_audit_page_labels_counts(admin_client: Client, admin_user: User) -> None:
    audit_record(
        actor=admin_user,
        verb=AuditEvent.Verb.CANCELLED,
        target_type="imports.activation",
        target_id=3,
        counts={"done": 500, "released": 20},
    )

    response = admin_client.get(reverse("learnlinq:audit"))

    _event, counts = response.context["rows"][0]
    assert counts == [("rows written", 500), ("rows back in review", 20)]
    assert "rows back in review: 20" in response.content.decode()


def test_import_created_is_recorded(admin_user: User) -> None:
    data = b"UserId;Timestamp;LearningActivityTitle\nx@example.nl;1-1-2020;BHV\n"

    batch = import_batch_create(
        created_by=admin_user,
        data=ContentFile(data, name="bhv.csv"),
        original_name="bhv.csv",
        settings=ImportSettings(user_field="email"),
    )

    event = AuditEvent.objects.get()
    assert event.verb == AuditEvent.Verb.IMPORTED
    assert event.actor == admin_user
    assert event.target_type == "imports.importbatch"
    assert event.target_id == batch.pk
    assert event.counts == {"bytes": len(data)}


def test_rows_deleted_is_recorded(admin_user: User) -> None:
    batch = factories.import_batch_create(created_by=admin_user)
    row = factories.staged_row_create(batch=batch, learner=factories.user_create())

    staged_rows_delete(batch=batch, row_ids=[row.pk], deleted_by=admin_user)

    event = AuditEvent.objects.get()
    assert event.verb == AuditEvent.Verb.ROWS_DELETED
    assert event.actor == admin_user
    assert event.counts["rows"] == 1
