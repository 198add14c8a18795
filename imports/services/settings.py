"""The choices an administrator makes for one results file, and their checks."""

import codecs
from dataclasses import dataclass, field
from typing import Any

from imports import fields
from imports.models import ImportBatch
from imports.reading import date_format_compile
from learnlinq.errors import InputRejected
from users.models import FreeField

BUILT_IN_USER_FIELDS = (
    fields.USER_FIELD_IMPORT_ID,
    fields.USER_FIELD_USERNAME,
    fields.USER_FIELD_EMAIL,
)


@dataclass(frozen=True)
class ImportSettings:
    """
    The reading choices for a results file: user field, dialect, dates, mapping.

    ``column_map`` maps a standard field name to a column name of the file.
    Unmapped standard fields are matched on their own name, ignoring case and
    spaces. ``fixed_values`` gives the title or the tags one value for every
    row. A row whose ``passed_column`` contains none of ``passed_values`` is
    rejected as not passed.
    """

    user_field: str
    delimiter: str = ";"
    quotechar: str = '"'
    encoding: str = "utf-8"
    date_format: str = "d-M-yyyy"
    column_map: dict[str, str] = field(default_factory=dict)
    fixed_values: dict[str, str] = field(default_factory=dict)
    passed_column: str = ""
    passed_values: tuple[str, ...] = ()
    duplicate_policy: str = ImportBatch.DuplicatePolicy.SKIP.value
    sheet: str | None = None

    @classmethod
    def from_batch(cls, batch: ImportBatch) -> "ImportSettings":
        """Return the settings an import was created with."""
        return cls(
            user_field=batch.user_field,
            delimiter=batch.delimiter,
            quotechar=batch.quotechar,
            encoding=batch.encoding,
            date_format=batch.date_format,
            column_map=dict(batch.column_map),
            fixed_values=dict(batch.fixed_values),
            passed_column=batch.passed_column,
            passed_values=tuple(batch.passed_values),
            duplicate_policy=batch.duplicate_policy,
            sheet=batch.sheet_name or None,
        )

    def batch_fields(self) -> dict[str, Any]:
        """Return the ImportBatch field values that store these settings."""
        return {
            "user_field": self.user_field,
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            "encoding": self.encoding,
            "date_format": self.date_format,
            "column_map": dict(self.column_map),
            "fixed_values": dict(self.fixed_values),
            "passed_column": self.passed_column,
            "passed_values": list(self.passed_values),
            "duplicate_policy": self.duplicate_policy,
            "sheet_name": self.sheet or "",
        }


def user_field_validate(*, user_field: str) -> None:
    """Raise InputRejected unless users can be matched on ``user_field``."""
    if user_field in BUILT_IN_USER_FIELDS:
        return
    is_free_field = user_field.startswith(fields.FREE_FIELD_PREFIX)
    if is_free_field and FreeField.objects.filter(name=user_field).exists():
        return
    raise InputRejected("user_field_unknown", {"value": user_field})


def import_settings_validate(*, settings: ImportSettings) -> None:
    """
    Raise InputRejected for the first choice that cannot work.

    The date format is checked by compiling it, so a notation the reader does
    not support is refused before a file is stored.
    """
    user_field_validate(user_field=settings.user_field)

    if len(settings.delimiter) != 1 or settings.delimiter in "\r\n":
        raise InputRejected("delimiter_invalid", {"value": settings.delimiter})
    if len(settings.quotechar) > 1 or settings.quotechar == settings.delimiter:
        raise InputRejected("quotechar_invalid", {"value": settings.quotechar})
    try:
        codecs.lookup(settings.encoding)
    except LookupError:
        raise InputRejected("encoding_unknown", {"value": settings.encoding}) from None
    date_format_compile(settings.date_format)

    for name in [*settings.column_map, *settings.fixed_values]:
        if name not in fields.STANDARD_FIELDS:
            raise InputRejected(
                "field_unknown", {"field": name, "fields": list(fields.STANDARD_FIELDS)}
            )
    for name, value in settings.fixed_values.items():
        _fixed_value_validate(settings=settings, name=name, value=value)

    if settings.passed_column and not settings.passed_values:
        raise InputRejected("passed_values_missing", {"column": settings.passed_column})
    if settings.duplicate_policy not in ImportBatch.DuplicatePolicy.values:
        raise InputRejected(
            "duplicate_policy_unknown", {"value": settings.duplicate_policy}
        )


def _fixed_value_validate(*, settings: ImportSettings, name: str, value: str) -> None:
    if name not in fields.FIXED_VALUE_FIELDS:
        raise InputRejected(
            "fixed_value_not_allowed",
            {"field": name, "fields": list(fields.FIXED_VALUE_FIELDS)},
        )
    if settings.column_map.get(name):
        raise InputRejected("field_mapped_and_fixed", {"field": name})

    maximum = (
        fields.MAX_TITLE_LENGTH if name == fields.TITLE else fields.MAX_TAGS_LENGTH
    )
    if len(value) > maximum:
        raise InputRejected(
            "fixed_value_too_long",
            {"field": name, "length": len(value), "maximum": maximum},
        )
