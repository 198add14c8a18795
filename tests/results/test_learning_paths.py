import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from results.models import (
    ActivityStatus,
    ExternalResult,
    LearningActivity,
    LearningPath,
    Participation,
    Result,
    Section,
)
from results.services.learning_paths import (
    activity_outcome,
    participations_enrol,
    participations_recalculate,
)
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def _path(
    *, substitutes: list[ExternalResult], validity_months: int | None = None
) -> tuple[LearningPath, LearningActivity]:
    path = LearningPath.objects.create(title="BHV-ploeg")
    section = Section.objects.create(path=path, title="Basis", position=1)
    activity = LearningActivity.objects.create(
        section=section, title="BHV", position=1, validity_months=validity_months
    )
    activity.substitutes.set(substitutes)
    return path, activity


def _result(
    learner: User,
    external_result: ExternalResult | None,
    achieved_on: datetime.date,
    **overrides: object,
) -> Result:
    return Result.objects.create(
        learner=learner,
        external_result=external_result,
        achieved_on=achieved_on,
        title="BHV herhaling",
        **overrides,
    )


def _status(learner: User, activity: LearningActivity) -> ActivityStatus:
    return ActivityStatus.objects.get(participation__learner=learner, activity=activity)


@pytest.mark.parametrize(
    ("achieved_on", "validity_months", "status", "renewal_due_on"),
    [
        (datetime.date(2020, 1, 1), None, "passed", None),
        (datetime.date(2025, 12, 31), 12, "passed", datetime.date(2026, 12, 31)),
        (datetime.date(2025, 6, 2), 12, "passed", datetime.date(2026, 6, 2)),
        # Due today: the pass has run out.
        (datetime.date(2025, 6, 1), 12, "expired", datetime.date(2026, 6, 1)),
        (datetime.date(2024, 1, 1), 24, "expired", datetime.date(2026, 1, 1)),
        # relativedelta keeps month ends: 31 August + 6 months = 28 February.
        (datetime.date(2025, 8, 31), 6, "expired", datetime.date(2026, 2, 28)),
    ],
)
def test_activity_outcome_validity_table(
    achieved_on: datetime.date,
    validity_months: int | None,
    status: str,
    renewal_due_on: datetime.date | None,
) -> None:
    outcome = activity_outcome(
        newest=(7, achieved_on), validity_months=validity_months, today=TODAY
    )

    assert outcome.status == status
    assert outcome.passed_on == achieved_on
    assert outcome.result_id == 7
    assert outcome.renewal_due_on == renewal_due_on


def test_activity_outcome_without_result() -> None:
    outcome = activity_outcome(newest=None, validity_months=12, today=TODAY)

    assert outcome.status == "not_started"
    assert outcome.passed_on is None
    assert outcome.renewal_due_on is None


def test_recalculate_substitute_result_passes() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    path, activity = _path(substitutes=[bhv])
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    result = _result(learner, bhv, datetime.date(2021, 2, 3))

    count = participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    status = _status(learner, activity)
    assert count == 1
    assert status.status == ActivityStatus.Status.PASSED
    assert status.passed_on == datetime.date(2021, 2, 3)
    assert status.result == result
    assert status.renewal_due_on is None
    assert Participation.objects.get(learner=learner).status == "passed"


def test_recalculate_newest_result_wins() -> None:
    learner = factories.user_create()
    old_name = factories.external_result_create(title="BHV 2019")
    new_name = factories.external_result_create(title="BHV 2023")
    path, activity = _path(substitutes=[old_name, new_name], validity_months=36)
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    _result(learner, new_name, datetime.date(2025, 3, 1))
    _result(learner, old_name, datetime.date(2019, 3, 1))

    participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    status = _status(learner, activity)
    assert status.status == ActivityStatus.Status.PASSED
    assert status.passed_on == datetime.date(2025, 3, 1)
    assert status.renewal_due_on == datetime.date(2028, 3, 1)


def test_recalculate_expired_shows_renewal_due() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    path, activity = _path(substitutes=[bhv], validity_months=12)
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    _result(learner, bhv, datetime.date(2024, 5, 1))

    participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    status = _status(learner, activity)
    assert status.status == ActivityStatus.Status.EXPIRED
    assert status.renewal_due_on == datetime.date(2025, 5, 1)
    assert Participation.objects.get(learner=learner).status == "in_progress"


