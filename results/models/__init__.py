"""Models of the results app, one module per sub-domain."""

from results.models.attachments import AttachmentBlob, ResultAttachment
from results.models.core import ExternalResult, Result
from results.models.learning_paths import (
    ActivityStatus,
    LearningActivity,
    LearningPath,
    Participation,
    Section,
)

__all__ = [
    "ActivityStatus",
    "AttachmentBlob",
    "ExternalResult",
    "LearningActivity",
    "LearningPath",
    "Participation",
    "Result",
    "ResultAttachment",
    "Section",
]
