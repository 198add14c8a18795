"""The reading settings of an import as a list of labelled values, for display."""

from django.utils.translation import gettext as _

from imports.forms.wizard import (
    DELIMITER_CHOICES,
    ENCODING_CHOICES,
    QUOTECHAR_CHOICES,
    user_field_display,
)
from imports.models import ImportBatch
from imports.reading import ENCODINGS, encoding_label
from imports.services.settings import ImportSettings


def settings_summary(
    settings: ImportSettings, *, is_workbook: bool
) -> list[tuple[str, str, str]]:
    """
    Return the settings as (key, label, value) triples, values as people read them.

    A workbook has no delimiter, text qualifier or encoding, so it shows its
    worksheet instead, "the first sheet" when none was named. Both the
    wizard's confirm step and an import's page list the settings this way.
    """
    rows = [
        ("user_field", _("Match UserId on"), user_field_display(settings.user_field))
    ]
    if is_workbook:
        rows.append(("sheet", _("Worksheet"), settings.sheet or _("The first sheet")))
    else:
        rows += [
            ("delimiter", _("Delimiter"), delimiter_display(settings.delimiter)),
            ("quotechar", _("Text qualifier"), quotechar_display(settings.quotechar)),
            ("encoding", _("Encoding"), encoding_display(settings.encoding)),
        ]
    rows.append(("date_format", _("Date format"), settings.date_format))

    for name, column in settings.column_map.items():
        label = _("Column for %(field)s") % {"field": name}
        rows.append((f"column:{name}", label, column))
    for name, value in settings.fixed_values.items():
        label = _("Fixed value for %(field)s") % {"field": name}
        rows.append((f"fixed:{name}", label, value))
    if settings.passed_column:
        rows.append(("passed_column", _("Status column"), settings.passed_column))
        rows.append(
            (
                "passed_values",
                _("Values that mean passed"),
                " | ".join(settings.passed_values),
            )
        )
    policy = ImportBatch.DuplicatePolicy(settings.duplicate_policy).label
    rows.append(("duplicate_policy", _("Repeated rows"), str(policy)))
    return rows


def encoding_display(encoding: str) -> str:
    """Return an encoding's label as the wizard offers it, or its common name."""
    for choices in (ENCODINGS, ENCODING_CHOICES):
        for value, label in choices:
            if value == encoding:
                return str(label)
    return encoding_label(encoding)


def delimiter_display(delimiter: str) -> str:
    for value, label in DELIMITER_CHOICES:
        if value == delimiter:
            return str(label)
    return delimiter


def quotechar_display(quotechar: str) -> str:
    for value, label in QUOTECHAR_CHOICES:
        if value == quotechar:
            return str(label)
    return quotechar
