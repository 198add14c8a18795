import datetime

import pytest

from learnlinq.errors import InputRejected
from learnlinq.models import AuditEvent
from results.models import (
    ActivityStatus,
    ExternalResult,
    LearningActivity,
    LearningPath,
    Result,
    Section,
)
from results.services.learning_paths import participations_enrol
from results.services.library import external_result_update, external_results_merge
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db


def _result(learner: User, external_result: ExternalResult) -> Result:
    return Result.objects.create(
        learner=learner,
        external_result=external_result,
        achieved_on=datetime.date(2021, 2, 3),
        title=external_result.title,
    )


def _activity(title: str, *substitutes: ExternalResult) -> LearningActivity:
    path = LearningPath.objects.create(title=title)
    section = Section.objects.create(path=path, title=title)
    activity = LearningActivity.objects.create(section=section, title=title)
    activity.substitutes.set(substitutes)
    return activity


def test_merge_moves_every_result(admin_user: User) -> None:
    learner = factories.user_create()
    old = factories.external_result_create(title="BHV (oud)")
    new = factories.external_result_create(title="BHV")
    results = [_result(learner, old), _result(learner, old), _result(learner, new)]

    outcome = external_results_merge(
        source_ids=[old.pk], target_id=new.pk, merged_by=admin_user
    )

    assert outcome.results == 2
    assert outcome.sources == 1
    assert Result.objects.filter(external_result=new).count() == 3
    assert set(Result.objects.values_list("pk", flat=True)) == {r.pk for r in results}


def test_merge_deletes_sources(admin_user: User) -> None:
    first = factories.external_result_create(title="BHV 2019")
    second = factories.external_result_create(title="BHV 2020")
    target = factories.external_result_create(title="BHV")

    external_results_merge(
        source_ids=[first.pk, second.pk], target_id=target.pk, merged_by=admin_user
    )

    assert list(ExternalResult.objects.all()) == [target]


def test_merge_keeps_substitute_links(admin_user: User) -> None:
    old = factories.external_result_create(title="BHV (oud)")
    new = factories.external_result_create(title="BHV")
    only_old = _activity("Kantoor", old)
    both = _activity("Magazijn", old, new)

    outcome = external_results_merge(
        source_ids=[old.pk], target_id=new.pk, merged_by=admin_user
    )

    assert outcome.substitute_links == 1
    assert list(only_old.substitutes.all()) == [new]
    assert list(both.substitutes.all()) == [new]


def test_merge_recalculates_participants(admin_user: User) -> None:
    learner = factories.user_create()
    old = factories.external_result_create(title="BHV (oud)")
    new = factories.external_result_create(title="BHV")
    activity = _activity("Kantoor", new)
    participations_enrol(
        path=activity.section.path, learners=[learner], enrolled_by=None
    )
    result = _result(learner, old)

    outcome = external_results_merge(
        source_ids=[old.pk], target_id=new.pk, merged_by=admin_user
    )

    status = ActivityStatus.objects.get(activity=activity)
    assert outcome.participations == 1
    assert status.status == ActivityStatus.Status.PASSED
    assert status.result == result


def test_merge_records_audit_event(admin_user: User) -> None:
    old = factories.external_result_create(title="BHV (oud)")
    new = factories.external_result_create(title="BHV")
    _result(factories.user_create(), old)

    external_results_merge(source_ids=[old.pk], target_id=new.pk, merged_by=admin_user)

    event = AuditEvent.objects.get()
    assert event.verb == AuditEvent.Verb.MERGED
    assert event.actor == admin_user
    assert event.target_type == "results.externalresult"
    assert event.target_id == new.pk
    assert event.counts == {
        "sources": 1,
        "results": 1,
        "substitute_links": 0,
        "participations": 0,
    }


@pytest.mark.parametrize(
    ("sources", "target", "code"),
    [
        ([], "new", "merge_sources_missing"),
        (["new"], "new", "merge_target_is_source"),
        (["old", "new"], "new", "merge_target_is_source"),
        ([999_999], "new", "external_result_not_found"),
        (["old"], 999_999, "external_result_not_found"),
    ],
)
def test_merge_rejected_input(
    admin_user: User, sources: list[object], target: object, code: str
) -> None:
    named = {
        "old": factories.external_result_create(title="BHV (oud)").pk,
        "new": factories.external_result_create(title="BHV").pk,
    }
    source_ids = [named.get(source, source) for source in sources]  # type: ignore[call-overload]
    target_id = named.get(target, target)  # type: ignore[call-overload]

    with pytest.raises(InputRejected) as raised:
        external_results_merge(
            source_ids=source_ids, target_id=target_id, merged_by=admin_user
        )

    assert raised.value.code == code
    assert ExternalResult.objects.count() == 2
    assert not AuditEvent.objects.exists()


def test_update_renames() -> None:
    external_result = factories.external_result_create()

    external_result_update(
        external_result=external_result,
        title=" BHV 2024 ",
        library_title="Bedrijfshulpverlening",
    )

    external_result.refresh_from_db()
    assert external_result.title == "BHV 2024"
    assert external_result.library_title == "Bedrijfshulpverlening"


@pytest.mark.parametrize(
    ("title", "library_title", "code"),
    [
        ("  ", "BHV", "external_result_title_missing"),
        ("BHV", "", "external_result_library_title_missing"),
    ],
)
def test_update_rejects_empty(title: str, library_title: str, code: str) -> None:
    external_result = factories.external_result_create()

    with pytest.raises(InputRejected) as raised:
        external_result_update(
            external_result=external_result, title=title, library_title=library_title
        )

    assert raised.value.code == code
