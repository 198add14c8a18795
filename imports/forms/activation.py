"""Forms of the activation wizard: mode, target External Result, confirmation."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.models import Activation
from imports.selectors import external_results_by_title
from results.models import ExternalResult

MODE_EXPLANATIONS = {
    Activation.Mode.MERGE: _(
        "All selected groups become results of one External Result, for example "
        "several spellings of the same course."
    ),
    Activation.Mode.INDIVIDUAL: _(
        "Each selected group becomes results of its own External Result: one "
        "from the library, or a new one named after the group's title."
    ),
    Activation.Mode.PORTFOLIO: _(
        "The results appear only in the learners' portfolios and can never "
        "count for a learning path."
    ),
}


class ModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How should the selected groups be activated?"),
        choices=Activation.Mode.choices,
        widget=forms.RadioSelect,
    )


class TargetForm(forms.Form):
    """
    The External Result that merged groups, or in individual mode one group,
    become results of.

    Either an existing entry of the library or a new one. The view pre-fills
    the new titles from the first selected group, or from the form's group.
    """

    EXISTING, NEW = "existing", "new"

    error_messages = {
        "external_result_missing": _(
            "Choose an External Result from the library, or choose “new”."
        ),
        "new_title_missing": _("Type a title for the new External Result."),
        "new_title_exists": _(
            "The library already has an External Result titled “%(title)s” "
            "(library title “%(library_title)s”). Choose it under “Use an "
            "External Result from the library”, or type a different title."
        ),
    }

    target = forms.ChoiceField(
        label=_("External Result"),
        choices=[
            (NEW, _("Create a new External Result")),
            (EXISTING, _("Use an External Result from the library")),
        ],
        initial=NEW,
        widget=forms.RadioSelect,
    )
    external_result = forms.ModelChoiceField(
        label=_("External Result from the library"),
        queryset=ExternalResult.objects.order_by("library_title", "title", "id"),
        required=False,
        empty_label=_("— choose —"),
    )
    new_title = forms.CharField(
        label=_("Title"),
        max_length=255,
        required=False,
        help_text=_("Shown in the learner's portfolio."),
    )
    new_library_title = forms.CharField(
        label=_("Library title"),
        max_length=255,
        required=False,
        help_text=_(
            "Shown to administrators in the library; leave empty to use the title."
        ),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("target") == self.EXISTING:
            if cleaned.get("external_result") is None:
                self.add_error(
                    "external_result",
                    forms.ValidationError(
                        self.error_messages["external_result_missing"],
                        code="external_result_missing",
                    ),
                )
            cleaned["new_title"] = cleaned["new_library_title"] = ""
            return cleaned

        cleaned["external_result"] = None
        if "new_title" in self.errors:
            # A title that failed its own check (too long) is not missing.
            return cleaned
        if not cleaned.get("new_title"):
            self.add_error(
                "new_title",
                forms.ValidationError(
                    self.error_messages["new_title_missing"], code="new_title_missing"
                ),
            )
            return cleaned

        existing = external_results_by_title([cleaned["new_title"]]).get(
            cleaned["new_title"].strip().lower()
        )
        if existing is not None:
            self.add_error(
                "new_title",
                forms.ValidationError(
                    self.error_messages["new_title_exists"],
                    code="new_title_exists",
                    params={
                        "title": existing.title,
                        "library_title": existing.library_title,
                    },
                ),
            )
        elif not cleaned.get("new_library_title"):
            cleaned["new_library_title"] = cleaned["new_title"]
        return cleaned


class ActivateForm(forms.Form):
    """The overview's Activate button, with the service's rejection as its error."""

    # Checked by the view against the run's current selection.
    fingerprint = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64
    )
