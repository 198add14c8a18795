"""Forms of the External Results library pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from results.models import ExternalResult


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=255)


class ExternalResultForm(forms.ModelForm):
    class Meta:
        model = ExternalResult
        fields = ["title", "library_title"]


class MergeForm(forms.Form):
    """The External Results to merge into the one on the page."""

    sources = forms.ModelMultipleChoiceField(
        label=_("Merge these External Results into this one"),
        queryset=ExternalResult.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one External Result to merge."),
            "invalid_choice": _(
                "External Result %(value)s does not exist any more. Choose again."
            ),
        },
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, target: ExternalResult, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sources"].queryset = ExternalResult.objects.exclude(  # type: ignore[attr-defined]
            pk=target.pk
        ).order_by("library_title", "title", "id")
