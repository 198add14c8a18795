"""
The imports app's one table from a stored code to a translated message.

Rejected rows, refused files and reading notices are stored as a code plus
parameters, and turned into text only when shown, so every reader sees them
in their own language. Each message gives the place (line, column), the
value, and what to do about it.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Reasons a data row was not staged. Every message starts with the line number.
REJECTION_MESSAGES: dict[str, Promise] = {
    "field_count": ngettext_lazy(
        "Line %(line)s: %(count)s field, %(expected)s expected. Put quotes "
        "around a value that contains the delimiter, or remove the extra cells.",
        "Line %(line)s: %(count)s fields, %(expected)s expected. Put quotes "
        "around a value that contains the delimiter, or remove the extra cells.",
        "count",
    ),
    "required_missing": _(
        "Line %(line)s: %(fields)s empty. Fill in the missing values."
    ),
    "not_passed": _(
        "Line %(line)s: status “%(value)s” in column “%(column)s” is not a "
        "passed status (%(passed)s); only passed results are imported."
    ),
    "date_missing": _("Line %(line)s: the date is empty (format %(format)s)."),
    "date_invalid": _(
        "Line %(line)s: “%(value)s” is not a date in format %(format)s. Correct "
        "the date or choose the format the file uses."
    ),
    "date_impossible": _(
        "Line %(line)s: date “%(value)s” does not exist (format %(format)s)."
    ),
    "date_serial": _(
        "Line %(line)s: “%(value)s” looks like a spreadsheet date number "
        "(= %(date)s). Format the column as a date and save the file again."
    ),
    "date_two_digit_year": _(
        "Line %(line)s: date “%(value)s” has a two-digit year; write the year "
        "in four digits (format %(format)s)."
    ),
    "date_too_early": _(
        "Line %(line)s: date “%(value)s” is before the year %(minimum)s. Check "
        "the year."
    ),
    "date_in_future": _(
        "Line %(line)s: date “%(value)s” is in the future. Only results already "
        "achieved can be imported."
    ),
    "title_too_long": _(
        "Line %(line)s: the title has %(length)s characters, maximum "
        "%(maximum)s. Shorten it."
    ),
    "tags_too_long": _(
        "Line %(line)s: Tags has %(length)s characters, maximum %(maximum)s. "
        "Use fewer or shorter tags."
    ),
    "result_id_too_long": _(
        "Line %(line)s: ResultId has %(length)s characters, maximum %(maximum)s."
    ),
    "user_not_found": _("Line %(line)s: no user with %(field)s “%(value)s”."),
    "user_ambiguous": ngettext_lazy(
        "Line %(line)s: %(count)s user matches %(field)s “%(value)s”, so the row "
        "belongs to neither. Make the users' values unique, or match on another "
        "field.",
        "Line %(line)s: %(count)s users match %(field)s “%(value)s”, so the row "
        "belongs to neither. Make the users' values unique, or match on another "
        "field.",
        "count",
    ),
    "duplicate_in_file": _(
        "Line %(line)s: duplicate of line %(first_line)s (same learner, title, "
        "tags and date, or the same ResultId)."
    ),
    "duplicate_staged": _(
        "Line %(line)s: the same row is already waiting for review in import "
        "%(batch)s, line %(batch_line)s."
    ),
    "duplicate_result": _(
        "Line %(line)s: the learner already has this result (“%(title)s”, %(date)s)."
    ),
    "result_id_reused": _(
        "Line %(line)s: ResultId “%(value)s” is already used for another user on "
        "line %(first_line)s. Give every result its own ResultId."
    ),
}

# Extra sentences for a user that was not found, when the value looks like
# a spreadsheet changed it.
USER_NOT_FOUND_HINTS: dict[str, Promise] = {
    "leading_zeros": _(
        "Leading zeros may have been removed by a spreadsheet: %(candidates)s "
        "exist. Format the column as text and export again."
    ),
    "scientific_notation": _(
        "The value looks like a number a spreadsheet wrote in scientific "
        "notation. Format the column as text and export again."
    ),
}

# Reasons a whole file was rejected. Nothing of a rejected file is staged.
FILE_ERROR_MESSAGES: dict[str, Promise] = {
    "file_missing": _(
        "The uploaded file “%(name)s” is no longer in storage. Upload it again."
    ),
    "file_too_large": _(
        "The file is %(size)s bytes; the maximum is %(maximum)s bytes. Split it "
        "into smaller files."
    ),
    "columns_missing": _(
        "Required columns missing: %(missing)s. The file has the columns "
        "%(present)s. Rename the columns or map them to the fields."
    ),
    "columns_missing_delimiter": _(
        "The file has one column named “%(header)s”: the delimiter is probably "
        "“%(suggested)s”, not “%(delimiter)s”. Required columns missing: "
        "%(missing)s."
    ),
    "column_not_found": _(
        "Column “%(column)s” for %(field)s is not in the file. The file has the "
        "columns %(present)s."
    ),
    "column_ambiguous": _(
        "Column %(column)s appears more than once (%(names)s). Rename or remove "
        "one of them."
    ),
    "user_field_unknown": _(
        "“%(value)s” is not a field users can be matched on. Choose ImportID, "
        "username, e-mail address or an existing free field."
    ),
    "field_unknown": _(
        "“%(field)s” is not a field of a results file. Use one of %(fields)s."
    ),
    "fixed_value_not_allowed": _(
        "%(field)s cannot have a fixed value; only %(fields)s can."
    ),
    "field_mapped_and_fixed": _(
        "%(field)s has both a column and a fixed value. Choose one of them."
    ),
    "fixed_value_too_long": _(
        "The fixed value for %(field)s has %(length)s characters, maximum %(maximum)s."
    ),
    "passed_values_missing": _(
        "Name the passed values of status column “%(column)s”, for example “Complete”."
    ),
    "date_format_invalid": _(
        "“%(format)s” is not a complete date notation (%(part)s is missing or "
        "repeated). Use a notation such as d-M-yyyy."
    ),
    "date_format_two_digit_year": _(
        "“%(format)s” has a two-digit year, which is ambiguous. Use yyyy."
    ),
    "delimiter_invalid": _(
        "“%(value)s” cannot be the delimiter; use one character such as ; or ,."
    ),
    "quotechar_invalid": _(
        '“%(value)s” cannot be the text qualifier; use one character such as " or none.'
    ),
    "encoding_unknown": _(
        "“%(value)s” is not a known encoding. Choose UTF-8 or Windows-1252."
    ),
    "duplicate_policy_unknown": _(
        "“%(value)s” is not a duplicate policy; use skip or keep."
    ),
    "batch_not_staged": _(
        "Import %(batch)s is not ready for review (state “%(state)s”), so its "
        "rejected rows cannot be imported again."
    ),
    "reimport_header_mismatch": _(
        "The file does not have the columns of the report of rejected rows "
        "(%(expected)s). Upload the downloaded report after correcting it."
    ),
    "reimport_line_unknown": _(
        "Line numbers %(lines)s in column %(column)s are not rejected rows of "
        "this import. Keep that column as it was downloaded."
    ),
    "unexpected_error": _(
        "The file could not be processed because of an internal error. The "
        "error was logged; try again later or contact support."
    ),
    # Refusals by the reader, before any column is mapped.
    "empty_file": _("The file is empty. Upload a file with a header row."),
    "workbook_xls": _(
        "This is an old-format spreadsheet workbook (.xls), not a CSV. Save it "
        "as CSV UTF-8 or as .xlsx."
    ),
    "workbook_ods": _(
        "This is an OpenDocument spreadsheet, not a CSV. Save it as CSV UTF-8 "
        "or as .xlsx."
    ),
    "workbook_xlsb": _(
        "This is a binary Excel workbook (.xlsb), not a CSV. Save it as CSV "
        "UTF-8 or as .xlsx."
    ),
    "workbook_invalid": _(
        "The workbook is damaged or incomplete and cannot be read. Open it in "
        "the spreadsheet program and save it again."
    ),
    "file_zip": _(
        "This is a ZIP archive, not a results file. Upload the attachments ZIP "
        "in its own field, and the results as CSV or .xlsx."
    ),
    "file_pdf": _("This is a PDF document, not a results file. Upload a CSV."),
    "file_binary": _(
        "This is not a text file (%(kind)s). Save the results as CSV UTF-8."
    ),
    "encoding_invalid": _(
        "Line %(line)s is not valid %(encoding)s (byte %(byte)s). The file looks "
        "like %(suggested)s: choose that encoding."
    ),
    "encoding_bom_mismatch": _(
        "The file starts with a %(bom)s byte-order mark although %(encoding)s was "
        "chosen, so it was read as %(bom)s."
    ),
    "delimiter_mismatch": _(
        "The file has one column named “%(header)s”: the delimiter is probably "
        "“%(suggested)s”, not “%(delimiter)s”."
    ),
    "duplicate_header": _(
        "Column %(name)s appears more than once (%(names)s, columns %(column)s "
        "and %(other_column)s). Rename or remove one of them."
    ),
    "too_many_rows": ngettext_lazy(
        "The file has %(count)s data row; the maximum is %(max)s. Split it "
        "into smaller files.",
        "The file has %(count)s data rows; the maximum is %(max)s. Split it "
        "into smaller files.",
        "count",
    ),
    "sheet_not_found": _(
        "The workbook has no sheet “%(sheet)s”. Its sheets are %(sheets)s."
    ),
    "quote_unclosed": _(
        "Line %(line)s: a value opened with %(quotechar)s is never closed. Close "
        "the quotes, or choose no text qualifier."
    ),
    "quote_malformed": _(
        "Line %(line)s: a %(quotechar)s inside a value is not doubled. Write it "
        "twice, or choose no text qualifier."
    ),
    "field_too_long": _(
        "Line %(line)s: a value is longer than %(maximum)s characters, which "
        "usually means a quote is never closed."
    ),
}

# Warnings that do not stop an import, shown with the batch.
WARNING_MESSAGES: dict[str, Promise] = {
    "encoding_bom_mismatch": FILE_ERROR_MESSAGES["encoding_bom_mismatch"],
    "mojibake": _(
        "Line %(line)s: the text looks like %(suggested)s read as %(encoding)s "
        "(“%(sample)s”). Check the encoding before activating."
    ),
    "control_characters": _(
        "Line %(line)s: the text holds control characters (“%(sample)s”); it was "
        "probably saved in another encoding than %(encoding)s."
    ),
    "replacement_character": _(
        "Line %(line)s: the text holds “�” (“%(sample)s”), a character an earlier "
        "program could not read. Correct the source file."
    ),
    "delimiter_from_sep_line": _(
        "The file's first line sets the delimiter to “%(delimiter)s”, so it was "
        "used instead of “%(chosen)s”."
    ),
    "date_format_ambiguous": _(
        "The dates fit several formats (%(formats)s). Check that %(format)s is "
        "the one the file uses."
    ),
    # A duplicate staged under the "keep" policy, by what it repeats.
    "duplicate_kept_line": _(
        "Line %(line)s: staged although it repeats line %(first_line)s, because "
        "duplicates are kept."
    ),
    "duplicate_kept_staged": _(
        "Line %(line)s: staged although it repeats a row waiting for review in "
        "import %(batch)s (line %(batch_line)s), because duplicates are kept."
    ),
    "duplicate_kept_result": _(
        "Line %(line)s: staged although it repeats the existing result "
        "“%(title)s” of %(date)s, because duplicates are kept."
    ),
}

# Reasons for skipping or rejecting an entry of an attachments ZIP, and for
# rejecting a whole ZIP (the codes starting with "archive_", and
# "quota_exceeded"). A rejected ZIP rejects its import too, so those are file
# errors as well.
ATTACHMENT_MESSAGES: dict[str, Promise] = {
    "folder": _("“%(name)s” is a folder; its files are read by their own names."),
    "system_file": _(
        "“%(name)s” is a system file that archivers and file managers add; ignored."
    ),
    "name_invalid": _(
        "“%(name)s” is not named <ResultId>_#_<file name>. Rename it, for "
        "example to R101_#_diploma.pdf."
    ),
    "name_missing": _(
        "“%(name)s” has no file name after _#_. Rename it, for example to "
        "R101_#_diploma.pdf."
    ),
    "name_too_long": _(
        "“%(name)s”: the file name has %(length)s characters, maximum %(max)s. "
        "Shorten it."
    ),
    "type_not_allowed": _(
        "“%(name)s”: files with the extension “%(extension)s” are not accepted. "
        "Attach PDF, DOC, DOCX, XLS, XLSX, JPG or JPEG files; put no archives "
        "inside the ZIP."
    ),
    "content_mismatch": _(
        "“%(name)s” is not a .%(extension)s file: its content is "
        "%(detected)s. Save the document in an accepted format, or give it the "
        "extension of its real type."
    ),
    "empty_file": _("“%(name)s” is empty (0 bytes). Add the real document."),
    "too_large": _(
        "“%(name)s” is %(size)s bytes; an attachment may have at most %(max)s "
        "bytes. Reduce the file, for example by scanning at a lower resolution."
    ),
    "duplicate_name": _(
        "“%(name)s”: ResultId %(result_id)s already has an attachment with this "
        "name. Rename one of the files."
    ),
    "unknown_result_id": _(
        "“%(name)s”: no staged row of this import has ResultId "
        "“%(result_id)s”. Check the ResultId in the file name and in the file "
        "of results."
    ),
    "archive_too_large": _(
        "The ZIP is %(size)s bytes; the maximum is %(max)s bytes. Split the "
        "attachments over several imports."
    ),
    "archive_not_zip": _(
        "The attachments file is not a ZIP archive. Create it with “Send to > "
        "Compressed (zipped) folder”, 7-Zip or another ZIP program."
    ),
    "archive_too_many_entries": ngettext_lazy(
        "The ZIP holds %(count)s entry; the maximum is %(max)s. Split the "
        "attachments over several imports.",
        "The ZIP holds %(count)s entries; the maximum is %(max)s. Split the "
        "attachments over several imports.",
        "count",
    ),
    "archive_encrypted": _(
        "The ZIP is protected with a password (%(names)s). Create it again "
        "without a password."
    ),
    "archive_deflate64": _(
        "The ZIP uses the Deflate64 compression that Windows Explorer writes "
        "for large folders, which cannot be read (%(names)s). Re-pack it with "
        "7-Zip or as a normal Deflate ZIP."
    ),
    "archive_method_unsupported": _(
        "The ZIP uses compression method %(method)s, which cannot be read "
        "(%(names)s). Re-pack it with 7-Zip or as a normal Deflate ZIP."
    ),
    "archive_unsafe_names": _(
        "The ZIP was refused for safety: entry names point outside their "
        "folder (%(names)s). Create the ZIP again from the documents "
        "themselves."
    ),
    "archive_overlapping_entries": ngettext_lazy(
        "The ZIP was refused as a ZIP bomb: %(count)s entry shares its "
        "compressed data with other entries (%(names)s). Create the ZIP again "
        "from the documents themselves.",
        "The ZIP was refused as a ZIP bomb: %(count)s entries share their "
        "compressed data with other entries (%(names)s). Create the ZIP again "
        "from the documents themselves.",
        "count",
    ),
    "archive_total_exceeded": _(
        "The ZIP was refused: its documents expand to more than %(max)s bytes. "
        "Split the attachments over several imports."
    ),
    "archive_entry_too_big": _(
        "The ZIP was refused as a ZIP bomb: entry “%(name)s” expands beyond "
        "its declared size of %(declared)s bytes. Create the ZIP again from "
        "the documents themselves."
    ),
    "archive_ratio_exceeded": _(
        "The ZIP was refused as a ZIP bomb: entry “%(name)s” expands more than "
        "%(max)s times. Create the ZIP again from the documents themselves."
    ),
    "archive_entry_corrupt": _(
        "The ZIP is damaged: entry “%(name)s” cannot be read completely. "
        "Create the ZIP again and upload it once more."
    ),
    "archive_missing": _(
        "The ZIP “%(name)s” is no longer in storage. Upload it again."
    ),
    "archive_unexpected_error": _(
        "The ZIP could not be read because of an internal error (%(error)s). "
        "Try again later, or report it with the import's number."
    ),
    "quota_exceeded": _(
        "The attachments need %(needed)s bytes but only %(free)s of the "
        "organisation's %(quota)s bytes are free. Remove old imports or ask for "
        "a larger quota."
    ),
    "import_failed": _("The ZIP was not read because its import was refused."),
}

# Reasons an activation could not start, and failure codes of activations
# that stopped.
ACTIVATION_MESSAGES: dict[str, Promise] = {
    "mode_invalid": _(
        "“%(mode)s” is not an activation mode. Choose one of %(choices)s."
    ),
    "target_missing": _(
        "Choose an External Result from the library, or enter a title for a new one."
    ),
    "title_missing": _("Enter a title for the new External Result."),
    "title_too_long": _(
        "The title “%(title)s” has %(length)s characters, maximum %(max)s. Shorten it."
    ),
    "target_not_allowed": _(
        "Mode %(mode)s creates its own External Results or none at all. Leave "
        "the External Result and title empty, or choose merge."
    ),
    "target_ambiguous": _(
        "Choose an existing External Result or enter a title for a new one, not both."
    ),
    "no_groups": _("Select at least one group to activate."),
    "batch_not_staged": _(
        "Import %(batch)s is not ready for review (state “%(state)s”), so nothing "
        "of it can be activated yet."
    ),
    "group_already_activated": _(
        "Group “%(title)s” has been activated or deleted meanwhile. Reload the "
        "review page and select again; nothing was activated."
    ),
    "attachments_pending": _(
        "The attachments ZIP of import %(batch)s is still being read. Activate "
        "once it is finished, so the results get their documents."
    ),
    "activation_not_failed": _(
        "Activation %(activation)s has the state “%(state)s”; only a failed "
        "activation can be retried."
    ),
    "enqueue_failed": _(
        "The activation could not be handed to a worker because the task queue "
        "is unreachable (%(error)s). Check that the broker runs, then retry the "
        "activation."
    ),
    "unexpected_error": _(
        "The activation stopped because of an internal error: %(error)s "
        "“%(detail)s”. The results written so far stay; retry the activation "
        "once the cause is fixed."
    ),
    # Why a rollback, cancellation or discard was refused.
    "activation_not_rollbackable": _(
        "Activation %(activation)s has the state “%(state)s”. Only a finished, "
        "cancelled or failed activation can be rolled back; wait until it "
        "finishes or cancel it."
    ),
    "activation_not_cancellable": _(
        "Activation %(activation)s has the state “%(state)s”. Only a queued or running "
        "activation can be cancelled."
    ),
    "import_not_discardable": _(
        "Import %(batch)s has the state “%(state)s”. Only an import that is "
        "ready for review or was rejected can be discarded; wait until it has "
        "been read."
    ),
    "import_has_activated_rows": ngettext_lazy(
        "Import %(batch)s has %(rows)s activated row. Roll back its activations "
        "first, then discard the import.",
        "Import %(batch)s has %(rows)s activated rows. Roll back its activations "
        "first, then discard the import.",
        "rows",
    ),
}

_GENERIC_REJECTION = _("Line %(line)s was not imported (%(code)s).")
_GENERIC_FILE_ERROR = _("The file was refused (%(code)s).")
_GENERIC_WARNING = _("Note on line %(line)s (%(code)s).")


class _Params(dict[str, Any]):
    """Parameters that show a missing key as empty text instead of raising."""

    def __missing__(self, key: str) -> str:
        logger.warning("Message parameter %s missing", key)
        return ""


def _state_label(params: Mapping[str, Any]) -> str:
    # A stored state is the code ("running"); the reader gets its label in
    # their own language, from the job the message is about.
    from imports.models import Activation, ImportBatch

    states = Activation.State if "activation" in params else ImportBatch.State
    state = str(params["state"])
    return str(states(state).label) if state in states.values else state


def _format(template: Promise, params: Mapping[str, Any]) -> str:
    # Lists are stored as lists and joined here, so the word "and" is in the
    # reader's language too.
    values = _Params(
        (key, field_list(value) if isinstance(value, list | tuple) else value)
        for key, value in params.items()
    )
    if "state" in values:
        values["state"] = _state_label(params)
    # A message made with ngettext_lazy chooses its plural form by the count
    # parameter it names, so the template is formatted before it becomes text.
    return str(template % values)


def rejection_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Return the translated reason why a data row was not staged."""
    params = dict(params or {})
    template = REJECTION_MESSAGES.get(code)
    if template is None:
        logger.warning("No message for rejection code %s", code)
        return _format(_GENERIC_REJECTION, {**params, "code": code})

    message = _format(template, params)
    hint = USER_NOT_FOUND_HINTS.get(params.get("hint") or "")
    if hint is not None:
        message = f"{message} {_format(hint, params)}"
    return message


