"""Forms of the review step: choosing groups and rows to delete or activate."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.selectors import GroupKey


def group_key_encode(key: GroupKey) -> str:
    """Return a review group's key as one form value."""
    return json.dumps([key.title, key.tags_key], ensure_ascii=False)


def group_key_decode(value: str) -> GroupKey | None:
    """Return the key a form value encodes, or None for a malformed value."""
    try:
        title, tags_key = json.loads(value)
    except (TypeError, ValueError):
        return None
    if not isinstance(title, str) or not isinstance(tags_key, str):
        return None
    return GroupKey(title=title, tags_key=tags_key)


class GroupKeysField(forms.Field):
    """Checkbox values that each encode a review group's key."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("The selection is not valid. Reload the page and select again."),
    }

    def to_python(self, value: Any) -> list[GroupKey]:
        if not value:
            return []
        keys = []
        for item in value:
            key = group_key_decode(item)
            if key is None:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                )
            keys.append(key)
        return keys


class RowIdsField(forms.Field):
    """Checkbox values that each hold a staged row's id."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("The selection is not valid. Reload the page and select again."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return [int(item) for item in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None


class ReviewSearchForm(forms.Form):
    q = forms.CharField(label=_("Search title or tags"), required=False, max_length=255)


class ReviewActionForm(forms.Form):
    """The review page's POST: an action and the selected groups or rows."""

    DELETE_GROUPS = "delete_groups"
    DELETE_ROWS = "delete_rows"
    ACTIVATE = "activate"

    error_messages = {
        "nothing_selected": _("Select at least one group first."),
        "no_rows_selected": _("Select at least one row first."),
    }

    action = forms.ChoiceField(
        choices=[
            (DELETE_GROUPS, _("Delete selected groups")),
            (DELETE_ROWS, _("Delete selected rows")),
            (ACTIVATE, _("Activate selected groups")),
        ]
    )
    groups = GroupKeysField(required=False)
    # Row ids are checked against the import by the service.
    rows = RowIdsField(required=False)
    # A delete without it only shows the confirmation page.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        action = cleaned.get("action")
        if action in (self.DELETE_GROUPS, self.ACTIVATE) and not cleaned.get("groups"):
            raise forms.ValidationError(
                self.error_messages["nothing_selected"], code="nothing_selected"
            )
        if action == self.DELETE_ROWS and not cleaned.get("rows"):
            raise forms.ValidationError(
                self.error_messages["no_rows_selected"], code="no_rows_selected"
            )
        return cleaned
