"""Fix and retry on an import's detail page: corrected report and matching again."""

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from imports.forms.corrections import CorrectedReportForm
from imports.forms.review import group_key_encode
from imports.messages import file_error_message
from imports.models import ImportBatch
from imports.selectors import GroupKey
from tests import factories
from tests.imports.conftest import StageBytes

pytestmark = pytest.mark.django_db

RESULTS = (
    b"UserId;Timestamp;LearningActivityTitle\r\n"
    b"anna@example.nl;3-2-2021;BHV herhaling\r\n"
    b"nieuw@example.nl;4-2-2021;BHV herhaling\r\n"
    b"bram@example.nl;31-2-2021;EHBO basis\r\n"
    b"later@example.nl;5-2-2021;EHBO basis\r\n"
)


@pytest.fixture
def batch(stage_bytes: StageBytes) -> ImportBatch:
    """A staged import: one row staged, two unknown users and one impossible date."""
    factories.user_create(email="anna@example.nl")
    factories.user_create(email="bram@example.nl")
    return stage_bytes(RESULTS)


@pytest.fixture
def english(client: Client) -> Client:
    # The language cookie wins over the default, so messages can be compared
    # with their English source text.
    client.cookies["django_language"] = "en"
    return client


def reimport_url(batch: ImportBatch) -> str:
    return reverse("imports:rejected-reimport", args=[batch.pk])


def rematch_url(batch: ImportBatch) -> str:
    return reverse("imports:rejected-rematch", args=[batch.pk])


