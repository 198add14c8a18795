"""Writes of the review step: removing staged rows that should not be activated."""

import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q

from imports.models import ImportBatch, StagedRow
from imports.selectors import GroupKey
from learnlinq.audit import audit_record
from learnlinq.models import AuditEvent
from users.models import User

logger = logging.getLogger(__name__)


def staged_rows_delete(
    *,
    batch: ImportBatch,
    keys: Sequence[GroupKey] = (),
    row_ids: Sequence[int] = (),
    deleted_by: User,
) -> int:
    """
    Delete the unclaimed staged rows of whole review groups and of single rows.

    Rows an activation has claimed are left alone, whatever is passed,
    because that activation may be writing them into results right now.
    Ids of other imports' rows are ignored. Returns the number of staged rows
    deleted; deleting nothing is not an error and is not audited.
    """
    selection = Q()
    for key in keys:
        selection |= Q(title=key.title, tags_key=key.tags_key)
    if row_ids:
        selection |= Q(pk__in=list(row_ids))
    if not selection:
        return 0

    with transaction.atomic():
        rows = StagedRow.objects.filter(
            selection, batch=batch, activation_group__isnull=True
        )
        _total, per_model = rows.delete()
        deleted = per_model.get(StagedRow._meta.label, 0)
        # Deleting nothing changed nothing, so it gets no audit entry.
        if deleted:
            audit_record(
                actor=deleted_by,
                verb=AuditEvent.Verb.ROWS_DELETED,
                target=batch,
                counts={"rows": deleted},
            )

    logger.info(
        "Deleted %s staged rows of import %s (%s groups, %s row ids) by user %s",
        deleted,
        batch.pk,
        len(keys),
        len(row_ids),
        deleted_by.pk,
    )
    return deleted
