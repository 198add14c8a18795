"""The activation wizard and the activation pages."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from imports.forms.review import group_key_encode
from imports.models import Activation, ActivationGroup, ImportBatch, StagedRow
from imports.selectors import GroupKey
from results.models import ExternalResult
from tests import factories
from tests.imports.test_views_activation_targets import group_targets_data
from users.models import User

pytestmark = pytest.mark.django_db

# A well-formed run token that no wizard run stores.
NO_RUN = "0123456789abcdef"

BHV = GroupKey(title="BHV herhaling", tags_key="bhv")
EHBO = GroupKey(title="EHBO basis", tags_key="")


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
def activation(admin_user: User, batch: ImportBatch) -> Activation:
    return Activation.objects.create(
        batch=batch,
        created_by=admin_user,
        mode=Activation.Mode.PORTFOLIO,
        state=Activation.State.RUNNING,
        total_rows=200,
        done_rows=50,
    )


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


def select_groups(client: Client, batch: ImportBatch, *keys: GroupKey) -> str:
    """Select groups on the review page and return the wizard run's token."""
    response = client.post(
        reverse("imports:review", args=[batch.pk]),
        {"action": "activate", "groups": [group_key_encode(key) for key in keys]},
    )
    assert response.status_code == 302
    return str(response["Location"]).partition("?run=")[2]


# Access rules ---------------------------------------------------------------


def page_urls(batch: ImportBatch, activation: Activation) -> list[str]:
    return [
        activate_url(batch),
        reverse("imports:activations"),
        reverse("imports:activation-detail", args=[activation.pk]),
        reverse("imports:activation-status", args=[activation.pk]),
    ]


@pytest.mark.parametrize("index", range(4))
def test_activation_pages_anonymous_redirect(
    client: Client, batch: ImportBatch, activation: Activation, index: int
) -> None:
    response = client.get(page_urls(batch, activation)[index])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("index", range(4))
def test_activation_pages_learner_forbidden(
    learner_client: Client, batch: ImportBatch, activation: Activation, index: int
) -> None:
    response = learner_client.get(page_urls(batch, activation)[index])

    assert response.status_code == 403


@pytest.mark.parametrize("index", range(4))
def test_activation_pages_put_not_allowed(
    admin_client: Client, batch: ImportBatch, activation: Activation, index: int
) -> None:
    response = admin_client.put(page_urls(batch, activation)[index])

    assert response.status_code == 405


@pytest.mark.parametrize(
    "name",
    ["imports:activations", "imports:activation-detail", "imports:activation-status"],
)
def test_activation_pages_post_not_allowed(
    admin_client: Client, activation: Activation, name: str
) -> None:
    args = [] if name == "imports:activations" else [activation.pk]

    response = admin_client.post(reverse(name, args=args))

    assert response.status_code == 405


def test_activation_learner_post_changes_nothing(
    learner_client: Client, batch: ImportBatch
) -> None:
    response = learner_client.post(activate_url(batch, "overview"))

    assert response.status_code == 403
    assert not Activation.objects.exists()


# The wizard -----------------------------------------------------------------


