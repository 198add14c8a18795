"""The steps of the import wizard: upload, column mapping and confirmation."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from imports import fields as standard
from imports.messages import attachment_message, file_error_message
from imports.models import ImportBatch, UserField
from imports.reading import DATE_FORMATS
from imports.services.preview import Preview, import_preview
from imports.services.settings import ImportSettings
from learnlinq.errors import InputRejected
from users.models import FreeField

DELIMITER_CHOICES = [
    (";", _("Semicolon ( ; )")),
    (",", _("Comma ( , )")),
    ("\t", _("Tab")),
    ("|", _("Vertical bar ( | )")),
    (":", _("Colon ( : )")),
]
QUOTECHAR_CHOICES = [
    ('"', _('Double quote ( " )')),
    ("'", _("Single quote ( ' )")),
    ("", _("None")),
]
# Codec names as Python spells them. The reader strips a byte-order mark, so
# "utf-8" also reads a file saved as "UTF-8 with BOM".
ENCODING_CHOICES = [
    ("utf-8", _("UTF-8 (also with BOM)")),
    ("windows-1252", _("Windows-1252 (Western Europe)")),
    ("iso-8859-1", _("ISO-8859-1 (Latin-1)")),
    ("iso-8859-15", _("ISO-8859-15 (Latin-9)")),
    ("utf-16", _("UTF-16")),
    ("cp850", _("DOS code page 850")),
]
ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx")


def user_field_choices() -> list[tuple[str, str]]:
    """List the user fields ``UserId`` can be matched on, free fields last."""
    choices = [(choice.value, str(choice.label)) for choice in UserField]
    for free_field in FreeField.objects.order_by("label", "name"):
        label = _("Free field: %(label)s") % {
            "label": free_field.label or free_field.name
        }
        choices.append((free_field.name, str(label)))
    return choices


def import_settings_build(
    upload: dict[str, Any], mapping: dict[str, Any] | None = None
) -> ImportSettings:
    """Combine the cleaned data of the upload and mapping steps into settings."""
    mapping = mapping or {}
    return ImportSettings(
        user_field=upload["user_field"],
        delimiter=upload["delimiter"],
        quotechar=upload["quotechar"],
        encoding=upload["encoding"],
        date_format=upload["date_format"],
        sheet=upload.get("sheet") or None,
        column_map=dict(mapping.get("column_map", {})),
        fixed_values=dict(mapping.get("fixed_values", {})),
        passed_column=mapping.get("passed_column", ""),
        passed_values=tuple(mapping.get("passed_values", ())),
        duplicate_policy=mapping.get("duplicate_policy", "skip"),
    )


def too_large_note(max_bytes: int) -> str:
    """Return the text the browser shows before it would send a too large file."""
    return _(
        "too large: the maximum is %(max)s, so this file is not sent. Choose "
        "a smaller file."
    ) % {"max": filesizeformat(max_bytes)}


def results_file_check(
    upload: UploadedFile, *, error_messages: Mapping[str, Any]
) -> UploadedFile:
    """
    Check a results file's extension and size, raising ``ValidationError``.

    ``error_messages`` supplies the ``extension`` and ``too_large`` texts, so
    each form can tell the user what to do in its own situation.
    """
    name = upload.name or ""
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise forms.ValidationError(
            error_messages["extension"], code="extension", params={"name": name}
        )
    if upload.size and upload.size > settings.IMPORT_MAX_CSV_BYTES:
        raise forms.ValidationError(
            error_messages["too_large"],
            code="too_large",
            params={
                "name": name,
                "size": upload.size,
                "max": settings.IMPORT_MAX_CSV_BYTES,
            },
        )
    return upload


class UploadForm(forms.Form):
    """
    First step: the results file and how to read it.

    ``clean`` reads the first rows with the chosen settings, so a whole-file
    fault (wrong encoding, old workbook, empty file) is reported here, on the
    step where it can be fixed.
    """

    error_messages = {
        "extension": _(
            "“%(name)s” is not a CSV or XLSX file. Save the sheet as CSV or as "
            "an Excel workbook (.xlsx) and upload that."
        ),
        "too_large": _(
            "“%(name)s” is %(size)s bytes; the maximum is %(max)s bytes. Split "
            "the file and import the parts one by one."
        ),
    }

    file = forms.FileField(
        label=_("Results file"),
        help_text=_(
            "CSV with a header row, or an Excel workbook (.xlsx). Required "
            "columns: UserId, Timestamp and LearningActivityTitle."
        ),
    )
    attachments = forms.FileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "A ZIP of certificates and diplomas, each named "
            "<ResultId>_#_<file name>, for example R101_#_diploma.pdf. Accepted: "
            "PDF, DOC, DOCX, XLS, XLSX, JPG and JPEG; at most 2 GB."
        ),
    )
    user_field = forms.ChoiceField(
        label=_("Match UserId on"),
        help_text=_("The user field that the values in the UserId column contain."),
    )
    delimiter = forms.ChoiceField(
        label=_("Delimiter"), choices=DELIMITER_CHOICES, initial=";"
    )
    quotechar = forms.ChoiceField(
        label=_("Text qualifier"),
        choices=QUOTECHAR_CHOICES,
        initial='"',
        required=False,
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=ENCODING_CHOICES, initial="utf-8"
    )
    date_format = forms.ChoiceField(
        label=_("Date format"),
        initial="d-M-yyyy",
        help_text=_(
            "How the Timestamp column writes dates: d = day, M = month, "
            "yyyy = year, HH:mm = time."
        ),
    )
    sheet = forms.CharField(
        label=_("Worksheet"),
        required=False,
        max_length=100,
        help_text=_("Excel workbooks only. Leave empty to read the first sheet."),
    )

    def __init__(
        self,
        *args: Any,
        stored_files: dict[str, UploadedFile] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)

        # After "Back" the file input is empty, but the wizard still stores
        # the earlier upload. That file is used unless a new one is chosen.
        self.stored_file = (stored_files or {}).get(self.add_prefix("file"))
        if self.stored_file is not None:
            self.fields["file"].required = False
            self.fields["file"].help_text = _(
                "Leave empty to keep “%(name)s”, or choose another file."
            ) % {"name": self.stored_file.name}

        cast(
            forms.ChoiceField, self.fields["user_field"]
        ).choices = user_field_choices()
        cast(forms.ChoiceField, self.fields["date_format"]).choices = [
            (item, item) for item in DATE_FORMATS
        ]
        self.fields["file"].widget.attrs.update(
            {
                "accept": ",".join(ALLOWED_EXTENSIONS),
                "data-max-bytes": settings.IMPORT_MAX_CSV_BYTES,
                "data-too-large": too_large_note(settings.IMPORT_MAX_CSV_BYTES),
            }
        )
        self.fields["attachments"].widget.attrs.update(
            {
                "accept": ".zip",
                "data-max-bytes": settings.IMPORT_MAX_ZIP_BYTES,
                "data-too-large": too_large_note(settings.IMPORT_MAX_ZIP_BYTES),
            }
        )
        self.preview: Preview | None = None

    def clean_attachments(self) -> UploadedFile | None:
        """
        Check the optional ZIP's name, size and first bytes.

        Its entries are read by a background task after staging; only faults
        visible without unpacking are reported on this step.
        """
        upload: UploadedFile | None = self.cleaned_data.get("attachments")
        if not upload:
            return None
        name = upload.name or ""
        if upload.size and upload.size > settings.IMPORT_MAX_ZIP_BYTES:
            raise forms.ValidationError(
                attachment_message(
                    "archive_too_large",
                    {"size": upload.size, "max": settings.IMPORT_MAX_ZIP_BYTES},
                ),
                code="archive_too_large",
            )
        upload.seek(0)
        signature = upload.read(4)
        upload.seek(0)
        # An empty archive is only an end record; any other starts with a
        # local header.
        if not name.lower().endswith(".zip") or signature not in (
            b"PK\x03\x04",
            b"PK\x05\x06",
        ):
            raise forms.ValidationError(
                attachment_message("archive_not_zip", {"name": name}),
                code="archive_not_zip",
            )
        return upload

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile | None = self.cleaned_data.get("file") or self.stored_file
        if upload is None:
            raise forms.ValidationError(
                self.fields["file"].error_messages["required"], code="required"
            )
        return results_file_check(upload, error_messages=self.error_messages)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned

        upload: UploadedFile = cleaned["file"]
        try:
            self.preview = import_preview(
                data=file_bytes(upload), settings=import_settings_build(cleaned)
            )
        except InputRejected as error:
            raise forms.ValidationError(
                file_error_message(error.code, error.params), code=error.code
            ) from error
        return cleaned


def file_bytes(upload: UploadedFile) -> bytes:
    """Read a whole upload, whose size the form checked against the import limit."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


