"""The import wizard, walked with the test client on real files."""

from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Protocol

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import ContextList
from django.urls import reverse

from imports.models import ImportBatch
from imports.services.staging import import_batch_stage
from tests import factories
from tests.conftest import CASES_DIR, REALDATA_DIR
from users.models import FreeField, User

pytestmark = pytest.mark.django_db

WIZARD_PATH = "/imports/new/"
# One fixed run token, so each test walks one wizard run. The run tests at
# the end start their own runs.
WIZARD_RUN = "0123456789abcdef"
WIZARD_URL = f"{WIZARD_PATH}?run={WIZARD_RUN}"
MANAGEMENT_FIELD = f"import_wizard_view_{WIZARD_RUN}-current_step"
# Browsers drop cookies over 4096 bytes, name and attributes included.
COOKIE_LIMIT = 4096


@pytest.fixture
def case_users(db: None) -> dict[str, User]:
    return {
        "jdevries": factories.user_create(
            username="jdevries", name="Jan de Vries", email="jan.devries@example.nl"
        ),
        "zmuller": factories.user_create(
            username="zmuller", name="Zoë Müller", email="zoe.muller@example.nl"
        ),
        "ebakker": factories.user_create(
            username="ebakker", name="Els Bakker", email="els.bakker@example.nl"
        ),
    }


def case_file(name: str) -> SimpleUploadedFile:
    path = CASES_DIR / "files" / name
    return SimpleUploadedFile(path.name, path.read_bytes())


def upload_data(file: SimpleUploadedFile, **choices: str) -> dict[str, Any]:
    data = {
        MANAGEMENT_FIELD: "upload",
        "upload-file": file,
        "upload-user_field": "email",
        "upload-delimiter": ";",
        "upload-quotechar": '"',
        "upload-encoding": "utf-8",
        "upload-date_format": "d-M-yyyy",
        "upload-sheet": "",
    }
    data.update({f"upload-{key}": value for key, value in choices.items()})
    return data


def mapping_data(**choices: str) -> dict[str, str]:
    data = {
        MANAGEMENT_FIELD: "mapping",
        "mapping-column_UserId": "UserId",
        "mapping-column_Timestamp": "Timestamp",
        "mapping-column_LearningActivityTitle": "LearningActivityTitle",
        "mapping-column_ResultId": "ResultId",
        "mapping-column_Tags": "Tags",
        "mapping-title_fixed": "",
        "mapping-tags_fixed": "",
        "mapping-passed_column": "",
        "mapping-passed_values": "",
        "mapping-duplicate_policy": "skip",
    }
    data.update({f"mapping-{key}": value for key, value in choices.items()})
    return data


class RenderedResponse(Protocol):
    """A test client response with the context of the templates it rendered.

    Django's test client sets `context` on the responses it returns, and
    django-stubs names that type only as the private `_MonkeyPatchedWSGIResponse`.
    """

    @property
    def status_code(self) -> int: ...

    @property
    def cookies(self) -> SimpleCookie: ...

    @property
    def context(self) -> ContextList | dict[str, Any]: ...

    @property
    def content(self) -> bytes: ...


def current_step(response: RenderedResponse) -> str:
    return response.context["wizard"]["steps"].current


def summary_values(response: RenderedResponse) -> dict[str, str]:
    return {key: value for key, _label, value in response.context["summary"]}


def assert_small_cookies(response: RenderedResponse) -> None:
    for morsel in response.cookies.values():
        assert len(morsel.OutputString()) <= COOKIE_LIMIT, morsel.key


def walk_wide_file(client: Client) -> list[RenderedResponse]:
    """Post the upload and mapping steps for the wide Windows-1252 file."""
    responses: list[RenderedResponse] = [client.get(WIZARD_URL)]
    responses.append(
        client.post(
            WIZARD_URL,
            upload_data(
                case_file("c30-wide-preview.csv"),
                user_field="username",
                delimiter=",",
                encoding="windows-1252",
            ),
        )
    )
    responses.append(client.post(WIZARD_URL, mapping_data()))
    return responses


