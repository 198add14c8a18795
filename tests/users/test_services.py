from typing import Any

import pytest

from learnlinq.errors import InputRejected
from tests import factories
from tests.conftest import CASES_DIR
from users.models import FreeField, FreeFieldValue, User
from users.services import UserImportOutcome, UserImportReport, users_import_csv

HEADER = "Username;Name;Email;Importid;custom_personeelsnummer\n"


def _import(text: str, **options: Any) -> UserImportReport:
    return users_import_csv(data=text.encode("utf-8"), **options)


def _cases_users() -> bytes:
    return (CASES_DIR / "users.csv").read_bytes()


def _numbers() -> dict[str, str]:
    values = FreeFieldValue.objects.filter(field__name="custom_personeelsnummer")
    return {value.user.username: value.value for value in values.select_related("user")}


@pytest.mark.django_db
def test_users_import_creates_six_users() -> None:
    report = users_import_csv(data=_cases_users())

    assert report.created == 6
    assert report.rejected == 0
    assert User.objects.count() == 6
    assert report.free_fields_created == ["custom_personeelsnummer"]


@pytest.mark.django_db
def test_users_import_stores_user_fields() -> None:
    users_import_csv(data=_cases_users())

    zoe = User.objects.get(username="zmuller")
    assert zoe.name == "Zoë Müller"
    assert zoe.email == "zoe.muller@example.nl"
    assert zoe.import_id == "HR-20418"
    assert not zoe.has_usable_password()


@pytest.mark.django_db
def test_users_import_keeps_leading_zeros() -> None:
    users_import_csv(data=_cases_users())

    numbers = _numbers()
    assert numbers["jdevries"] == "00123"
    assert numbers["zmuller"] == "04711"
    assert numbers["jodevries"] == "0123"
    assert numbers["ebakker"] == "8800000012345678"


@pytest.mark.django_db
def test_users_import_free_field_is_text() -> None:
    users_import_csv(data=_cases_users())

    free_field = FreeField.objects.get(name="custom_personeelsnummer")
    assert free_field.type == FreeField.Type.TEXT


@pytest.mark.django_db
def test_users_import_rerun_changes_nothing() -> None:
    users_import_csv(data=_cases_users())

    report = users_import_csv(data=_cases_users())

    assert report.created == 0
    assert report.updated == 0
    assert report.unchanged == 6
    assert report.free_fields_created == []
    assert User.objects.count() == 6


@pytest.mark.django_db
def test_users_import_emails_differing_in_case() -> None:
    users_import_csv(data=_cases_users())

    assert User.objects.get(username="psmit").email == "p.smit@example.nl"
    assert User.objects.get(username="psmit2").email == "P.Smit@example.nl"


@pytest.mark.django_db
def test_users_import_updates_by_username() -> None:
    users_import_csv(data=_cases_users())
    text = HEADER + "jdevries;Jan de Vries-Smit;jan@example.nl;HR-20417;00123\n"

    report = _import(text)

    assert report.updated == 1
    assert report.lines[0].line == 2
    user = User.objects.get(username="jdevries")
    assert user.name == "Jan de Vries-Smit"
    assert user.email == "jan@example.nl"
    assert User.objects.count() == 6


@pytest.mark.django_db
def test_users_import_free_value_change_is_update() -> None:
    users_import_csv(data=_cases_users())
    text = HEADER + "jdevries;Jan de Vries;jan.devries@example.nl;HR-20417;00999\n"

    report = _import(text)

    assert report.lines[0].outcome == UserImportOutcome.UPDATED
    assert _numbers()["jdevries"] == "00999"


@pytest.mark.django_db
def test_users_import_empty_free_value_removes_it() -> None:
    users_import_csv(data=_cases_users())
    text = HEADER + "jdevries;Jan de Vries;jan.devries@example.nl;HR-20417;\n"

    report = _import(text)

    assert report.updated == 1
    assert "jdevries" not in _numbers()


