import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from imports.models import Activation, ImportBatch, StagedRow
from imports.selectors import GroupKey, review_groups
from imports.services.activation import activation_create
from imports.services.activation_run import activation_run
from imports.services.rollback import (
    activation_cancel,
    activation_rollback,
    activation_rollback_preview,
    import_batch_discard,
    import_batch_discard_preview,
)
from learnlinq.errors import InputRejected
from learnlinq.models import AuditEvent
from results.models import (
    ActivityStatus,
    ExternalResult,
    LearningActivity,
    LearningPath,
    Participation,
    Result,
    Section,
)
from results.services.learning_paths import participations_enrol
from tests import factories
from users.models import User

pytestmark = pytest.mark.django_db

BHV = GroupKey(title="BHV herhaling", tags_key="")
EHBO = GroupKey(title="EHBO", tags_key="")


def _staged_batch(admin_user: User, learners: list[User]) -> ImportBatch:
    batch = factories.import_batch_create(created_by=admin_user)
    for learner in learners:
        factories.staged_row_create(batch=batch, learner=learner)
        factories.staged_row_create(
            batch=batch,
            learner=learner,
            title="EHBO",
            achieved_on=datetime.date(2022, 5, 6),
        )
    return batch


def _activate(
    batch: ImportBatch,
    admin_user: User,
    external_result: ExternalResult,
    keys: list[GroupKey] | None = None,
) -> Activation:
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=keys or [BHV],
        mode=Activation.Mode.MERGE,
        external_result=external_result,
    )
    return activation_run(activation_id=activation.pk)


def _path_with(
    external_result: ExternalResult,
) -> tuple[LearningPath, LearningActivity]:
    path = LearningPath.objects.create(title="Veiligheid")
    section = Section.objects.create(path=path, title="BHV")
    activity = LearningActivity.objects.create(section=section, title="BHV")
    activity.substitutes.add(external_result)
    return path, activity


def test_rollback_deletes_results(admin_user: User) -> None:
    learners = [factories.user_create(), factories.user_create()]
    batch = _staged_batch(admin_user, learners)
    bhv = factories.external_result_create()
    earlier = Result.objects.create(
        learner=learners[0],
        external_result=bhv,
        achieved_on=datetime.date(2019, 1, 1),
        title="BHV",
    )
    activation = _activate(batch, admin_user, bhv)

    outcome = activation_rollback(activation=activation, rolled_back_by=admin_user)

    assert outcome.results == 2
    assert list(Result.objects.all()) == [earlier]


def test_rollback_returns_rows_to_review(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())

    outcome = activation_rollback(activation=activation, rolled_back_by=admin_user)

    groups = {group.key: group.rows for group in review_groups(batch=batch)}
    assert outcome.rows == 1
    assert groups == {BHV: 1, EHBO: 1}
    assert not StagedRow.objects.filter(activated_at__isnull=False).exists()
    assert not StagedRow.objects.filter(activation_group__isnull=False).exists()


def test_rollback_marks_state_and_audits(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())

    activation_rollback(activation=activation, rolled_back_by=admin_user)

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.ROLLED_BACK)
    assert activation.state == Activation.State.ROLLED_BACK
    assert event.actor == admin_user
    assert event.target_type == "imports.activation"
    assert event.target_id == activation.pk
    assert event.counts["results"] == 1
    assert event.counts["rows"] == 1


def test_rollback_restores_path_status(admin_user: User) -> None:
    learner, outsider = factories.user_create(), factories.user_create()
    bhv = factories.external_result_create()
    path, activity = _path_with(bhv)
    participations_enrol(path=path, learners=[learner, outsider], enrolled_by=None)
    older = Result.objects.create(
        learner=learner,
        external_result=bhv,
        achieved_on=datetime.date(2018, 1, 1),
        title="BHV",
    )
    batch = _staged_batch(admin_user, [learner])
    activation = _activate(batch, admin_user, bhv)
    after_activation = ActivityStatus.objects.get(
        participation__learner=learner, activity=activity
    ).passed_on

    activation_rollback(activation=activation, rolled_back_by=admin_user)

    status = ActivityStatus.objects.get(
        participation__learner=learner, activity=activity
    )
    assert after_activation == datetime.date(2021, 2, 3)
    assert status.passed_on == datetime.date(2018, 1, 1)
    assert status.result == older
    assert (
        ActivityStatus.objects.get(participation__learner=outsider).status
        == ActivityStatus.Status.NOT_STARTED
    )


def test_rollback_preview_counts(admin_user: User) -> None:
    learners = [factories.user_create(), factories.user_create()]
    bhv = factories.external_result_create()
    path, _activity = _path_with(bhv)
    participations_enrol(path=path, learners=learners[:1], enrolled_by=None)
    batch = _staged_batch(admin_user, learners)
    activation = _activate(batch, admin_user, bhv)

    preview = activation_rollback_preview(activation=activation)

    assert preview.allowed
    assert preview.rows == 2
    assert preview.results == 2
    assert preview.learners == 2
    assert preview.status_changes == 1
    assert preview.participations == 1
    assert len(preview.status_sample) == 1
    assert Result.objects.count() == 2


