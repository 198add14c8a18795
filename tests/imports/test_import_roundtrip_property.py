"""
Round trip through the import service: any valid results file stages exactly.

Hypothesis draws results, writes them as a CSV file with the csv module in a
drawn encoding, delimiter, quoting, line ending, date notation and column
order, and stages that file with the matching settings. The staged rows must
read back as written, in file order, with nothing rejected.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from typing import Literal

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.models import ImportBatch, StagedRow
from imports.reading import DATE_FORMATS
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create, import_batch_stage
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db

COLUMNS = ("UserId", "Timestamp", "LearningActivityTitle", "Tags", "ResultId")
DELIMITERS = (";", ",", "\t", "|")
QUOTING = (csv.QUOTE_MINIMAL, csv.QUOTE_ALL)
LINE_ENDINGS = ("\r\n", "\n")
DATE_NOTATIONS = (
    "d-M-yyyy",
    "dd-MM-yyyy",
    "yyyy-MM-dd",
    "d/M/yyyy",
    "dd/MM/yyyy",
    "M/d/yyyy",
    "d.M.yyyy",
    "M-d-yyyy",
)


@dataclass(frozen=True)
class FileEncoding:
    """How the file is written, and the encoding setting the import gets."""

    codec: str
    setting: str
    # Codec that limits the drawn characters, or None for no limit.
    alphabet_codec: str | None


ENCODINGS = (
    FileEncoding("utf-8", "utf-8", None),
    # The wizard offers one UTF-8 choice, which reads a BOM as well.
    FileEncoding("utf-8-sig", "utf-8", None),
    # Python's utf-16 codec writes a BOM and the machine's byte order.
    FileEncoding("utf-16", "utf-16", None),
    FileEncoding("windows-1252", "windows-1252", "cp1252"),
)

# Usernames the results are matched on, one with letters outside ASCII that
# Windows-1252 can still write.
USERNAMES = ("jan.devries", "zoë.müller", "e_bakker")


@dataclass(frozen=True)
class GeneratedResult:
    """One results row as the test writes it and expects it back."""

    username: str
    achieved_on: datetime.date
    title: str
    tags: tuple[str, ...]
    result_id: str


@dataclass(frozen=True)
class GeneratedFile:
    """A drawn results file and the reading settings that match it."""

    results: list[GeneratedResult]
    encoding: FileEncoding
    delimiter: str
    # csv.QUOTE_MINIMAL or csv.QUOTE_ALL.
    quoting: Literal[0, 1]
    line_ending: str
    date_notation: str
    columns: tuple[str, ...]


def date_write(date: datetime.date, notation: str) -> str:
    """Write ``date`` in a notation such as ``d-M-yyyy``, independently of ours."""
    values = {
        "yyyy": f"{date.year:04d}",
        "dd": f"{date.day:02d}",
        "d": str(date.day),
        "MM": f"{date.month:02d}",
        "M": str(date.month),
    }
    return re.sub(r"yyyy|dd|d|MM|M", lambda match: values[match.group()], notation)


# Spaces of every width, such as U+00A0 and U+2003, drawn as inner characters.
SPACE_CATEGORIES: tuple[Literal["Zs"]] = ("Zs",)
# Inner characters besides the drawn ones: a tab and both line breaks.
INNER_EXTRAS = ("\t", "\n", "\r\n")


def _text(
    alphabet_codec: str | None, *, exclude: str = "", max_size: int = 40
) -> st.SearchStrategy[str]:
    """
    Draw printable text that starts and ends with a visible character.

    The import trims spaces at both ends of a value, so only inner characters
    may be spaces, tabs or line breaks. A lone carriage return is left out,
    because Python's csv writer (3.11) quotes a field for it only when the line
    ending contains it. With LF line endings no reader could tell it from a
    line break.
    """
    visible = st.characters(
        codec=alphabet_codec,
        categories=("L", "M", "N", "P", "S"),
        include_characters=[c for c in '";,|' if c not in exclude],
        exclude_characters=exclude,
    )
    inner = st.one_of(
        visible,
        st.characters(
            codec=alphabet_codec,
            categories=SPACE_CATEGORIES,
            exclude_characters=exclude,
        ),
        st.sampled_from(INNER_EXTRAS),
    )
    middle = st.lists(inner, max_size=max_size).map("".join)
    edge = st.lists(visible, min_size=1, max_size=2).map("".join)
    return st.tuples(edge, middle, edge).map("".join)


@st.composite
def generated_files(draw: st.DrawFn, today: datetime.date) -> GeneratedFile:
    encoding = draw(st.sampled_from(ENCODINGS))
    alphabet = encoding.alphabet_codec
    titles = _text(alphabet)
    tag_lists = st.lists(_text(alphabet, exclude="|", max_size=12), max_size=3)

    count = draw(st.integers(min_value=1, max_value=8))
    # ResultIds are unique, because one ResultId on two learners is rejected.
    result_ids = draw(
        st.lists(
            _text(alphabet, max_size=20), min_size=count, max_size=count, unique=True
        )
    )
    results = [
        GeneratedResult(
            username=draw(st.sampled_from(USERNAMES)),
            achieved_on=draw(
                st.dates(min_value=datetime.date(1950, 1, 1), max_value=today)
            ),
            title=draw(titles),
            tags=tuple(draw(tag_lists)),
            result_id=result_id if draw(st.booleans()) else "",
        )
        for result_id in result_ids
    ]
    return GeneratedFile(
        results=results,
        encoding=encoding,
        delimiter=draw(st.sampled_from(DELIMITERS)),
        quoting=draw(st.sampled_from(QUOTING)),
        line_ending=draw(st.sampled_from(LINE_ENDINGS)),
        date_notation=draw(st.sampled_from(DATE_NOTATIONS)),
        columns=tuple(draw(st.permutations(COLUMNS))),
    )


def file_write(generated: GeneratedFile) -> bytes:
    """Write the drawn results with the csv module and encode them."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=generated.delimiter,
        quotechar='"',
        quoting=generated.quoting,
        lineterminator=generated.line_ending,
    )
    writer.writerow(generated.columns)
    for result in generated.results:
        cells = {
            "UserId": result.username,
            "Timestamp": date_write(result.achieved_on, generated.date_notation),
            "LearningActivityTitle": result.title,
            "Tags": "|".join(result.tags),
            "ResultId": result.result_id,
        }
        writer.writerow([cells[name] for name in generated.columns])
    return buffer.getvalue().encode(generated.encoding.codec)