@pytest.mark.django_db
def test_users_import_missing_column_left_alone() -> None:
    users_import_csv(data=_cases_users())

    report = _import("Username;Name\nzmuller;Zoë Müller\n")

    assert report.unchanged == 1
    assert User.objects.get(username="zmuller").import_id == "HR-20418"
    assert _numbers()["zmuller"] == "04711"


@pytest.mark.django_db
def test_users_import_empty_import_id_is_null() -> None:
    report = _import("Username;Importid\nanna;\nbert;\n")

    assert report.created == 2
    assert list(User.objects.values_list("import_id", flat=True)) == [None, None]


@pytest.mark.django_db
def test_users_import_bad_lines_rejected() -> None:
    users_import_csv(data=_cases_users())
    text = (
        HEADER
        + ";Zonder Naam;zonder@example.nl;;\n"
        + "kees;Kees Klok;kees(at)example.nl;;\n"
        + "lotte;Lotte Lamers;lotte@example.nl;HR-20417;\n"
        + "met spatie;Met Spatie;;;\n"
        + "mila;Mila Meijer;mila@example.nl;HR-30001;\n"
        + "mila;Mila Meijer;mila@example.nl;;\n"
        + "nina;Nina Noor;nina@example.nl;HR-30001;\n"
        + "otto;Otto Oster;otto@example.nl\n"
        + "piet;Piet Post;piet@example.nl;;00042\n"
    )

    report = _import(text)

    rejected = [(line.line, line.code, line.params) for line in report.rejected_lines]
    assert rejected == [
        (2, "username_missing", {}),
        (3, "email_invalid", {"value": "kees(at)example.nl"}),
        (4, "import_id_taken", {"value": "HR-20417", "username": "jdevries"}),
        (5, "username_invalid", {"username": "met spatie"}),
        (7, "username_duplicate", {"username": "mila", "first_line": 6}),
        (8, "import_id_taken", {"value": "HR-30001", "username": "mila"}),
        (9, "cell_count", {"expected": 5, "found": 3}),
    ]
    assert report.created == 2
    assert User.objects.filter(username="mila").exists()
    assert User.objects.filter(username="piet").exists()
    assert not User.objects.filter(username__in=["kees", "lotte", "nina"]).exists()


@pytest.mark.django_db
def test_users_import_reports_every_line() -> None:
    text = "Username\nanna\n\n;\nbert\n"

    report = _import(text)

    assert [(line.line, line.outcome) for line in report.lines] == [
        (2, UserImportOutcome.CREATED),
        (5, UserImportOutcome.CREATED),
    ]


@pytest.mark.django_db
def test_users_import_line_of_quoted_break() -> None:
    text = 'Username;Name\nanna;"Anna\nAnders"\n;Geen Naam\n'

    report = _import(text)

    assert report.rejected_lines[0].line == 4
    assert User.objects.get(username="anna").name == "Anna\nAnders"


@pytest.mark.django_db
def test_users_import_value_too_long() -> None:
    report = _import("Username;Name\nanna;" + "a" * 256 + "\n")

    line = report.rejected_lines[0]
    assert line.code == "value_too_long"
    assert line.params == {"column": "Name", "max": 255}


@pytest.mark.django_db
def test_users_import_date_free_field_checked() -> None:
    FreeField.objects.create(name="custom_in_dienst", type=FreeField.Type.DATE)

    report = _import("Username;custom_in_dienst\nanna;2021-03-01\nbert;1-3-2021\n")

    assert report.created == 1
    assert report.rejected_lines[0].code == "free_field_date_invalid"
    assert report.rejected_lines[0].params == {
        "column": "custom_in_dienst",
        "value": "1-3-2021",
    }


@pytest.mark.django_db
def test_users_import_bom_and_header_case() -> None:
    data = "\ufeffUSERNAME ;email\r\nanna;anna@example.nl\r\n".encode()

    report = users_import_csv(data=data)

    assert report.created == 1
    assert User.objects.get(username="anna").email == "anna@example.nl"


