"""Models of the imports app, one module per sub-domain."""

from imports.models.attachments import (
    ArchiveEntryOutcome,
    AttachmentArchive,
    StagedAttachment,
)
from imports.models.core import (
    Activation,
    ActivationGroup,
    ImportBatch,
    RejectedLine,
    StagedRow,
    UserField,
)

__all__ = [
    "Activation",
    "ActivationGroup",
    "ArchiveEntryOutcome",
    "AttachmentArchive",
    "ImportBatch",
    "RejectedLine",
    "StagedAttachment",
    "StagedRow",
    "UserField",
]