def file_error_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Return the translated reason why a whole file was refused."""
    params = dict(params or {})
    template = (
        FILE_ERROR_MESSAGES.get(code)
        or REJECTION_MESSAGES.get(code)
        or ATTACHMENT_MESSAGES.get(code)
    )
    if template is None:
        logger.warning("No message for file error code %s", code)
        return _format(_GENERIC_FILE_ERROR, {**params, "code": code})
    return _format(template, params)


def warning_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Return the translated text of a warning stored on an import."""
    params = dict(params or {})
    template = WARNING_MESSAGES.get(code) or REJECTION_MESSAGES.get(code)
    if template is None:
        logger.warning("No message for warning code %s", code)
        return _format(_GENERIC_WARNING, {**params, "code": code})
    return _format(template, params)


def activation_error_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Return the translated reason why an activation did not start or failed."""
    params = dict(params or {})
    template = ACTIVATION_MESSAGES.get(code)
    if template is None:
        logger.warning("No message for activation code %s", code)
        return _format(_("The activation failed (%(code)s)."), {**params, "code": code})
    return _format(template, params)


def field_list(names: list[Any] | tuple[Any, ...]) -> str:
    """Join names for a message: “a”, “b” and “c”."""
    quoted = [f"“{name}”" for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return gettext("%(items)s and %(last)s") % {
        "items": ", ".join(quoted[:-1]),
        "last": quoted[-1],
    }


def attachment_message(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Return the translated outcome of a ZIP entry, or why a ZIP was refused."""
    params = dict(params or {})
    template = ATTACHMENT_MESSAGES.get(code)
    if template is None:
        logger.warning("No message for attachment code %s", code)
        return _format(_("Entry not used (%(code)s)."), {**params, "code": code})
    return _format(template, params)
