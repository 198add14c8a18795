"""The activate_results management command."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from imports.models import Activation, ImportBatch, StagedRow
from results.models import ExternalResult, Result
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(admin_user: User) -> ImportBatch:
    learners = [factories.user_create() for _ in range(3)]
    batch = factories.import_batch_create(created_by=admin_user)
    factories.staged_rows_bulk_create(batch=batch, learners=learners, title="BHV")
    factories.staged_rows_bulk_create(
        batch=batch, learners=learners[:2], title="EHBO", tags=["Herhaling", "2021"]
    )
    return batch


def _run(*args: str) -> str:
    out = StringIO()
    with override("en"):
        call_command("activate_results", *args, stdout=out)
    return out.getvalue()


def test_command_all_merge_wait_json(batch: ImportBatch) -> None:
    output = _run(
        "--batch",
        str(batch.pk),
        "--all",
        "--mode",
        "merge",
        "--title",
        "BHV en EHBO",
        "--wait",
        "--json",
    )

    payload = json.loads(output)
    external_result = ExternalResult.objects.get()
    assert payload["activation"] == Activation.objects.get().pk
    assert payload["state"] == "finished"
    assert payload["total"] == 5
    assert payload["done"] == 5
    assert payload["external_results"] == [external_result.pk]
    assert Result.objects.count() == 5


def test_command_group_tags_any_order(batch: ImportBatch) -> None:
    output = _run(
        "--batch",
        str(batch.pk),
        "--group",
        "EHBO::2021|herhaling",
        "--mode",
        "individual",
        "--wait",
        "--json",
    )

    payload = json.loads(output)
    assert payload["total"] == 2
    assert ExternalResult.objects.get().title == "EHBO"
    assert StagedRow.objects.filter(activation_group__isnull=True).count() == 3


def test_command_portfolio_text_output(batch: ImportBatch) -> None:
    output = _run(
        "--batch", str(batch.pk), "--group", "BHV", "--mode", "portfolio", "--wait"
    )

    activation = Activation.objects.get()
    assert output.strip() == (
        f"Activation {activation.pk} of import {batch.pk}: finished, 3 of 3 rows "
        "written."
    )
    assert Result.objects.filter(portfolio_only=True).count() == 3


def test_command_existing_external_result(batch: ImportBatch) -> None:
    existing = factories.external_result_create()

    payload = json.loads(
        _run(
            "--batch",
            str(batch.pk),
            "--all",
            "--mode",
            "merge",
            "--external-result",
            str(existing.pk),
            "--wait",
            "--json",
        )
    )

    assert payload["external_results"] == [existing.pk]
    assert Result.objects.filter(external_result=existing).count() == 5


def test_command_without_wait_queues(
    batch: ImportBatch, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        payload = json.loads(
            _run("--batch", str(batch.pk), "--all", "--mode", "portfolio", "--json")
        )

    assert payload["state"] == "queued"
    assert payload["done"] == 0
    assert len(callbacks) == 1
    assert not Result.objects.exists()


def test_command_as_other_admin(batch: ImportBatch) -> None:
    other = factories.settings_administrator_create(username="tweede")

    _run(
        "--batch",
        str(batch.pk),
        "--all",
        "--mode",
        "portfolio",
        "--as",
        "tweede",
        "--wait",
    )

    assert Activation.objects.get().created_by == other


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "999999", "--all"], "Import 999999 does not exist"),
        (["--group", "VCA"], "no review group “VCA” waiting"),
        (["--group", "EHBO::herhaling"], "EHBO::Herhaling|2021 (2 rows)"),
        (["--all", "--as", "nobody"], "No user with username “nobody”"),
        (["--all", "--as", "leerling"], "is not an active settings administrator"),
        (["--all", "--external-result", "999999"], "External Result 999999 does"),
        (["--all"], "Choose an External Result from the library"),
    ],
)
def test_command_errors(
    batch: ImportBatch, learner: User, args: list[str], message: str
) -> None:
    if "--batch" not in args:
        args = ["--batch", str(batch.pk), *args]

    with pytest.raises(CommandError, match=message):
        _run(*args, "--mode", "merge")

    assert not Activation.objects.exists()


def test_command_nothing_left(batch: ImportBatch) -> None:
    _run("--batch", str(batch.pk), "--all", "--mode", "portfolio", "--wait")

    with pytest.raises(CommandError, match="has no staged rows left"):
        _run("--batch", str(batch.pk), "--all", "--mode", "portfolio")