def report_download(client: Client, batch: ImportBatch) -> list[list[str]]:
    response: Any = client.get(reverse("imports:rejected-csv", args=[batch.pk]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def report_upload(
    client: Client, batch: ImportBatch, rows: list[list[str]], name: str = "fixed.csv"
) -> Any:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    upload = SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"))
    return client.post(reimport_url(batch), {"file": upload})


def rejected_codes(batch: ImportBatch) -> dict[int, str]:
    return dict(batch.rejected_lines.values_list("line", "code"))


def form_errors(response: Any) -> list[str]:
    return list(response.context["report_form"].errors["file"])


# The round trip --------------------------------------------------------------


def test_fixture_batch_rejections(batch: ImportBatch) -> None:
    assert batch.state == ImportBatch.State.STAGED
    assert batch.staged_count == 1
    assert rejected_codes(batch) == {
        3: "user_not_found",
        4: "date_impossible",
        5: "user_not_found",
    }


def test_reimport_round_trip_stages_fixed(
    admin_client: Client, batch: ImportBatch
) -> None:
    rows = report_download(admin_client, batch)
    header, data = rows[0], rows[1:]
    assert [row[3] for row in data] == ["3", "4", "5"]
    data[1][1] = "28-2-2021"

    response = report_upload(admin_client, batch, [header, *data])

    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[batch.pk]) + "#top"
    batch.refresh_from_db()
    assert batch.staged_count == 2
    assert batch.rejected_count == 2
    assert rejected_codes(batch) == {3: "user_not_found", 5: "user_not_found"}
    fixed = batch.staged_rows.get(line=4)
    assert fixed.title == "EHBO basis"
    assert fixed.achieved_on.isoformat() == "2021-02-28"


def test_reimport_then_rematch_clears_rejections(
    admin_client: Client, batch: ImportBatch
) -> None:
    rows = report_download(admin_client, batch)
    rows[2][1] = "28-2-2021"
    report_upload(admin_client, batch, rows)
    factories.user_create(email="nieuw@example.nl")
    factories.user_create(email="later@example.nl")

    response = admin_client.post(rematch_url(batch))

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.staged_count == 4
    assert batch.rejected_count == 0
    assert rejected_codes(batch) == {}
    assert sorted(batch.staged_rows.values_list("line", flat=True)) == [2, 3, 4, 5]


def test_reimport_success_message(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    rows = report_download(admin_client, batch)
    rows[2][1] = "28-2-2021"

    response = report_upload(admin_client, batch, rows)

    page = admin_client.get(response["Location"])
    texts = [str(message) for message in page.context["messages"]]
    assert texts == [
        "1 row staged. 2 rows are still rejected; their reasons are listed below."
    ]


def test_reimport_unfixed_keeps_reason(
    admin_client: Client, batch: ImportBatch
) -> None:
    rows = report_download(admin_client, batch)
    rows[2][1] = "30-2-2021"

    report_upload(admin_client, batch, rows)

    batch.refresh_from_db()
    assert batch.staged_count == 1
    line = batch.rejected_lines.get(line=4)
    assert line.code == "date_impossible"
    assert line.params["value"] == "30-2-2021"


def test_rematch_message_counts_rows(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    factories.user_create(email="nieuw@example.nl")

    response = admin_client.post(rematch_url(batch), follow=True)

    texts = [str(message) for message in response.context["messages"]]
    assert texts == [
        "1 row staged. 2 rows are still rejected; their reasons are listed below."
    ]
    assert rejected_codes(ImportBatch.objects.get(pk=batch.pk)) == {
        4: "date_impossible",
        5: "user_not_found",
    }


def test_rematch_last_rows_message(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    rows = report_download(admin_client, batch)
    rows[2][1] = "28-2-2021"
    # Following the redirect shows, and so clears, the upload's own message.
    admin_client.get(report_upload(admin_client, batch, rows)["Location"])
    factories.user_create(email="nieuw@example.nl")
    factories.user_create(email="later@example.nl")

    response = admin_client.post(rematch_url(batch), follow=True)

    texts = [str(message) for message in response.context["messages"]]
    assert texts == ["2 rows staged. No rejected rows are left."]


def test_rematch_nobody_added_stages_none(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.post(rematch_url(batch), follow=True)

    texts = [str(message) for message in response.context["messages"]]
    assert texts == [
        "0 rows staged. 3 rows are still rejected; their reasons are listed below."
    ]
    batch.refresh_from_db()
    assert batch.staged_count == 1


def test_reimport_after_group_deleted_message(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    admin_client.post(
        reverse("imports:review", args=[batch.pk]),
        {
            "action": "delete_groups",
            "groups": [group_key_encode(GroupKey(title="BHV herhaling", tags_key=""))],
            "confirm": "1",
        },
    )
    assert not batch.staged_rows.exists()
    rows = report_download(admin_client, batch)
    rows[2][1] = "28-2-2021"

    response = report_upload(admin_client, batch, rows)

    page = admin_client.get(response["Location"])
    texts = [str(message) for message in page.context["messages"]]
    assert texts[-1] == (
        "1 row staged. 2 rows are still rejected; their reasons are listed below."
    )
    batch.refresh_from_db()
    assert batch.staged_rows.count() == 1
    assert batch.staged_count == 2


# The detail page ---------------------------------------------------------------


def test_detail_shows_fix_forms(admin_client: Client, batch: ImportBatch) -> None:
    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    content = response.content.decode()
    assert isinstance(response.context["report_form"], CorrectedReportForm)
    assert response.context["user_not_found_count"] == 2
    assert reimport_url(batch) in content
    assert rematch_url(batch) in content


def test_detail_hides_fix_forms_unless_staged(
    admin_client: Client, batch: ImportBatch
) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.FAILED)

    response = admin_client.get(reverse("imports:detail", args=[batch.pk]))

    content = response.content.decode()
    assert response.context["report_form"] is None
    assert reimport_url(batch) not in content
    assert rematch_url(batch) not in content


# Bad input ---------------------------------------------------------------------


def test_reimport_wrong_columns_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    response = report_upload(
        admin_client, batch, [["UserId", "Datum"], ["anna@example.nl", "1-1-2021"]]
    )

    assert response.status_code == 200
    with override("en"):
        expected = file_error_message(
            "reimport_header_mismatch",
            {
                "expected": [
                    "UserId",
                    "Timestamp",
                    "LearningActivityTitle",
                    "Line",
                    "Reason",
                ]
            },
        )
    assert form_errors(response) == [expected]
    assert ImportBatch.objects.get(pk=batch.pk).staged_count == 1


def test_reimport_unknown_line_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    rows = report_download(admin_client, batch)
    rows[1][3] = "2"

    response = report_upload(admin_client, batch, rows)

    assert response.status_code == 200
    with override("en"):
        expected = file_error_message(
            "reimport_line_unknown", {"lines": ["2"], "column": "Line"}
        )
    assert form_errors(response) == [expected]
    assert rejected_codes(ImportBatch.objects.get(pk=batch.pk)) == {
        3: "user_not_found",
        4: "date_impossible",
        5: "user_not_found",
    }


def test_reimport_empty_file_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    upload = SimpleUploadedFile("fixed.csv", b"")

    response = admin_client.post(reimport_url(batch), {"file": upload})

    assert response.status_code == 200
    assert form_errors(response) == ["The submitted file is empty."]


def test_reimport_no_file_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    response = admin_client.post(reimport_url(batch), {})

    assert response.status_code == 200
    assert form_errors(response) == ["This field is required."]


def test_reimport_wrong_extension_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    upload = SimpleUploadedFile("fixed.pdf", b"%PDF-1.4")

    response = admin_client.post(reimport_url(batch), {"file": upload})

    assert response.status_code == 200
    assert form_errors(response) == [
        "“fixed.pdf” is not a CSV or .xlsx file. Upload the report of rejected "
        "rows as you saved it after correcting it."
    ]


def test_reimport_too_large_form_error(
    english: Client, admin_client: Client, batch: ImportBatch, settings: object
) -> None:
    settings.IMPORT_MAX_CSV_BYTES = 10  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("fixed.csv", b"x" * 11)

    response = admin_client.post(reimport_url(batch), {"file": upload})

    assert response.status_code == 200
    assert form_errors(response) == [
        "“fixed.csv” is 11 bytes; the maximum is 10 bytes. Upload only the "
        "corrected report of rejected rows."
    ]


def test_reimport_not_staged_form_error(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    rows = report_download(admin_client, batch)
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.DISCARDED)

    response = report_upload(admin_client, batch, rows)

    assert response.status_code == 200
    with override("en"):
        expected = file_error_message(
            "batch_not_staged", {"batch": batch.pk, "state": "discarded"}
        )
    assert form_errors(response) == [expected]
    assert response.context["report_form"] is not None


def test_rematch_not_staged_error_message(
    english: Client, admin_client: Client, batch: ImportBatch
) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.DISCARDED)
    factories.user_create(email="nieuw@example.nl")

    response = admin_client.post(rematch_url(batch), follow=True)

    with override("en"):
        expected = file_error_message(
            "batch_not_staged", {"batch": batch.pk, "state": "discarded"}
        )
    texts = [str(message) for message in response.context["messages"]]
    assert texts == [expected]
    assert rejected_codes(ImportBatch.objects.get(pk=batch.pk))[3] == "user_not_found"


# Access rules ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rejected-reimport", "rejected-rematch"])
def test_fix_actions_anonymous_redirects(
    client: Client, batch: ImportBatch, name: str
) -> None:
    response = client.post(reverse(f"imports:{name}", args=[batch.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["rejected-reimport", "rejected-rematch"])
def test_fix_actions_learner_forbidden(
    learner_client: Client, batch: ImportBatch, name: str
) -> None:
    factories.user_create(email="nieuw@example.nl")

    response = learner_client.post(reverse(f"imports:{name}", args=[batch.pk]))

    assert response.status_code == 403
    assert ImportBatch.objects.get(pk=batch.pk).staged_count == 1


@pytest.mark.parametrize("name", ["rejected-reimport", "rejected-rematch"])
def test_fix_actions_get_not_allowed(
    admin_client: Client, batch: ImportBatch, name: str
) -> None:
    response = admin_client.get(reverse(f"imports:{name}", args=[batch.pk]))

    assert response.status_code == 405


@pytest.mark.parametrize("name", ["rejected-reimport", "rejected-rematch"])
def test_fix_actions_unknown_batch_404(admin_client: Client, name: str) -> None:
    response = admin_client.post(reverse(f"imports:{name}", args=[999999]))

    assert response.status_code == 404