def test_activate_without_selection_redirects(
    admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.get(activate_url(batch))

    assert response.status_code == 302
    assert response["Location"] == reverse("imports:review", args=[batch.pk])


def test_activate_mode_step_lists_modes(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, BHV)

    response = admin_client.get(activate_url(batch, run=run))

    assert response.status_code == 200
    assert len(response.context["modes"]) == 3
    assert [group.key for group in response.context["groups"]] == [BHV]


def test_activate_merge_new_external_result(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, BHV, EHBO)

    mode = admin_client.post(activate_url(batch, run=run), {"mode": "merge"})
    target_page = admin_client.get(activate_url(batch, "target", run))
    target = admin_client.post(
        activate_url(batch, "target", run),
        {"target": "new", "new_title": "BHV en EHBO", "new_library_title": ""},
    )
    overview = admin_client.get(activate_url(batch, "overview", run))
    done = confirm(admin_client, batch, run)

    assert mode.status_code == 302
    assert mode["Location"] == activate_url(batch, "target", run)
    assert target_page.context["form"]["new_title"].value() == BHV.title
    assert target.status_code == 302
    assert overview.status_code == 200
    assert overview.context["overview"].total_rows == 5
    assert overview.context["overview"].total_learners == 3
    activation = Activation.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse(
        "imports:activation-detail", args=[activation.pk]
    )
    assert activation.mode == Activation.Mode.MERGE
    assert activation.total_rows == 5
    assert activation.created_by == admin_user
    external_result = ExternalResult.objects.get()
    assert external_result.title == "BHV en EHBO"
    assert external_result.library_title == "BHV en EHBO"
    claimed = StagedRow.objects.filter(
        batch=batch, activation_group__activation=activation
    )
    assert claimed.count() == 5


def test_activate_merge_existing_external_result(
    admin_client: Client, batch: ImportBatch
) -> None:
    existing = factories.external_result_create(title="BHV", library_title="BHV 2021")
    run = select_groups(admin_client, batch, BHV)

    admin_client.post(activate_url(batch, run=run), {"mode": "merge"})
    admin_client.post(
        activate_url(batch, "target", run),
        {"target": "existing", "external_result": str(existing.pk), "new_title": "x"},
    )
    confirm(admin_client, batch, run)

    activation = Activation.objects.get()
    group = activation.groups.get()
    assert group.external_result == existing
    assert ExternalResult.objects.count() == 1


def test_activate_target_requires_choice(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, BHV)
    admin_client.post(activate_url(batch, run=run), {"mode": "merge"})

    response = admin_client.post(
        activate_url(batch, "target", run),
        {"target": "existing", "external_result": ""},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert errors["external_result"][0].code == "external_result_missing"


def test_activate_portfolio_skips_target(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, EHBO)

    mode = admin_client.post(activate_url(batch, run=run), {"mode": "portfolio"})
    done = confirm(admin_client, batch, run)

    assert mode["Location"] == activate_url(batch, "overview", run)
    assert done.status_code == 302
    activation = Activation.objects.get()
    assert activation.mode == Activation.Mode.PORTFOLIO
    assert activation.groups.get().external_result is None
    assert not ExternalResult.objects.exists()


def test_activate_individual_one_per_group(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, BHV, EHBO)

    admin_client.post(activate_url(batch, run=run), {"mode": "individual"})
    page = admin_client.get(activate_url(batch, "target", run))
    admin_client.post(activate_url(batch, "target", run), group_targets_data(page))
    done = confirm(admin_client, batch, run)

    assert done.status_code == 302
    titles = set(ExternalResult.objects.values_list("title", flat=True))
    assert titles == {BHV.title, EHBO.title}


def test_activate_group_deleted_form_error(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, EHBO)
    admin_client.post(activate_url(batch, run=run), {"mode": "portfolio"})
    overview = admin_client.get(activate_url(batch, "overview", run))
    # Another administrator deletes the group's rows meanwhile.
    StagedRow.objects.filter(batch=batch, title=EHBO.title).delete()

    response = confirm(admin_client, batch, run, overview.context["fingerprint"])

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert response.context["overview"].unavailable == [EHBO]
    assert not Activation.objects.exists()


def test_activate_group_claimed_form_error(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    from imports.services.activation import activation_create

    run = select_groups(admin_client, batch, BHV, EHBO)
    admin_client.post(activate_url(batch, run=run), {"mode": "portfolio"})
    overview = admin_client.get(activate_url(batch, "overview", run))
    activation_create(
        batch=batch, created_by=admin_user, keys=[EHBO], mode=Activation.Mode.PORTFOLIO
    )

    response = confirm(admin_client, batch, run, overview.context["fingerprint"])

    retry = confirm(admin_client, batch, run, response.context["fingerprint"])

    assert overview.status_code == 200
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert response.context["overview"].unavailable == [EHBO]
    assert retry.status_code == 302
    assert Activation.objects.count() == 2
    latest = Activation.objects.order_by("-pk").first()
    assert latest is not None
    assert latest.total_rows == 3


def test_activate_clears_selection_after_start(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, EHBO)
    admin_client.post(activate_url(batch, run=run), {"mode": "portfolio"})
    confirm(admin_client, batch, run)

    response = admin_client.get(activate_url(batch, run=run))

    assert response.status_code == 302
    assert response["Location"] == reverse("imports:review", args=[batch.pk])


# Activation pages -------------------------------------------------------------


def test_activation_list_pending_and_finished(
    admin_client: Client, admin_user: User, batch: ImportBatch, activation: Activation
) -> None:
    finished = Activation.objects.create(
        batch=batch,
        created_by=admin_user,
        mode=Activation.Mode.MERGE,
        state=Activation.State.FINISHED,
        total_rows=10,
        done_rows=10,
    )

    response = admin_client.get(reverse("imports:activations"))

    assert response.status_code == 200
    assert response.context["pending"] == [activation]
    assert list(response.context["page_obj"]) == [finished]
    status_url = reverse("imports:activation-status", args=[activation.pk])
    assert f'data-poll-url="{status_url}"' in response.content.decode()


def test_activation_detail_shows_progress(
    admin_client: Client, activation: Activation
) -> None:
    response = admin_client.get(
        reverse("imports:activation-detail", args=[activation.pk])
    )

    assert response.status_code == 200
    assert response.context["activation"] == activation
    assert 'value="25"' in response.content.decode()


def ended_activation(
    batch: ImportBatch, admin_user: User, state: str, *, written: int = 0
) -> Activation:
    activation = Activation.objects.create(
        batch=batch,
        created_by=admin_user,
        mode=Activation.Mode.PORTFOLIO,
        state=state,
        total_rows=5,
        done_rows=written,
        finished_at=timezone.now(),
    )
    group = ActivationGroup.objects.create(activation=activation, title=BHV.title)
    rows = StagedRow.objects.filter(batch=batch).order_by("line")[:written]
    StagedRow.objects.filter(pk__in=[row.pk for row in rows]).update(
        activation_group=group, activated_at=timezone.now()
    )
    return activation


@pytest.mark.parametrize(
    ("state", "written", "label", "roll_back"),
    [
        (Activation.State.FINISHED, 2, "Finished on", True),
        (Activation.State.CANCELLED, 0, "Cancelled on", False),
        (Activation.State.CANCELLED, 1, "Cancelled on", True),
        (Activation.State.FAILED, 0, "Failed on", False),
        (Activation.State.ROLLED_BACK, 0, "Rolled back on", False),
    ],
)
def test_activation_detail_ended_by_state(
    admin_client: Client,
    admin_user: User,
    batch: ImportBatch,
    state: str,
    written: int,
    label: str,
    roll_back: bool,
) -> None:
    ended = ended_activation(batch, admin_user, state, written=written)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:activation-detail", args=[ended.pk]))

    content = response.content.decode()
    rollback_url = reverse("imports:activation-rollback", args=[ended.pk])
    assert f"<dt>{label}</dt>" in content
    assert "<dt>Finished</dt>" not in content
    assert (rollback_url in content) is roll_back


def test_activation_detail_cancelled_nothing_written(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    ended = ended_activation(batch, admin_user, Activation.State.CANCELLED)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:activation-detail", args=[ended.pk]))

    assert (
        "This activation wrote no results, so there is nothing to roll back."
        in response.content.decode()
    )


def test_activation_list_ended_heading(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    cancelled = ended_activation(batch, admin_user, Activation.State.CANCELLED)
    rolled_back = ended_activation(batch, admin_user, Activation.State.ROLLED_BACK)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(reverse("imports:activations"))

    content = response.content.decode()
    labels = {item.pk: label for item, label in response.context["ended_rows"]}
    assert "<h2>Ended</h2>" in content
    assert "<h2>Finished</h2>" not in content
    assert labels == {cancelled.pk: "Cancelled on", rolled_back.pk: "Rolled back on"}


def test_activation_status_json(admin_client: Client, activation: Activation) -> None:
    response = admin_client.get(
        reverse("imports:activation-status", args=[activation.pk])
    )

    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "running"
    assert data["done"] == 50
    assert data["total"] == 200
    assert data["percent"] == 25
    assert data["is_final"] is False
    assert isinstance(data["state_label"], str)


def test_activation_status_unknown_404(admin_client: Client) -> None:
    response = admin_client.get(reverse("imports:activation-status", args=[999999]))

    assert response.status_code == 404


# Wizard runs ----------------------------------------------------------------


def test_activate_interleaved_runs_separate(
    admin_client: Client, batch: ImportBatch
) -> None:
    first = select_groups(admin_client, batch, BHV)
    second = select_groups(admin_client, batch, EHBO)
    admin_client.post(activate_url(batch, run=first), {"mode": "merge"})
    admin_client.post(activate_url(batch, run=second), {"mode": "portfolio"})
    admin_client.post(
        activate_url(batch, "target", first),
        {"target": "new", "new_title": "BHV", "new_library_title": ""},
    )
    first_overview = admin_client.get(activate_url(batch, "overview", first))

    second_done = confirm(admin_client, batch, second)
    first_done = confirm(
        admin_client, batch, first, first_overview.context["fingerprint"]
    )

    assert first != second
    assert second_done.status_code == 302
    assert first_done.status_code == 302
    activations = list(Activation.objects.order_by("pk"))
    assert [activation.mode for activation in activations] == [
        Activation.Mode.PORTFOLIO,
        Activation.Mode.MERGE,
    ]
    portfolio, merge = activations
    assert list(portfolio.groups.values_list("title", flat=True)) == [EHBO.title]
    assert list(merge.groups.values_list("title", flat=True)) == [BHV.title]
    assert portfolio.total_rows == 2
    assert merge.total_rows == 3
    assert list(ExternalResult.objects.values_list("title", flat=True)) == ["BHV"]


def test_activate_unknown_run_redirects(
    admin_client: Client, batch: ImportBatch
) -> None:
    select_groups(admin_client, batch, BHV)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.get(activate_url(batch, "mode"), follow=True)

    assert response.redirect_chain == [
        (reverse("imports:review", args=[batch.pk]), 302)
    ]
    assert [str(message) for message in response.context["messages"]] == [
        "This activation is no longer open, or its groups were not selected. "
        "Select the groups to activate again."
    ]


@pytest.mark.parametrize("run", ["", "not-a-token", "ABCDEF0123456789"])
def test_activate_malformed_run_redirects(
    admin_client: Client, batch: ImportBatch, run: str
) -> None:
    select_groups(admin_client, batch, BHV)
    url = reverse("imports:activate", args=[batch.pk])

    response = admin_client.get(url, {"run": run})

    assert response.status_code == 302
    assert response["Location"] == reverse("imports:review", args=[batch.pk])


def test_activate_run_of_other_import_redirects(
    admin_client: Client, admin_user: User, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, BHV)
    other = factories.import_batch_create(created_by=admin_user)

    response = admin_client.get(activate_url(other, run=run))

    assert response.status_code == 302
    assert response["Location"] == reverse("imports:review", args=[other.pk])


def test_activate_changed_selection_refused(
    admin_client: Client, batch: ImportBatch
) -> None:
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    run = select_groups(admin_client, batch, BHV)
    admin_client.post(activate_url(batch, run=run), {"mode": "portfolio"})
    overview = admin_client.get(activate_url(batch, "overview", run))
    # The same run changes its mode in another tab after the overview showed.
    admin_client.post(activate_url(batch, run=run), {"mode": "merge"})
    admin_client.post(
        activate_url(batch, "target", run),
        {"target": "new", "new_title": "BHV", "new_library_title": ""},
    )

    response = confirm(admin_client, batch, run, overview.context["fingerprint"])

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The groups, mode or External Result changed after this overview was "
        "shown, so nothing was activated. Check the overview below and activate "
        "again."
    ]
    assert response.context["fingerprint"] != overview.context["fingerprint"]
    assert not Activation.objects.exists()


def test_activate_missing_fingerprint_refused(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, EHBO)
    admin_client.post(activate_url(batch, run=run), {"mode": "portfolio"})

    response = confirm(admin_client, batch, run, fingerprint="")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Activation.objects.exists()


def test_activate_unknown_step_shows_mode(
    admin_client: Client, batch: ImportBatch
) -> None:
    run = select_groups(admin_client, batch, BHV)

    response = admin_client.post(activate_url(batch, "bogus", run), {"mode": "merge"})

    assert response.status_code == 302
    assert response["Location"] == activate_url(batch, "target", run)
    assert not Activation.objects.exists()
