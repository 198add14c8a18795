"""
The standard fields of a results file and the rules on their values.

A file names its columns after these fields, or the administrator maps its
own column names onto them. This module imports no models, so the wizard,
the staging service and the command share one definition.
"""

from django.utils.translation import gettext_lazy as _

USER_ID = "UserId"
TIMESTAMP = "Timestamp"
TITLE = "LearningActivityTitle"
RESULT_ID = "ResultId"
TAGS = "Tags"

STANDARD_FIELDS: tuple[str, ...] = (USER_ID, TIMESTAMP, TITLE, RESULT_ID, TAGS)

# ResultId is required only when a ZIP of attachments comes with the file,
# because attachments are matched on it.
REQUIRED_FIELDS: tuple[str, ...] = (USER_ID, TIMESTAMP, TITLE)

# Fields that may take one value for every row instead of a column, for a
# register that contains a single training ("Restraint training").
FIXED_VALUE_FIELDS: tuple[str, ...] = (TITLE, TAGS)

FIELD_LABELS = {
    USER_ID: _("User"),
    TIMESTAMP: _("Date achieved"),
    TITLE: _("Learning activity title"),
    RESULT_ID: _("ResultId"),
    TAGS: _("Tags"),
}

# Both limits count characters, not bytes, so accented text is not
# rejected early: they match the CharField and the tags column's length.
MAX_TITLE_LENGTH = 255
MAX_TAGS_LENGTH = 255
MAX_RESULT_ID_LENGTH = 255

# Separator between tags in one cell.
TAG_SEPARATOR = "|"

# The user attributes UserId can be matched on, besides free fields.
USER_FIELD_USERNAME = "username"
USER_FIELD_EMAIL = "email"
USER_FIELD_IMPORT_ID = "import_id"
FREE_FIELD_PREFIX = "custom_"


def required_fields(*, with_attachments: bool = False) -> tuple[str, ...]:
    """Return the fields a file must map, adding ResultId when attachments come."""
    if with_attachments:
        return (*REQUIRED_FIELDS, RESULT_ID)
    return REQUIRED_FIELDS
