"""The form that takes a corrected report of rejected rows back in."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from imports.forms.wizard import results_file_check


class CorrectedReportForm(forms.Form):
    """The downloaded report of rejected rows, after the user corrected it."""

    error_messages = {
        "extension": _(
            "“%(name)s” is not a CSV or .xlsx file. Upload the report of "
            "rejected rows as you saved it after correcting it."
        ),
        "too_large": _(
            "“%(name)s” is %(size)s bytes; the maximum is %(max)s bytes. Upload "
            "only the corrected report of rejected rows."
        ),
    }

    file = forms.FileField(
        label=_("Corrected report"),
        help_text=_(
            "The report from “Download as CSV” above, with the wrong cells "
            "corrected. Keep the columns Line and Reason as they are; rows you "
            "leave out stay rejected."
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        return results_file_check(upload, error_messages=self.error_messages)
