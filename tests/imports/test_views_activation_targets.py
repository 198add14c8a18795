"""The activation wizard's target step in individual mode: one choice per group."""

from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from imports.forms.review import group_key_encode
from imports.models import Activation, ImportBatch
from imports.selectors import GroupKey
from results.models import ExternalResult
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db

# A well-formed run token that no wizard run stores.
NO_RUN = "0123456789abcdef"

BHV = GroupKey(title="BHV herhaling", tags_key="bhv")
EHBO = GroupKey(title="EHBO basis", tags_key="")


def group_targets_data(
    response: Any, changes: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """
    Return the POST data of the target step as the page pre-fills it.

    ``changes`` maps a group title to the fields to change for that group,
    for example ``{"EHBO basis": {"target": "existing", "external_result": 3}}``.
    """
    formset = response.context["formset"]
    data: dict[str, Any] = {
        f"{formset.prefix}-TOTAL_FORMS": len(formset.forms),
        f"{formset.prefix}-INITIAL_FORMS": len(formset.forms),
    }
    for group, form in response.context["group_forms"]:
        values = {
            "target": form.initial["target"],
            "external_result": form.initial["external_result"] or "",
            "new_title": form.initial["new_title"],
            "new_library_title": form.initial["new_library_title"],
        }
        values.update((changes or {}).get(group.title, {}))
        data.update({f"{form.prefix}-{name}": value for name, value in values.items()})
    return data


@pytest.fixture
def batch(admin_user: User) -> ImportBatch:
    learners = [factories.user_create() for _ in range(3)]
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners, title=BHV.title, tags=["BHV"]
    )
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:2], title=EHBO.title
    )
    return batch


@pytest.fixture
def library_entry() -> ExternalResult:
    return factories.external_result_create(
        title="BHV herhaling (oude LMS)", library_title="BHV"
    )


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def activate_url(batch: ImportBatch, step: str = "", run: str = NO_RUN) -> str:
    url = reverse("imports:activate", args=[batch.pk])
    query = {"run": run, "step": step} if step else {"run": run}
    return f"{url}?{urlencode(query)}"


def confirm(
    client: Client, batch: ImportBatch, run: str, fingerprint: str | None = None
) -> Any:
    """POST the overview's Activate, with the fingerprint the overview shows."""
    if fingerprint is None:
        fingerprint = client.get(activate_url(batch, "overview", run)).context[
            "fingerprint"
        ]
    return client.post(
        activate_url(batch, "overview", run), {"fingerprint": fingerprint}
    )


def start_individual(client: Client, batch: ImportBatch) -> Any:
    """Select both groups, choose individual mode, and open the target step."""
    selected = client.post(
        reverse("imports:review", args=[batch.pk]),
        {
            "action": "activate",
            "groups": [group_key_encode(BHV), group_key_encode(EHBO)],
        },
    )
    assert selected.status_code == 302
    run = str(selected["Location"]).partition("?run=")[2]
    mode = client.post(activate_url(batch, run=run), {"mode": "individual"})
    assert mode["Location"] == activate_url(batch, "target", run)
    return client.get(activate_url(batch, "target", run))


def test_target_step_one_form_per_group(
    admin_client: Client, batch: ImportBatch
) -> None:
    page = start_individual(admin_client, batch)

    assert page.status_code == 200
    pairs = page.context["group_forms"]
    assert sorted(group.title for group, _form in pairs) == [BHV.title, EHBO.title]
    for group, form in pairs:
        assert form.initial["target"] == "new"
        assert form.initial["new_title"] == group.title
        assert form.initial["new_library_title"] == group.title


def test_target_step_has_library_search(
    admin_client: Client, batch: ImportBatch, library_entry: ExternalResult
) -> None:
    page = start_individual(admin_client, batch)

    content = page.content.decode()
    for _group, form in page.context["group_forms"]:
        select_id = form["external_result"].id_for_label
        assert f'data-filter-select="{select_id}"' in content
    assert content.count(f'<option value="{library_entry.pk}">') == 2