def test_rollback_preview_changes_nothing(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())

    activation_rollback_preview(activation=activation)

    activation.refresh_from_db()
    assert activation.state == Activation.State.FINISHED
    assert Result.objects.count() == 1


@pytest.mark.parametrize(
    "state",
    [
        Activation.State.QUEUED,
        Activation.State.RUNNING,
        Activation.State.ROLLED_BACK,
    ],
)
def test_rollback_refused_state(admin_user: User, state: str) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())
    Activation.objects.filter(pk=activation.pk).update(state=state)

    with pytest.raises(InputRejected) as raised:
        activation_rollback(activation=activation, rolled_back_by=admin_user)

    assert raised.value.code == "activation_not_rollbackable"
    assert raised.value.params == {"activation": activation.pk, "state": state}
    assert Result.objects.count() == 1


def test_rollback_twice_refused(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())
    activation_rollback(activation=activation, rolled_back_by=admin_user)

    with pytest.raises(InputRejected, match="activation_not_rollbackable"):
        activation_rollback(activation=activation, rolled_back_by=admin_user)


def test_rollback_learner_refused(admin_user: User, learner: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())

    with pytest.raises(PermissionDenied):
        activation_rollback(activation=activation, rolled_back_by=learner)

    assert Result.objects.count() == 1


def test_rollback_keeps_other_activation(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    bhv = factories.external_result_create()
    first = _activate(batch, admin_user, bhv, keys=[BHV])
    _activate(batch, admin_user, bhv, keys=[EHBO])

    activation_rollback(activation=first, rolled_back_by=admin_user)

    assert list(Result.objects.values_list("title", flat=True)) == ["EHBO"]


def test_rollback_then_activate_again(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    bhv = factories.external_result_create()
    first = _activate(batch, admin_user, bhv)
    activation_rollback(activation=first, rolled_back_by=admin_user)

    second = _activate(batch, admin_user, bhv)

    assert second.state == Activation.State.FINISHED
    assert Result.objects.filter(title="BHV herhaling").count() == 1


def test_discard_deletes_staged_rows(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])

    deleted = import_batch_discard(batch=batch, discarded_by=admin_user)

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DISCARDED)
    assert deleted == 2
    assert batch.state == ImportBatch.State.DISCARDED
    assert not StagedRow.objects.exists()
    assert event.target_id == batch.pk
    assert event.counts == {"rows": 2}


def test_discard_counts_rows_not_attachments(admin_user: User) -> None:
    from imports.models import AttachmentArchive, StagedAttachment
    from results.models import AttachmentBlob

    batch = _staged_batch(admin_user, [factories.user_create()])
    archive = AttachmentArchive.objects.create(
        batch=batch,
        created_by=admin_user,
        file="imports/a.zip",
        original_name="a.zip",
        size=3,
    )
    blob = AttachmentBlob.objects.create(sha256="a" * 64, file="blobs/a", size=3)
    for row in StagedRow.objects.filter(batch=batch):
        StagedAttachment.objects.create(
            archive=archive,
            row=row,
            blob=blob,
            original_name="diploma.pdf",
            content_type="application/pdf",
            size=3,
            sha256="a" * 64,
        )

    deleted = import_batch_discard(batch=batch, discarded_by=admin_user)

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DISCARDED)
    assert StagedRow.objects.filter(batch=batch).count() == 0
    assert not StagedAttachment.objects.exists()
    assert deleted == 2
    assert event.counts == {"rows": 2}


def test_discard_refused_with_activated_rows(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    _activate(batch, admin_user, factories.external_result_create())

    with pytest.raises(InputRejected) as raised:
        import_batch_discard(batch=batch, discarded_by=admin_user)

    batch.refresh_from_db()
    assert raised.value.code == "import_has_activated_rows"
    assert raised.value.params == {"batch": batch.pk, "rows": 1}
    assert batch.state == ImportBatch.State.STAGED
    assert StagedRow.objects.count() == 2
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.DISCARDED).exists()


def test_discard_allowed_after_rollback(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())
    activation_rollback(activation=activation, rolled_back_by=admin_user)

    deleted = import_batch_discard(batch=batch, discarded_by=admin_user)

    assert deleted == 2


@pytest.mark.parametrize(
    "state",
    [
        ImportBatch.State.QUEUED,
        ImportBatch.State.STAGING,
        ImportBatch.State.DISCARDED,
    ],
)
def test_discard_refused_state(admin_user: User, state: str) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    ImportBatch.objects.filter(pk=batch.pk).update(state=state)

    with pytest.raises(InputRejected) as raised:
        import_batch_discard(batch=batch, discarded_by=admin_user)

    assert raised.value.code == "import_not_discardable"
    assert raised.value.params == {"batch": batch.pk, "state": state}
    assert StagedRow.objects.count() == 2