class MappingForm(forms.Form):
    """
    Second step: which column contains each standard field, and what to keep.

    The column choices come from the file's header, so the form is built per
    file. ``suggested`` pre-fills each select from the preview.
    """

    error_messages = {
        "column_missing": _(
            "Choose the column that holds %(field)s; the file must contain it."
        ),
        "title_missing": _(
            "Choose the column that holds the title, or type a fixed title for "
            "every row."
        ),
        "passed_values_missing": _(
            "Type the values of the status column that mean “passed”, for "
            "example: passed|geslaagd."
        ),
        "column_twice": _(
            "Column “%(column)s” is chosen for both %(first)s and %(second)s. "
            "Choose one column per field."
        ),
        "result_id_required": _(
            "ResultId is required when you upload attachments: map the column "
            "that holds each row's ResultId."
        ),
    }

    # Fields whose column must be in the file. The title is not among them,
    # because it may be a fixed value instead.
    REQUIRED_COLUMNS = tuple(
        name
        for name in standard.REQUIRED_FIELDS
        if name not in standard.FIXED_VALUE_FIELDS
    )

    title_fixed = forms.CharField(
        label=_("Fixed title"),
        required=False,
        max_length=255,
        help_text=_("Used for every row; replaces the title column."),
    )
    tags_fixed = forms.CharField(
        label=_("Fixed tags"),
        required=False,
        max_length=255,
        help_text=_(
            "Used for every row; replaces the tags column. Separate tags with |."
        ),
    )
    passed_column = forms.ChoiceField(
        label=_("Status column"),
        required=False,
        help_text=_(
            "Optional. Only rows with a passed value in this column are staged; "
            "the others are counted as not passed."
        ),
    )
    passed_values = forms.CharField(
        label=_("Values that mean passed"),
        required=False,
        max_length=500,
        help_text=_("Separate values with |, for example: passed|geslaagd|ja."),
    )
    duplicate_policy = forms.ChoiceField(
        label=_("Repeated rows"),
        choices=ImportBatch.DuplicatePolicy.choices,
        initial=ImportBatch.DuplicatePolicy.SKIP,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        columns: Sequence[str] = (),
        suggested: dict[str, str] | None = None,
        mapping_check: Callable[[dict[str, Any]], str] | None = None,
        with_attachments: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mapping_check = mapping_check
        # Each ZIP entry is matched to its row by ResultId, so with a ZIP the
        # ResultId column is required.
        self.with_attachments = with_attachments
        suggested = suggested or {}
        column_choices = [("", _("— not in the file —"))] + [
            (column, column) for column in columns
        ]

        mapped_fields: dict[str, forms.Field] = {}
        for name in standard.STANDARD_FIELDS:
            label = standard.FIELD_LABELS[name]
            mapped_fields[column_field_name(name)] = forms.ChoiceField(
                # A label such as "ResultId (ResultId)" would repeat the name.
                label=label
                if str(label) == name
                else _("%(label)s (%(field)s)") % {"label": label, "field": name},
                choices=column_choices,
                required=name in self.REQUIRED_COLUMNS,
                initial=suggested.get(name, ""),
                error_messages={
                    "required": self.error_messages["column_missing"] % {"field": name}
                },
            )
        # The title is required unless a fixed title is typed, so its select
        # is not marked optional, and its help text explains the alternative.
        title_select = mapped_fields[column_field_name(standard.TITLE)]
        title_select.hide_optional = True  # type: ignore[attr-defined]
        title_select.help_text = _("Or type a fixed title below.")
        if with_attachments:
            result_id_select = mapped_fields[column_field_name(standard.RESULT_ID)]
            result_id_select.hide_optional = True  # type: ignore[attr-defined]
            result_id_select.help_text = _(
                "Required because you upload attachments: each file in the ZIP "
                "is matched to its row by ResultId."
            )

        # The column selects come first, in the order of the standard fields.
        self.fields = {**mapped_fields, **self.fields}
        cast(forms.ChoiceField, self.fields["passed_column"]).choices = column_choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data

        # A fixed value replaces the column of its field, also a column that
        # was filled in from the suggestion.
        fixed_values = {}
        if cleaned.get("title_fixed"):
            fixed_values[standard.TITLE] = cleaned["title_fixed"]
        if cleaned.get("tags_fixed"):
            fixed_values[standard.TAGS] = cleaned["tags_fixed"]

        column_map: dict[str, str] = {}
        for name in standard.STANDARD_FIELDS:
            column = cleaned.get(column_field_name(name), "")
            if column and name not in fixed_values:
                column_map[name] = column

        if standard.TITLE not in column_map and standard.TITLE not in fixed_values:
            self.add_error(
                column_field_name(standard.TITLE),
                forms.ValidationError(
                    self.error_messages["title_missing"], code="title_missing"
                ),
            )
        if self.with_attachments and standard.RESULT_ID not in column_map:
            self.add_error(
                column_field_name(standard.RESULT_ID),
                forms.ValidationError(
                    self.error_messages["result_id_required"],
                    code="result_id_required",
                ),
            )
        self._check_columns_unique(column_map)

        passed_values = [
            value.strip()
            for value in cleaned.get("passed_values", "").split("|")
            if value.strip()
        ]
        if cleaned.get("passed_column") and not passed_values:
            self.add_error(
                "passed_values",
                forms.ValidationError(
                    self.error_messages["passed_values_missing"],
                    code="passed_values_missing",
                ),
            )

        cleaned["column_map"] = column_map
        cleaned["fixed_values"] = fixed_values
        cleaned["passed_values"] = passed_values

        # The service's own checks run last, on choices that passed the
        # field checks, so each fault is reported once.
        if not self.errors and self.mapping_check is not None:
            problem = self.mapping_check(cleaned)
            if problem:
                raise forms.ValidationError(problem, code="mapping")
        return cleaned

    def _check_columns_unique(self, column_map: dict[str, str]) -> None:
        seen: dict[str, str] = {}
        for name, column in column_map.items():
            if column in seen:
                self.add_error(
                    column_field_name(name),
                    forms.ValidationError(
                        self.error_messages["column_twice"],
                        code="column_twice",
                        params={
                            "column": column,
                            "first": seen[column],
                            "second": name,
                        },
                    ),
                )
            seen[column] = name

    def column_fields(self) -> list[forms.BoundField]:
        """Return the bound column selects, for the template's mapping table."""
        return [self[column_field_name(name)] for name in standard.STANDARD_FIELDS]


def column_field_name(standard_field: str) -> str:
    """Return the form field name of the column select for a standard field."""
    return "column_" + standard_field


class ConfirmForm(forms.Form):
    """Last step: the user has read the summary and starts the import."""

    confirmed = forms.BooleanField(
        label=_("The settings are correct; start reading the file."),
        required=True,
    )


def setting_display(field: str, value: str) -> str:
    """Return a reading setting as a person reads it (a tab is not visible)."""
    if field == "delimiter" and value == "\t":
        return str(_("Tab"))
    if field == "quotechar" and value == "":
        return str(_("None"))
    return value


def user_field_display(value: str) -> str:
    """Return the label of a user field, a free field's label included."""
    if value in UserField.values:
        return str(UserField(value).label)
    free_field = FreeField.objects.filter(name=value).first()
    label = (free_field.label or free_field.name) if free_field else value
    return str(_("Free field: %(label)s") % {"label": label})