def test_individual_existing_and_new_activates(
    admin_client: Client, batch: ImportBatch, library_entry: ExternalResult
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    data = group_targets_data(
        page,
        {
            BHV.title: {"target": "existing", "external_result": library_entry.pk},
            EHBO.title: {"new_title": "EHBO 2021", "new_library_title": "EHBO"},
        },
    )

    target = admin_client.post(activate_url(batch, "target", run), data)
    done = confirm(admin_client, batch, run)

    assert target["Location"] == activate_url(batch, "overview", run)
    assert done.status_code == 302
    activation = Activation.objects.get()
    assert activation.mode == Activation.Mode.INDIVIDUAL
    by_title = {group.title: group.external_result for group in activation.groups.all()}
    assert by_title[BHV.title] == library_entry
    new = by_title[EHBO.title]
    assert new is not None
    assert new.title == "EHBO 2021"
    assert new.library_title == "EHBO"
    assert ExternalResult.objects.count() == 2


def test_individual_overview_lists_targets(
    english: Client,
    admin_client: Client,
    batch: ImportBatch,
    library_entry: ExternalResult,
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    admin_client.post(
        activate_url(batch, "target", run),
        group_targets_data(
            page,
            {BHV.title: {"target": "existing", "external_result": library_entry.pk}},
        ),
    )

    overview = admin_client.get(activate_url(batch, "overview", run))

    targets = {
        group.title: group.target for group in overview.context["overview"].groups
    }
    assert targets == {BHV.title: "BHV", EHBO.title: "new: EHBO basis"}
    assert overview.context["back_url"] == activate_url(batch, "target", run)


def test_individual_prefill_kept_on_return(
    admin_client: Client, batch: ImportBatch, library_entry: ExternalResult
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    admin_client.post(
        activate_url(batch, "target", run),
        group_targets_data(
            page,
            {BHV.title: {"target": "existing", "external_result": library_entry.pk}},
        ),
    )

    again = admin_client.get(activate_url(batch, "target", run))

    initial = {
        group.title: form.initial for group, form in again.context["group_forms"]
    }
    assert initial[BHV.title]["target"] == "existing"
    assert initial[BHV.title]["external_result"] == library_entry.pk
    assert initial[EHBO.title]["target"] == "new"


def test_individual_existing_missing_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    data = group_targets_data(page, {BHV.title: {"target": "existing"}})

    response = admin_client.post(activate_url(batch, "target", run), data)

    assert response.status_code == 200
    errors = {
        group.title: form.errors for group, form in response.context["group_forms"]
    }
    assert errors[BHV.title] == {
        "external_result": [
            "Choose an External Result from the library, or choose “new”."
        ]
    }
    assert errors[EHBO.title] == {}
    assert not Activation.objects.exists()


def test_individual_title_missing_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    data = group_targets_data(page, {EHBO.title: {"new_title": ""}})

    response = admin_client.post(activate_url(batch, "target", run), data)

    assert response.status_code == 200
    errors = {
        group.title: form.errors for group, form in response.context["group_forms"]
    }
    assert errors[EHBO.title] == {
        "new_title": ["Type a title for the new External Result."]
    }


def test_individual_title_too_long_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    data = group_targets_data(page, {EHBO.title: {"new_title": "x" * 256}})

    response = admin_client.post(activate_url(batch, "target", run), data)

    errors = {
        group.title: form.errors for group, form in response.context["group_forms"]
    }
    assert errors[EHBO.title] == {
        "new_title": ["Ensure this value has at most 255 characters (it has 256)."]
    }


def test_individual_existing_title_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    # Created after the page pre-filled "new", so only the form check catches it.
    factories.external_result_create(title="EHBO Basis ", library_title="EHBO")
    data = group_targets_data(page, {EHBO.title: {"new_title": " ehbo basis"}})

    response = admin_client.post(activate_url(batch, "target", run), data)

    assert response.status_code == 200
    errors = {
        group.title: form.errors for group, form in response.context["group_forms"]
    }
    assert errors[EHBO.title] == {
        "new_title": [
            "The library already has an External Result titled “EHBO Basis ” "
            "(library title “EHBO”). Choose it under “Use an External Result "
            "from the library”, or type a different title."
        ]
    }
    assert errors[BHV.title] == {}
    assert ExternalResult.objects.count() == 1
    assert not Activation.objects.exists()


def test_individual_same_new_titles_share_entry(
    admin_client: Client, batch: ImportBatch
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    same = {"target": "new", "new_title": "BHV 2021", "new_library_title": "BHV"}
    data = group_targets_data(page, {BHV.title: same, EHBO.title: same})

    admin_client.post(activate_url(batch, "target", run), data)
    done = confirm(admin_client, batch, run)

    assert done.status_code == 302
    activation = Activation.objects.get()
    assert ExternalResult.objects.count() == 1
    shared = ExternalResult.objects.get()
    assert activation.groups.get(title=BHV.title).external_result == shared
    assert activation.groups.get(title=EHBO.title).external_result == shared


def test_individual_overview_without_targets_redirects(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = start_individual(admin_client, batch).context["run"]

    response = confirm(admin_client, batch, run, fingerprint="")

    assert response.status_code == 302
    assert response["Location"] == activate_url(batch, "target", run)
    assert not Activation.objects.exists()


def test_individual_removed_library_entry_redirects(
    admin_client: Client, batch: ImportBatch, library_entry: ExternalResult
) -> None:
    page = start_individual(admin_client, batch)
    run = page.context["run"]
    admin_client.post(
        activate_url(batch, "target", run),
        group_targets_data(
            page,
            {BHV.title: {"target": "existing", "external_result": library_entry.pk}},
        ),
    )
    library_entry.delete()

    response = confirm(admin_client, batch, run, fingerprint="")

    assert response["Location"] == activate_url(batch, "target", run)
    assert not Activation.objects.exists()


def test_merge_target_step_unchanged(admin_client: Client, batch: ImportBatch) -> None:
    run = start_individual(admin_client, batch).context["run"]
    admin_client.post(activate_url(batch, run=run), {"mode": "merge"})

    page = admin_client.get(activate_url(batch, "target", run))

    assert "formset" not in page.context
    assert page.context["form"].initial["new_title"] in (BHV.title, EHBO.title)


def test_portfolio_target_step_redirects(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = start_individual(admin_client, batch).context["run"]
    admin_client.post(activate_url(batch, run=run), {"mode": "portfolio"})

    page = admin_client.get(activate_url(batch, "target", run))

    assert page["Location"] == activate_url(batch, "overview", run)


def test_target_step_anonymous_redirects(client: Client, batch: ImportBatch) -> None:
    response = client.get(activate_url(batch, "target"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_target_step_learner_forbidden(
    learner_client: Client, batch: ImportBatch
) -> None:
    response = learner_client.post(activate_url(batch, "target"), {})

    assert response.status_code == 403


def test_target_step_put_not_allowed(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.put(activate_url(batch, "target"))

    assert response.status_code == 405


def test_individual_same_title_preselects_library_entry(
    admin_client: Client, batch: ImportBatch
) -> None:
    # Differs from the group's title only in case and surrounding spaces.
    same = factories.external_result_create(
        title="  bhv HERHALING ", library_title="BHV (bibliotheek)"
    )
    factories.external_result_create(title="BHV herhaling deel 2")

    page = start_individual(admin_client, batch)
    run = page.context["run"]
    initial = {group.title: form.initial for group, form in page.context["group_forms"]}
    admin_client.post(activate_url(batch, "target", run), group_targets_data(page))
    overview = admin_client.get(activate_url(batch, "overview", run))
    done = confirm(admin_client, batch, run)

    assert initial[BHV.title]["target"] == "existing"
    assert initial[BHV.title]["external_result"] == same.pk
    assert initial[EHBO.title]["target"] == "new"
    assert initial[EHBO.title]["external_result"] is None
    targets = {
        group.title: group.target for group in overview.context["overview"].groups
    }
    assert targets[BHV.title] == str(same)
    assert done.status_code == 302
    activation = Activation.objects.get()
    assert activation.groups.get(title=BHV.title).external_result == same
    assert ExternalResult.objects.count() == 3
    assert ExternalResult.objects.filter(title=EHBO.title).count() == 1