@pytest.mark.django_db
def test_users_import_windows_1252() -> None:
    data = "Username;Name\nzmuller;Zoë Müller\n".encode("cp1252")

    users_import_csv(data=data, encoding="windows-1252")

    assert User.objects.get(username="zmuller").name == "Zoë Müller"


@pytest.mark.django_db
def test_users_import_comma_delimiter() -> None:
    report = _import("Username,Name\nanna,Anna\n", delimiter=",")

    assert report.created == 1


@pytest.mark.django_db
def test_users_import_keeps_existing_password() -> None:
    user = factories.user_create(username="jdevries", password="a-long-secret-1")

    users_import_csv(data=_cases_users())

    user.refresh_from_db()
    assert user.check_password("a-long-secret-1")


@pytest.mark.django_db
def test_users_import_import_id_moves_in_two_runs() -> None:
    users_import_csv(data=_cases_users())
    _import("Username;Importid\njdevries;\n")

    report = _import("Username;Importid\njodevries;HR-20417\n")

    assert report.updated == 1
    assert User.objects.get(username="jodevries").import_id == "HR-20417"


FILE_FAULTS = [
    (b"", "user_csv_empty", {}),
    (b" \r\n", "user_csv_empty", {}),
    (b"Name;Email\nAnna;a@example.nl\n", "user_csv_username_column_missing", {}),
    (
        b"Username;Password\nanna;x\n",
        "user_csv_column_unknown",
        {"name": "Password", "columns": "Username, Name, Email, Importid"},
    ),
    (b"Username;Name;name\n", "user_csv_column_duplicate", {"name": "name"}),
    (b"Username;;Name\n", "user_csv_column_unnamed", {"column": 2}),
    (
        b"Username;custom_Num-mer\n",
        "user_csv_free_field_invalid",
        {"name": "custom_Num-mer"},
    ),
    (
        b"Username;Name\nzmuller;Zo\xeb\n",
        "user_csv_undecodable",
        {"encoding": "utf-8-sig", "line": 2, "byte": "0xEB"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code", "params"), FILE_FAULTS)
def test_users_import_file_faults(data: bytes, code: str, params: dict) -> None:
    with pytest.raises(InputRejected) as caught:
        users_import_csv(data=data)

    assert caught.value.code == code
    assert caught.value.params == params
    assert User.objects.count() == 0
    assert FreeField.objects.count() == 0


@pytest.mark.django_db
def test_users_import_unknown_encoding() -> None:
    with pytest.raises(InputRejected) as caught:
        users_import_csv(data=b"Username\nanna\n", encoding="klingon")

    assert caught.value.code == "user_csv_encoding_unknown"


@pytest.mark.django_db
def test_users_import_bounded_queries(
    django_assert_max_num_queries: Any,
) -> None:
    lines = [f"user{n};User {n};user{n}@example.nl;ID{n};{n:06d}" for n in range(1200)]
    data = (HEADER + "\n".join(lines) + "\n").encode()
    users_import_csv(data=data)
    changed = [line.replace(";User ", ";Person ") for line in lines]
    data = (HEADER + "\n".join(changed) + "\n").encode()

    with django_assert_max_num_queries(20):
        report = users_import_csv(data=data)

    assert report.updated == 1200
    assert User.objects.filter(name__startswith="Person ").count() == 1200


@pytest.mark.django_db
def test_users_import_malformed_line_rolls_back() -> None:
    # The csv module rejects a cell over its field size limit (128 KiB).
    data = ("Username;custom_x\nanna;1\nbert;" + "x" * 140_000 + "\n").encode()

    with pytest.raises(InputRejected) as caught:
        users_import_csv(data=data)

    assert caught.value.code == "user_csv_malformed"
    assert caught.value.params["line"] == 3
    assert FreeField.objects.count() == 0
    assert User.objects.count() == 0