def _stage(admin_user: User, generated: GeneratedFile) -> ImportBatch:
    batch = import_batch_create(
        created_by=admin_user,
        data=ContentFile(file_write(generated), name="results.csv"),
        original_name="results.csv",
        settings=ImportSettings(
            user_field="username",
            delimiter=generated.delimiter,
            encoding=generated.encoding.setting,
            date_format=generated.date_notation,
            duplicate_policy=ImportBatch.DuplicatePolicy.KEEP,
        ),
    )
    return import_batch_stage(batch_id=batch.pk)


@pytest.fixture
def learners(db: None) -> dict[str, int]:
    """The learners the generated rows name, as user id by username."""
    return {
        username: factories.user_create(username=username).pk for username in USERNAMES
    }


def test_date_notations_offered() -> None:
    assert set(DATE_NOTATIONS) <= set(DATE_FORMATS)


@pytest.mark.parametrize(
    ("notation", "text"),
    [
        ("d-M-yyyy", "5-3-1961"),
        ("dd-MM-yyyy", "05-03-1961"),
        ("yyyy-MM-dd", "1961-03-05"),
        ("M/d/yyyy", "3/5/1961"),
        ("d.M.yyyy", "5.3.1961"),
    ],
)
def test_date_write_notations(notation: str, text: str) -> None:
    assert date_write(datetime.date(1961, 3, 5), notation) == text


@settings(
    max_examples=40,
    deadline=None,
    # The learners are created once per test and shared by every example on
    # purpose. Each example rolls back its own rows.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_import_round_trip_any_dialect(
    admin_user: User, learners: dict[str, int], data: st.DataObject
) -> None:
    generated = data.draw(generated_files(timezone.localdate()))
    expected = [
        (
            learners[result.username],
            result.achieved_on,
            result.title,
            result.tags,
            result.result_id,
        )
        for result in generated.results
    ]

    # Each example runs in a transaction that is rolled back, so rows of one
    # example never count as duplicates or reused ResultIds in the next.
    with transaction.atomic():
        batch = _stage(admin_user, generated)
        staged = [
            (row.learner_id, row.achieved_on, row.title, tuple(row.tags), row.result_id)
            for row in StagedRow.objects.filter(batch=batch).order_by("line")
        ]
        rejected = list(batch.rejected_lines.values_list("line", "code"))
        transaction.set_rollback(True)

    assert batch.state == ImportBatch.State.STAGED, batch.file_error_code
    assert rejected == []
    assert batch.rows_read == len(generated.results)
    assert staged == expected
