"""
Record administrator actions in the audit log.

The helper takes plain values so every app can call it without this package
importing any of them.
"""

import logging
from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from learnlinq.models import AuditEvent

logger = logging.getLogger(__name__)


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    verb: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: int | None = None,
    counts: Mapping[str, int] | None = None,
) -> AuditEvent:
    """
    Store one audit event and return it.

    Pass ``target`` for a model instance, or ``target_type`` and ``target_id``
    for something already deleted. The type defaults to ``app_label.model``.
    Call it inside the service's transaction, so a rolled-back action leaves
    no event behind.
    """
    if verb not in AuditEvent.Verb.values:
        raise ValueError(f"Unknown audit verb {verb!r}.")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target.pk
    event = AuditEvent.objects.create(
        actor=actor,  # type: ignore[misc]
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        counts=dict(counts or {}),
    )
    logger.info(
        "Audit: user %s %s %s#%s %s",
        getattr(actor, "pk", None),
        verb,
        target_type,
        target_id,
        event.counts,
    )
    return event