def test_wizard_anonymous_redirects(client: Client) -> None:
    response = client.get(reverse("imports:wizard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_wizard_learner_forbidden(learner_client: Client) -> None:
    response = learner_client.get(reverse("imports:wizard"))

    assert response.status_code == 403


def test_wizard_put_not_allowed(admin_client: Client) -> None:
    response = admin_client.put(reverse("imports:wizard"))

    assert response.status_code == 405


def test_wizard_url_name() -> None:
    assert reverse("imports:wizard") == WIZARD_PATH


def test_wizard_dutch_by_default(admin_client: Client) -> None:
    response = admin_client.get(WIZARD_URL)

    assert response.status_code == 200
    assert '<html lang="nl">' in response.content.decode()


def test_wizard_english_after_set_language(admin_client: Client) -> None:
    switched = admin_client.post(
        reverse("set_language"), {"language": "en", "next": WIZARD_URL}
    )
    response = admin_client.get(WIZARD_URL)

    assert switched.status_code == 302
    assert '<html lang="en">' in response.content.decode()


def test_wizard_offers_free_fields(admin_client: Client) -> None:
    FreeField.objects.create(name="custom_personeelsnummer", label="Personeelsnummer")

    response = admin_client.get(WIZARD_URL)

    choices = dict(response.context["form"].fields["user_field"].choices)
    assert "custom_personeelsnummer" in choices
    assert "Personeelsnummer" in str(choices["custom_personeelsnummer"])
    assert {"import_id", "username", "email"} <= set(choices)


def test_wizard_wide_file_keeps_choices(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.cookies["django_language"] = "en"
    get, upload, mapping = walk_wide_file(admin_client)

    assert get.status_code == 200
    assert upload.status_code == 200
    assert current_step(upload) == "mapping"
    assert mapping.status_code == 200
    assert current_step(mapping) == "confirm"
    summary = summary_values(mapping)
    assert mapping.context["upload"]["user_field"] == "username"
    assert summary["delimiter"] == "Comma ( , )"
    assert summary["quotechar"] == 'Double quote ( " )'
    assert summary["encoding"] == "Windows-1252 (Western Europe, Excel “CSV”)"
    assert "sheet" not in summary
    assert summary["date_format"] == "d-M-yyyy"
    assert summary["column:UserId"] == "UserId"
    assert summary["column:Tags"] == "Tags"
    assert summary["file"] == "c30-wide-preview.csv"


def test_wizard_cookies_stay_small(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    responses = walk_wide_file(admin_client)
    responses.append(
        admin_client.post(
            WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
        )
    )

    for response in responses:
        assert_small_cookies(response)


def test_wizard_mapping_shows_preview(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    _get, upload, _mapping = walk_wide_file(admin_client)

    preview = upload.context["preview"]
    assert preview.header[:3] == ["UserId", "Timestamp", "LearningActivityTitle"]
    assert preview.rows[0].ok
    assert preview.rows[0].title.startswith(
        "Bedrijfshulpverlening herhaling, module 01 \u2013"
    )
    assert "Coëvorden" in preview.rows[0].title


def test_wizard_mapping_prefills_suggestion(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    _get, upload, _mapping = walk_wide_file(admin_client)

    form = upload.context["form"]
    assert form["column_UserId"].value() == "UserId"
    assert form["column_Tags"].value() == "Tags"


def test_wizard_suggestion_never_overrides(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.get(WIZARD_URL)
    response = admin_client.post(
        WIZARD_URL,
        upload_data(
            case_file("c04-comma.csv"),
            delimiter=";",
        ),
    )

    # With ";" the header reads as one column, so the reader rejects the file
    # and names ","; the form keeps the delimiter the user chose.
    assert current_step(response) == "upload"
    errors = response.context["form"].non_field_errors().as_data()
    assert [error.code for error in errors] == ["delimiter_mismatch"]
    assert response.context["form"]["delimiter"].value() == ";"


def test_wizard_shows_detected_date_format(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.get(WIZARD_URL)
    response = admin_client.post(
        WIZARD_URL,
        upload_data(
            case_file("c30-wide-preview.csv"),
            user_field="username",
            delimiter=",",
            encoding="windows-1252",
            date_format="dd-MM-yyyy",
        ),
    )

    assert current_step(response) == "mapping"
    differences = response.context["suggestion_differences"]
    assert [item["detected"] for item in differences] == ["d-M-yyyy"]
    assert response.context["upload"]["date_format"] == "dd-MM-yyyy"
    assert response.context["preview"].rows[0].code == "date_invalid"


def test_wizard_back_keeps_upload_choices(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    walk_wide_file(admin_client)
    back = admin_client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "wizard_goto_step": "upload"}
    )

    assert current_step(back) == "upload"
    form = back.context["form"]
    assert form["delimiter"].value() == ","
    assert form["encoding"].value() == "windows-1252"
    assert form["user_field"].value() == "username"


def test_wizard_done_creates_batch(
    admin_client: Client, admin_user: User, case_users: dict[str, User]
) -> None:
    walk_wide_file(admin_client)
    response = admin_client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[batch.pk])
    assert batch.state == ImportBatch.State.QUEUED
    assert batch.created_by == admin_user
    assert batch.original_name == "c30-wide-preview.csv"
    assert batch.user_field == "username"
    assert batch.delimiter == ","
    assert batch.encoding == "windows-1252"
    assert batch.column_map["Tags"] == "Tags"


def test_wizard_upload_removed_after_done(
    admin_client: Client, case_users: dict[str, User], settings: Any
) -> None:
    walk_wide_file(admin_client)
    wizard_dir = Path(settings.MEDIA_ROOT) / "wizard"
    assert any(wizard_dir.iterdir())

    admin_client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
    )

    assert not any(wizard_dir.iterdir())


def test_wizard_staged_batch_pages(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    walk_wide_file(admin_client)
    admin_client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
    )
    batch = ImportBatch.objects.get()

    import_batch_stage(batch_id=batch.pk)
    batch.refresh_from_db()
    detail = admin_client.get(reverse("imports:detail", args=[batch.pk]))
    review = admin_client.get(reverse("imports:review", args=[batch.pk]))

    assert batch.state == ImportBatch.State.STAGED
    assert batch.staged_count == 60
    assert batch.rejected_count == 0
    assert detail.status_code == 200
    assert review.status_code == 200
    titles = {group.title for group, _value in review.context["groups"]}
    assert (
        "Bedrijfshulpverlening herhaling, module 01 \u2013 praktijkdeel met "
        "ontruimingsoefening en evaluatie (locatie Coëvorden)"
    ) in titles


@pytest.mark.parametrize(
    ("file_name", "choices", "code"),
    [
        ("c02-windows-1252.csv", {}, "encoding_invalid"),
        ("c03-xls-named-csv.csv", {}, "workbook_xls"),
        ("c09-duplicate-header.csv", {}, "duplicate_header"),
    ],
)
def test_wizard_file_fault_form_error(
    admin_client: Client, file_name: str, choices: dict[str, str], code: str
) -> None:
    admin_client.get(WIZARD_URL)
    response = admin_client.post(
        WIZARD_URL, upload_data(case_file(file_name), **choices)
    )

    assert response.status_code == 200
    assert current_step(response) == "upload"
    codes = [
        error.code for error in response.context["form"].non_field_errors().as_data()
    ]
    assert codes == [code]


def test_wizard_rejects_other_extension(admin_client: Client) -> None:
    admin_client.get(WIZARD_URL)
    response = admin_client.post(
        WIZARD_URL, upload_data(SimpleUploadedFile("results.pdf", b"%PDF-1.4"))
    )

    assert current_step(response) == "upload"
    assert response.context["form"].errors.as_data()["file"][0].code == "extension"


def test_wizard_mapping_requires_user_column(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.get(WIZARD_URL)
    admin_client.post(WIZARD_URL, upload_data(case_file("c02-utf8.csv")))
    response = admin_client.post(WIZARD_URL, mapping_data(column_UserId=""))

    assert current_step(response) == "mapping"
    errors = response.context["form"].errors.as_data()
    assert errors["column_UserId"][0].code == "required"


def test_wizard_fixed_title_replaces_column(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.get(WIZARD_URL)
    admin_client.post(WIZARD_URL, upload_data(case_file("c02-utf8.csv")))
    response = admin_client.post(
        WIZARD_URL, mapping_data(title_fixed="Cursus coëfficiënten")
    )

    assert current_step(response) == "confirm"
    summary = summary_values(response)
    assert summary["fixed:LearningActivityTitle"] == "Cursus coëfficiënten"
    assert "column:LearningActivityTitle" not in summary


def test_wizard_status_column_needs_values(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.get(WIZARD_URL)
    admin_client.post(WIZARD_URL, upload_data(case_file("c02-utf8.csv")))
    response = admin_client.post(WIZARD_URL, mapping_data(passed_column="Tags"))

    assert current_step(response) == "mapping"
    errors = response.context["form"].errors.as_data()
    assert errors["passed_values"][0].code == "passed_values_missing"


def test_wizard_column_chosen_twice(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.get(WIZARD_URL)
    admin_client.post(WIZARD_URL, upload_data(case_file("c02-utf8.csv")))
    response = admin_client.post(WIZARD_URL, mapping_data(column_ResultId="Tags"))

    assert current_step(response) == "mapping"
    errors = response.context["form"].errors.as_data()
    assert errors["column_Tags"][0].code == "column_twice"


def test_wizard_done_queues_staging(
    admin_client: Client,
    case_users: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    walk_wide_file(admin_client)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
        )

    assert response.status_code == 302
    assert len(callbacks) == 1


def test_wizard_confirm_required(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    walk_wide_file(admin_client)

    response = admin_client.post(WIZARD_URL, {MANAGEMENT_FIELD: "confirm"})

    assert response.status_code == 200
    assert current_step(response) == "confirm"
    assert not ImportBatch.objects.exists()


def test_wizard_back_keeps_stored_file(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    walk_wide_file(admin_client)
    admin_client.post(
        WIZARD_URL, {MANAGEMENT_FIELD: "confirm", "wizard_goto_step": "upload"}
    )
    data = upload_data(
        case_file("c30-wide-preview.csv"),
        user_field="username",
        delimiter=",",
        encoding="windows-1252",
        date_format="dd-MM-yyyy",
    )
    del data["upload-file"]

    response = admin_client.post(WIZARD_URL, data)

    assert response.status_code == 200
    assert current_step(response) == "mapping"
    assert response.context["upload"]["file"].name == "c30-wide-preview.csv"
    assert response.context["upload"]["date_format"] == "dd-MM-yyyy"


def test_wizard_upload_requires_file(admin_client: Client) -> None:
    admin_client.get(WIZARD_URL)
    data = upload_data(case_file("c02-utf8.csv"))
    del data["upload-file"]

    response = admin_client.post(WIZARD_URL, data)

    assert current_step(response) == "upload"
    assert response.context["form"].errors.as_data()["file"][0].code == "required"


def test_wizard_workbook_reaches_mapping(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.get(WIZARD_URL)
    response = admin_client.post(
        WIZARD_URL, upload_data(case_file("c03-xlsx-named-csv.csv"))
    )

    assert response.status_code == 200
    assert current_step(response) == "mapping"
    assert response.context["preview"].suggestion.kind == "xlsx"
    assert response.context["suggestion_differences"] == []


def test_wizard_confirm_workbook_shows_sheet(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.cookies["django_language"] = "en"
    admin_client.get(WIZARD_URL)
    admin_client.post(WIZARD_URL, upload_data(case_file("c03-xlsx-named-csv.csv")))

    response = admin_client.post(WIZARD_URL, mapping_data())

    summary = summary_values(response)
    html = response.content.decode()
    assert current_step(response) == "confirm"
    assert summary["sheet"] == "The first sheet"
    assert "delimiter" not in summary
    assert "quotechar" not in summary
    assert "encoding" not in summary
    assert "<dt>Worksheet</dt>\n    <dd>The first sheet</dd>" in html


def test_wizard_confirm_named_sheet(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    from imports.services.settings import ImportSettings
    from imports.views.settings_summary import settings_summary

    rows = settings_summary(
        ImportSettings(user_field="email", sheet="Blad1"), is_workbook=True
    )

    assert ("sheet", "Worksheet", "Blad1") in [
        (key, str(label), value) for key, label, value in rows
    ]


# Wizard runs ----------------------------------------------------------------


def wizard_start(client: Client) -> str:
    """Open the wizard without a token and return the run token it redirects to."""
    response = client.get(WIZARD_PATH)
    assert response.status_code == 302
    location = str(response["Location"])
    assert location.startswith(f"{WIZARD_PATH}?run=")
    return location.partition("?run=")[2]


def for_run(token: str, data: dict[str, Any]) -> dict[str, Any]:
    """Return ``data`` with the management field of run ``token``."""
    renamed = {key: value for key, value in data.items() if key != MANAGEMENT_FIELD}
    renamed[f"import_wizard_view_{token}-current_step"] = data[MANAGEMENT_FIELD]
    return renamed


def test_wizard_without_run_redirects(admin_client: Client) -> None:
    token = wizard_start(admin_client)

    page = admin_client.get(f"{WIZARD_PATH}?run={token}")

    assert len(token) == 16
    assert int(token, 16) >= 0
    assert page.status_code == 200
    assert f'action="{WIZARD_PATH}?run={token}"' in page.content.decode()


@pytest.mark.parametrize("run", ["", "xyz", "0123456789ABCDEF", "0" * 17])
def test_wizard_malformed_run_redirects(admin_client: Client, run: str) -> None:
    response = admin_client.get(WIZARD_PATH, {"run": run})

    assert response.status_code == 302
    location = str(response["Location"])
    assert location.startswith(f"{WIZARD_PATH}?run=")
    assert location.partition("?run=")[2] != run


def test_wizard_post_without_run_redirects(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.cookies["django_language"] = "en"

    response = admin_client.post(
        WIZARD_PATH, upload_data(case_file("c02-utf8.csv")), follow=True
    )

    assert len(response.redirect_chain) == 1
    assert response.redirect_chain[0][0].startswith(f"{WIZARD_PATH}?run=")
    assert [str(message) for message in response.context["messages"]] == [
        "This import wizard is no longer open, so its choices were lost. Upload "
        "the file again."
    ]
    assert not ImportBatch.objects.exists()


def test_wizard_interleaved_runs_separate(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    first, second = wizard_start(admin_client), wizard_start(admin_client)
    first_url, second_url = f"{WIZARD_PATH}?run={first}", f"{WIZARD_PATH}?run={second}"
    admin_client.get(first_url)
    admin_client.get(second_url)

    uploads = [
        admin_client.post(
            first_url, for_run(first, upload_data(case_file("c02-utf8.csv")))
        ),
        admin_client.post(
            second_url,
            for_run(second, upload_data(case_file("c04-comma.csv"), delimiter=",")),
        ),
    ]
    mappings = [
        admin_client.post(first_url, for_run(first, mapping_data())),
        admin_client.post(second_url, for_run(second, mapping_data())),
    ]
    confirm = {MANAGEMENT_FIELD: "confirm", "confirm-confirmed": "on"}
    second_done = admin_client.post(second_url, for_run(second, confirm))
    first_done = admin_client.post(first_url, for_run(first, confirm))

    assert first != second
    assert [current_step(response) for response in uploads] == ["mapping"] * 2
    assert [current_step(response) for response in mappings] == ["confirm"] * 2
    assert second_done.status_code == 302
    assert first_done.status_code == 302
    batches = list(ImportBatch.objects.order_by("pk"))
    assert [batch.original_name for batch in batches] == [
        "c04-comma.csv",
        "c02-utf8.csv",
    ]
    assert [batch.delimiter for batch in batches] == [",", ";"]
    assert first_done["Location"] == reverse("imports:detail", args=[batches[1].pk])


def test_wizard_unknown_step_rejected(
    admin_client: Client, case_users: dict[str, User]
) -> None:
    admin_client.cookies["django_language"] = "en"
    admin_client.get(WIZARD_URL)
    admin_client.post(WIZARD_URL, upload_data(case_file("c02-utf8.csv")))

    response = admin_client.post(WIZARD_URL, {MANAGEMENT_FIELD: "bogus"})

    assert response.status_code == 400
    assert current_step(response) == "mapping"
    assert response.context["step_error"] == (
        "The form named a step “bogus” that this wizard does not have. Fill in "
        "this step again."
    )
    assert not ImportBatch.objects.exists()


def test_wizard_unknown_first_step_rejected(admin_client: Client) -> None:
    admin_client.get(WIZARD_URL)

    response = admin_client.post(WIZARD_URL, {MANAGEMENT_FIELD: "bogus"})

    assert response.status_code == 400
    assert current_step(response) == "upload"


# Files whose header has none of the standard names --------------------------

CPS_FILE = REALDATA_DIR / "cps-restraint-certifications" / "certification_history.csv"
TOTARA_FILE = (
    REALDATA_DIR / "totara-completionimport" / "course_completion_CR_line_endings.csv"
)


def real_file(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def upload_real_file(client: Client, path: Path, **choices: str) -> RenderedResponse:
    client.cookies["django_language"] = "en"
    client.get(WIZARD_URL)
    choices.setdefault("delimiter", ",")
    choices.setdefault("date_format", "yyyy-MM-dd")
    return client.post(WIZARD_URL, upload_data(real_file(path), **choices))


@pytest.mark.parametrize(
    ("path", "first_cell", "total"),
    [(CPS_FILE, "ADDAMS", None), (TOTARA_FILE, "learner1", 2)],
)
def test_wizard_unmapped_file_shows_rows(
    admin_client: Client, path: Path, first_cell: str, total: int | None
) -> None:
    response = upload_real_file(admin_client, path)

    html = response.content.decode()
    preview = response.context["preview"]
    assert current_step(response) == "mapping"
    assert not preview.mapped
    assert preview.rows[0].cells[0] == first_cell
    assert f"<td>{first_cell}</td>" in html
    assert "Map the columns to see how the rows will be read." in html
    assert "The file has no data rows." not in html
    assert "as they are in the file" in html
    if total is not None:
        assert f"The first {total} rows of {total}, as they are in the file" in html


def cps_mapping(**choices: str) -> dict[str, str]:
    return mapping_data(
        column_UserId="employeeHash",
        column_Timestamp="observedDate",
        column_LearningActivityTitle="",
        column_ResultId="",
        column_Tags="",
        title_fixed="CPS restraint",
        **choices,
    )


def test_wizard_preview_refresh_reads_rows(admin_client: Client) -> None:
    first_hash = CPS_FILE.read_text().splitlines()[1].split(",")[7]
    factories.user_create(import_id=first_hash)
    upload_real_file(admin_client, CPS_FILE, user_field="import_id")

    response = admin_client.post(WIZARD_URL, {**cps_mapping(), "preview_refresh": "1"})

    preview = response.context["preview"]
    html = response.content.decode()
    assert response.status_code == 200
    assert current_step(response) == "mapping"
    assert preview.mapped
    assert preview.rows[0].ok
    assert preview.rows[1].code == "user_not_found"
    assert "as they will be read" in html
    assert "Map the columns to see how the rows will be read." not in html
    assert not ImportBatch.objects.exists()


def test_wizard_preview_refresh_keeps_choices(admin_client: Client) -> None:
    upload_real_file(admin_client, CPS_FILE, user_field="import_id")

    response = admin_client.post(WIZARD_URL, {**cps_mapping(), "preview_refresh": "1"})

    form = response.context["form"]
    assert form["column_UserId"].value() == "employeeHash"
    assert form["title_fixed"].value() == "CPS restraint"


def test_wizard_invalid_mapping_shows_raw_rows(admin_client: Client) -> None:
    upload_real_file(admin_client, TOTARA_FILE)

    response = admin_client.post(
        WIZARD_URL, mapping_data(column_UserId="username", column_Timestamp="")
    )

    preview = response.context["preview"]
    assert current_step(response) == "mapping"
    assert response.context["form"].errors
    assert not preview.mapped
    assert [row.cells[0] for row in preview.rows] == ["learner1", "learner1"]


def test_wizard_mapped_file_goes_to_confirm(admin_client: Client) -> None:
    upload_real_file(admin_client, TOTARA_FILE, user_field="username")

    response = admin_client.post(
        WIZARD_URL,
        mapping_data(
            column_UserId="username",
            column_Timestamp="completiondate",
            column_LearningActivityTitle="courseshortname",
            column_ResultId="",
            column_Tags="",
        ),
    )

    preview = response.context["preview"]
    assert current_step(response) == "confirm"
    assert preview.mapped
    assert [row.code for row in preview.rows] == ["user_not_found"] * 2