def test_recalculate_ignores_portfolio_only() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    path, activity = _path(substitutes=[bhv])
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    _result(learner, None, datetime.date(2025, 1, 1), portfolio_only=True)

    participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    assert _status(learner, activity).status == ActivityStatus.Status.NOT_STARTED


def test_recalculate_ignores_other_external_result() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    ehbo = factories.external_result_create(title="EHBO", library_title="EHBO")
    path, activity = _path(substitutes=[bhv])
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    _result(learner, ehbo, datetime.date(2025, 1, 1))

    participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    assert _status(learner, activity).status == ActivityStatus.Status.NOT_STARTED


def test_recalculate_never_enrols() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    _path(substitutes=[bhv])
    _result(learner, bhv, datetime.date(2025, 1, 1))

    count = participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    assert count == 0
    assert not Participation.objects.exists()
    assert not ActivityStatus.objects.exists()


def test_recalculate_only_given_learners() -> None:
    first, second = factories.user_create(), factories.user_create()
    bhv = factories.external_result_create()
    path, activity = _path(substitutes=[bhv])
    participations_enrol(path=path, learners=[first, second], enrolled_by=None)
    _result(first, bhv, datetime.date(2025, 1, 1))
    _result(second, bhv, datetime.date(2025, 1, 1))

    participations_recalculate(learner_ids=[first.pk], today=TODAY)

    assert _status(first, activity).status == ActivityStatus.Status.PASSED
    assert _status(second, activity).status == ActivityStatus.Status.NOT_STARTED


def test_recalculate_deleted_result_resets() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    path, activity = _path(substitutes=[bhv])
    result = _result(learner, bhv, datetime.date(2025, 1, 1))
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    result.delete()

    participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    status = _status(learner, activity)
    assert status.status == ActivityStatus.Status.NOT_STARTED
    assert status.passed_on is None
    assert Participation.objects.get(learner=learner).status == "in_progress"


def test_recalculate_path_needs_every_activity() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    ehbo = factories.external_result_create(title="EHBO", library_title="EHBO")
    path, _activity = _path(substitutes=[bhv])
    section = Section.objects.create(path=path, title="Vervolg", position=2)
    second = LearningActivity.objects.create(section=section, title="EHBO")
    second.substitutes.set([ehbo])
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    _result(learner, bhv, datetime.date(2025, 1, 1))

    participations_recalculate(learner_ids=[learner.pk], today=TODAY)
    in_progress = Participation.objects.get(learner=learner).status
    _result(learner, ehbo, datetime.date(2025, 1, 1))
    participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    assert in_progress == "in_progress"
    assert Participation.objects.get(learner=learner).status == "passed"


def test_recalculate_creates_status_for_new_activity() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    path, _activity = _path(substitutes=[bhv])
    participations_enrol(path=path, learners=[learner], enrolled_by=None)
    added = LearningActivity.objects.create(
        section=path.sections.get(), title="Ontruiming", position=2
    )

    participations_recalculate(learner_ids=[learner.pk], today=TODAY)

    assert _status(learner, added).status == ActivityStatus.Status.NOT_STARTED


def test_recalculate_queries_bounded() -> None:
    bhv = factories.external_result_create()
    path, _activity = _path(substitutes=[bhv], validity_months=12)
    few = [factories.user_create() for _ in range(2)]
    many = [factories.user_create() for _ in range(30)]
    participations_enrol(path=path, learners=few + many, enrolled_by=None)
    for learner in few + many:
        _result(learner, bhv, datetime.date(2026, 1, 1))

    with CaptureQueriesContext(connection) as few_queries:
        participations_recalculate(learner_ids=[u.pk for u in few], today=TODAY)
    with CaptureQueriesContext(connection) as many_queries:
        participations_recalculate(learner_ids=[u.pk for u in many], today=TODAY)

    assert len(many_queries) == len(few_queries)


def test_enrol_twice_keeps_one_participation() -> None:
    learner = factories.user_create()
    admin = factories.settings_administrator_create()
    path, _activity = _path(substitutes=[])

    participations_enrol(path=path, learners=[learner], enrolled_by=admin)
    participations_enrol(path=path, learners=[learner], enrolled_by=None)

    participation = Participation.objects.get(path=path, learner=learner)
    assert participation.enrolled_by == admin


def test_enrol_uses_existing_results() -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    path, activity = _path(substitutes=[bhv])
    _result(learner, bhv, datetime.date(2025, 1, 1))

    participations_enrol(path=path, learners=[learner], enrolled_by=None)

    assert _status(learner, activity).status == ActivityStatus.Status.PASSED