def test_discard_learner_refused(admin_user: User, learner: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])

    with pytest.raises(PermissionDenied):
        import_batch_discard(batch=batch, discarded_by=learner)


def test_discard_preview_counts(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV],
        mode=Activation.Mode.PORTFOLIO,
    )

    preview = import_batch_discard_preview(batch=batch)

    assert preview.rows == 1
    assert preview.claimed_rows == 1
    assert not preview.allowed


def test_cancel_queued_releases_rows(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV, EHBO],
        mode=Activation.Mode.PORTFOLIO,
    )

    outcome = activation_cancel(activation=activation, cancelled_by=admin_user)
    activation_run(activation_id=activation.pk)

    activation.refresh_from_db()
    assert outcome.released_rows == 2
    assert outcome.done_rows == 0
    assert activation.state == Activation.State.CANCELLED
    assert not Result.objects.exists()
    assert len(review_groups(batch=batch)) == 2
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.CANCELLED).count() == 1


def test_cancel_running_stops_after_chunk(
    admin_user: User, settings: pytest.FixtureRequest
) -> None:
    settings.ACTIVATION_CHUNK_SIZE = 2  # type: ignore[attr-defined]
    learners = [factories.user_create() for _ in range(5)]
    batch = _staged_batch(admin_user, learners)
    activation = activation_create(
        batch=batch,
        created_by=admin_user,
        keys=[BHV],
        mode=Activation.Mode.PORTFOLIO,
    )
    # One chunk written, as if the worker were cancelled in between chunks.
    Activation.objects.filter(pk=activation.pk).update(state=Activation.State.RUNNING)
    StagedRow.objects.filter(
        pk__in=StagedRow.objects.filter(activation_group__activation=activation)
        .order_by("id")
        .values("pk")[:2]
    ).update(activated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    Activation.objects.filter(pk=activation.pk).update(done_rows=2)

    outcome = activation_cancel(activation=activation, cancelled_by=admin_user)
    activation_run(activation_id=activation.pk)

    assert outcome.done_rows == 2
    assert outcome.released_rows == 3
    assert review_groups(batch=batch)[0].rows == 3


@pytest.mark.parametrize(
    "state",
    [
        Activation.State.FINISHED,
        Activation.State.FAILED,
        Activation.State.CANCELLED,
        Activation.State.ROLLED_BACK,
    ],
)
def test_cancel_refused_state(admin_user: User, state: str) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = activation_create(
        batch=batch, created_by=admin_user, keys=[BHV], mode=Activation.Mode.PORTFOLIO
    )
    Activation.objects.filter(pk=activation.pk).update(state=state)

    with pytest.raises(InputRejected) as raised:
        activation_cancel(activation=activation, cancelled_by=admin_user)

    assert raised.value.code == "activation_not_cancellable"
    assert raised.value.params == {"activation": activation.pk, "state": state}


def test_rollback_after_cancel(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = activation_create(
        batch=batch, created_by=admin_user, keys=[BHV], mode=Activation.Mode.PORTFOLIO
    )
    activation_run(activation_id=activation.pk)
    Activation.objects.filter(pk=activation.pk).update(state=Activation.State.CANCELLED)

    outcome = activation_rollback(activation=activation, rolled_back_by=admin_user)

    assert outcome.results == 1
    assert not Result.objects.exists()


def test_activation_never_enrols(admin_user: User) -> None:
    learner = factories.user_create()
    bhv = factories.external_result_create()
    _path_with(bhv)
    batch = _staged_batch(admin_user, [learner])

    _activate(batch, admin_user, bhv)

    assert Result.objects.count() == 1
    assert not Participation.objects.exists()


def test_rollback_deletes_attachment_links(admin_user: User) -> None:
    from results.models import AttachmentBlob, ResultAttachment

    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())
    blob = AttachmentBlob.objects.create(sha256="a" * 64, file="blobs/a", size=3)
    ResultAttachment.objects.create(
        result=Result.objects.get(),
        blob=blob,
        original_name="diploma.pdf",
        content_type="application/pdf",
        size=3,
    )

    # The preview names linked rows by their model's translated plural.
    with translation.override("en"):
        preview = activation_rollback_preview(activation=activation)
    activation_rollback(activation=activation, rolled_back_by=admin_user)

    assert preview.linked == {"attachments": 1}
    assert not ResultAttachment.objects.exists()
    assert AttachmentBlob.objects.filter(pk=blob.pk).exists()


def test_rollback_after_failure(admin_user: User) -> None:
    batch = _staged_batch(admin_user, [factories.user_create()])
    activation = _activate(batch, admin_user, factories.external_result_create())
    Activation.objects.filter(pk=activation.pk).update(state=Activation.State.FAILED)

    outcome = activation_rollback(activation=activation, rolled_back_by=admin_user)

    activation.refresh_from_db()
    assert outcome.results == 1
    assert activation.state == Activation.State.ROLLED_BACK
    assert not Result.objects.exists()
