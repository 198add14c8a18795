"""Writing results and External Results, and the portfolio and library reads."""

import datetime

import pytest

from learnlinq.errors import InputRejected
from results.models import ExternalResult, Result
from results.selectors import external_results_library, portfolio_results
from results.services import ResultDraft, external_result_create, results_bulk_create
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


def _draft(learner: User, line: int | None, **overrides: object) -> ResultDraft:
    fields: dict[str, object] = {
        "learner_id": learner.pk,
        "achieved_on": datetime.date(2021, 2, 3),
        "title": "BHV",
        "source_batch_id": 7 if line is not None else None,
        "source_line": line,
    }
    fields.update(overrides)
    return ResultDraft(**fields)  # type: ignore[arg-type]


def test_results_bulk_create_writes_fields(learner: User) -> None:
    external_result = factories.external_result_create()
    draft = _draft(
        learner,
        2,
        achieved_time=datetime.time(9, 30),
        tags=["Herhaling"],
        external_result_id=external_result.pk,
        source_result_id="R-1",
    )

    [result_id] = results_bulk_create(drafts=[draft])

    result = Result.objects.get(pk=result_id)
    assert result.learner == learner
    assert result.achieved_on == datetime.date(2021, 2, 3)
    assert result.achieved_time == datetime.time(9, 30)
    assert result.tags == ["Herhaling"]
    assert result.external_result == external_result
    assert result.source_batch_id == 7
    assert result.source_line == 2
    assert result.source_result_id == "R-1"
    assert result.portfolio_only is False


def test_results_bulk_create_repeat_skipped(learner: User) -> None:
    drafts = [_draft(learner, line) for line in (2, 3, 4)]

    first = results_bulk_create(drafts=drafts)
    second = results_bulk_create(drafts=list(reversed(drafts)))

    assert Result.objects.count() == 3
    assert second == list(reversed(first))


def test_results_bulk_create_partial_repeat(learner: User) -> None:
    results_bulk_create(drafts=[_draft(learner, 2)])

    ids = results_bulk_create(drafts=[_draft(learner, 2), _draft(learner, 3)])

    assert Result.objects.count() == 2
    assert len(set(ids)) == 2


def test_results_bulk_create_unsourced(learner: User) -> None:
    drafts = [_draft(learner, None), _draft(learner, 5), _draft(learner, None)]

    ids = results_bulk_create(drafts=drafts)

    assert len(ids) == 3
    assert Result.objects.filter(source_batch_id__isnull=True).count() == 2
    assert Result.objects.get(pk=ids[1]).source_line == 5


def test_results_bulk_create_empty() -> None:
    assert results_bulk_create(drafts=[]) == []


def test_results_bulk_create_portfolio_linked(learner: User) -> None:
    external_result = factories.external_result_create()
    draft = _draft(
        learner, 2, portfolio_only=True, external_result_id=external_result.pk
    )

    with pytest.raises(ValueError, match="portfolio-only"):
        results_bulk_create(drafts=[draft])
    assert not Result.objects.exists()


def test_results_bulk_create_half_source(learner: User) -> None:
    draft = _draft(learner, None, source_batch_id=7)

    with pytest.raises(ValueError, match="together"):
        results_bulk_create(drafts=[draft])


def test_external_result_create_fields(admin_user: User) -> None:
    external_result = external_result_create(
        title="  BHV 2021 ", library_title=" BHV ", created_by=admin_user
    )

    assert external_result.title == "BHV 2021"
    assert external_result.library_title == "BHV"
    assert external_result.created_by == admin_user


def test_external_result_create_library_default(admin_user: User) -> None:
    external_result = external_result_create(
        title="BHV", library_title="", created_by=admin_user
    )

    assert external_result.library_title == "BHV"


@pytest.mark.parametrize(
    ("title", "library_title", "code"),
    [
        ("", "BHV", "external_result_title_missing"),
        ("   ", "", "external_result_title_missing"),
        ("x" * 256, "", "external_result_title_too_long"),
        ("BHV", "x" * 256, "external_result_title_too_long"),
    ],
)
def test_external_result_create_rejected(
    admin_user: User, title: str, library_title: str, code: str
) -> None:
    with pytest.raises(InputRejected) as caught:
        external_result_create(
            title=title, library_title=library_title, created_by=admin_user
        )

    assert caught.value.code == code
    assert not ExternalResult.objects.exists()


def test_portfolio_results_newest_first(learner: User) -> None:
    other = factories.user_create()
    ids = results_bulk_create(
        drafts=[
            _draft(learner, 2, achieved_on=datetime.date(2019, 5, 1)),
            _draft(learner, 3, achieved_on=datetime.date(2021, 5, 1)),
            _draft(
                learner,
                4,
                achieved_on=datetime.date(2021, 5, 1),
                achieved_time=datetime.time(8, 0),
            ),
            _draft(other, 5),
        ]
    )

    results = list(portfolio_results(learner=learner))

    assert [result.pk for result in results] == [ids[2], ids[1], ids[0]]


def test_portfolio_results_queries_bounded(
    learner: User, django_assert_num_queries: object
) -> None:
    external_result = factories.external_result_create()
    results_bulk_create(
        drafts=[
            _draft(learner, line, external_result_id=external_result.pk)
            for line in range(2, 12)
        ]
    )

    # One for the results with their External Results, one for attachments.
    with django_assert_num_queries(2):  # type: ignore[operator]
        titles = [
            result.external_result.title
            for result in portfolio_results(learner=learner)
            if result.external_result
        ]

    assert len(titles) == 10


def test_external_results_library_counts(learner: User) -> None:
    other = factories.user_create()
    bhv = factories.external_result_create(title="BHV", library_title="Veiligheid")
    factories.external_result_create(title="EHBO", library_title="Zorg")
    results_bulk_create(
        drafts=[
            _draft(learner, 2, external_result_id=bhv.pk),
            _draft(learner, 3, external_result_id=bhv.pk),
            _draft(other, 4, external_result_id=bhv.pk),
        ]
    )

    counts = {
        entry.title: (entry.result_count, entry.learner_count)  # type: ignore[attr-defined]
        for entry in external_results_library()
    }

    assert counts["BHV"] == (3, 2)
    assert counts["EHBO"] == (0, 0)


def test_external_results_library_search() -> None:
    factories.external_result_create(title="BHV", library_title="Veiligheid")
    factories.external_result_create(title="EHBO", library_title="Zorg")

    titles = [entry.title for entry in external_results_library(search="veilig")]

    assert titles == ["BHV"]
