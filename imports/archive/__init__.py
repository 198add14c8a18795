"""
Framework-free handling of attachment ZIPs: limits, entry names, content checks
and streaming. Nothing in this package imports Django models, so every rule can
be tested on bytes alone.
"""

from imports.archive.content import ALLOWED_EXTENSIONS, ContentCheck, content_check
from imports.archive.limits import ArchiveLimits
from imports.archive.names import (
    AttachmentName,
    attachment_name_parse,
    entry_base_name,
    entry_is_junk,
    entry_is_unsafe,
    entry_name_decode,
)
from imports.archive.scanner import (
    ByteBudget,
    EntryCopy,
    Outcome,
    PlannedEntry,
    archive_open,
    archive_plan,
    entry_copy,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "ArchiveLimits",
    "AttachmentName",
    "ByteBudget",
    "ContentCheck",
    "EntryCopy",
    "Outcome",
    "PlannedEntry",
    "archive_open",
    "archive_plan",
    "attachment_name_parse",
    "content_check",
    "entry_base_name",
    "entry_copy",
    "entry_is_junk",
    "entry_is_unsafe",
    "entry_name_decode",
]
