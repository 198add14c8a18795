"""
The messages of the user CSV import, keyed by the codes that the reader and
``users_import_csv`` store.

Line messages receive the line number as ``line`` next to their own
parameters.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

USER_IMPORT_MESSAGES: dict[str, Promise] = {
    # Faults of the whole file: nothing is imported.
    "user_csv_empty": _(
        "The file is empty. Choose a CSV file with the header "
        "Username;Name;Email;Importid."
    ),
    "user_csv_encoding_unknown": _(
        "Encoding “%(encoding)s” is unknown. Choose utf-8 or windows-1252."
    ),
    "user_csv_undecodable": _(
        "Line %(line)s is not valid %(encoding)s (byte %(byte)s). Choose the "
        "encoding the file was saved in, for example windows-1252."
    ),
    "user_csv_malformed": _(
        "Line %(line)s cannot be read as CSV (%(error)s). Check the quotes on "
        "that line."
    ),
    "user_csv_delimiter_invalid": _(
        "Delimiter “%(delimiter)s” is invalid. Use one character, such as ; or ,."
    ),
    "user_csv_column_unnamed": _(
        "Column %(column)s of the header has no name. Name it or remove the column."
    ),
    "user_csv_column_duplicate": _(
        "Column “%(name)s” appears twice in the header. Remove one of them."
    ),
    "user_csv_column_unknown": _(
        "Column “%(name)s” is unknown. Use %(columns)s, or custom_<name> for a "
        "free field."
    ),
    "user_csv_free_field_invalid": _(
        "Column “%(name)s” is not a valid free field name. Use custom_ followed "
        "by lower-case letters, digits or underscores."
    ),
    "user_csv_username_column_missing": _(
        "The header has no Username column. Add it, because every line is "
        "matched on its username."
    ),
    # Faults of one line: the other lines are still imported.
    "cell_count": _(
        "Line %(line)s has %(found)s cells but the header has %(expected)s. "
        "Check the delimiters and quotes on that line."
    ),
    "username_missing": _("Line %(line)s: the username is missing. Fill it in."),
    "username_invalid": _(
        "Line %(line)s: username “%(username)s” is invalid. Use only letters, "
        "digits and the characters @ . + - _."
    ),
    "username_duplicate": _(
        "Line %(line)s: username “%(username)s” is also on line %(first_line)s. "
        "Keep one of the two lines."
    ),
    "value_too_long": _(
        "Line %(line)s: the %(column)s value is longer than %(max)s characters. "
        "Shorten it."
    ),
    "email_invalid": _(
        "Line %(line)s: e-mail address “%(value)s” is invalid. Correct it or "
        "leave the cell empty."
    ),
    "import_id_taken": _(
        "Line %(line)s: import ID “%(value)s” already belongs to user "
        "“%(username)s”. Correct the ID, or first change it for that user."
    ),
    "free_field_date_invalid": _(
        "Line %(line)s: “%(value)s” in column %(column)s is not a date. Write "
        "it as yyyy-mm-dd."
    ),
}


def user_import_message(code: str, params: Mapping[str, Any]) -> str:
    """Return the translated message for a user import code."""
    template = USER_IMPORT_MESSAGES.get(code)
    if template is None:
        logger.error("No message for user import code %s", code)
        return code
    return str(template) % dict(params)
