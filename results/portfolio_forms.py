"""Forms of the portfolio pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LearnerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, username, e-mail address or ImportID"),
        required=False,
        max_length=255,
    )
