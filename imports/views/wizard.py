"""The import wizard: upload a results file, map its columns, confirm."""

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from formtools.wizard.forms import ManagementForm
from formtools.wizard.views import SessionWizardView

from imports.forms.wizard import (
    ConfirmForm,
    MappingForm,
    UploadForm,
    file_bytes,
    import_settings_build,
    setting_display,
)
from imports.messages import file_error_message, warning_message
from imports.services.attachments import attachment_archive_create
from imports.services.preview import Preview, import_preview
from imports.services.settings import import_settings_validate
from imports.services.staging import import_batch_create
from imports.tasks import import_batch_stage_task
from imports.views.runs import RUN_PARAM, run_token_get, run_token_new
from imports.views.settings_summary import settings_summary
from learnlinq.errors import InputRejected
from learnlinq.permissions import settings_administrator_required

logger = logging.getLogger(__name__)

UPLOAD, MAPPING, CONFIRM = "upload", "mapping", "confirm"
# The mapping step's submit button that shows the preview with the chosen
# columns again, instead of going to the next step.
PREVIEW_REFRESH = "preview_refresh"


class WizardFileStorage(FileSystemStorage):
    """
    Uploads of wizards still in progress, under ``MEDIA_ROOT/wizard``.

    The location is read on each use instead of once, so a changed
    ``MEDIA_ROOT`` (tests, deployments) takes effect. An abandoned wizard's
    upload stays here until the periodic clean-up removes it.
    """

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(Path(settings.MEDIA_ROOT) / "wizard")

    @property
    def location(self) -> str:  # type: ignore[override]
        return str(Path(self.base_location).resolve())


@method_decorator(settings_administrator_required, name="dispatch")
class ImportWizardView(SessionWizardView):
    """
    Three steps that end in a queued import batch.

    Step data lives in the session, not in a cookie, because the choices and
    a file's long column names do not fit in a 4 KB cookie. Each run of the
    wizard has its own ``?run=`` token and so its own storage prefix, so two
    tabs of one session never overwrite each other's upload.
    """

    form_list = [(UPLOAD, UploadForm), (MAPPING, MappingForm), (CONFIRM, ConfirmForm)]
    file_storage = WizardFileStorage()
    step_titles = {
        UPLOAD: gettext_lazy("File"),
        MAPPING: gettext_lazy("Columns"),
        CONFIRM: gettext_lazy("Confirm"),
    }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """Send a request without a valid run token to a new run."""
        if request.method in ("GET", "HEAD", "POST") and run_token_get(request) is None:
            if request.method == "POST":
                logger.info(
                    "Import wizard: user %s posted without a run token",
                    request.user.pk,
                )
                messages.error(
                    request,
                    _(
                        "This import wizard is no longer open, so its choices "
                        "were lost. Upload the file again."
                    ),
                )
            return redirect(wizard_run_url(run_token_new()))
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        """Return the storage prefix of this run: the class's prefix and the token."""
        prefix = super().get_prefix(request, *args, **kwargs)
        token = run_token_get(request)
        return f"{prefix}_{token}" if token else prefix

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        """
        Reject a POST that names a step the wizard does not have.

        formtools would store the unknown step and then fail with a KeyError,
        so the current step is shown again with an error and status 400.
        """
        management_form = ManagementForm(self.request.POST, prefix=self.prefix)
        if management_form.is_valid():
            posted_step = management_form.cleaned_data["current_step"]
            if posted_step not in self.get_form_list():
                logger.warning(
                    "Import wizard: user %s posted unknown step %r",
                    self.request.user.pk,
                    posted_step,
                )
                form = self.get_form(
                    data=self.storage.current_step_data,
                    files=self.storage.current_step_files,
                )
                response = self.render(
                    form,
                    step_error=_(
                        "The form named a step “%(step)s” that this wizard does "
                        "not have. Fill in this step again."
                    )
                    % {"step": posted_step},
                )
                response.status_code = 400
                return response
            if posted_step == MAPPING == self.steps.current and (
                PREVIEW_REFRESH in self.request.POST
            ):
                return self.mapping_preview_refresh()
        return super().post(*args, **kwargs)

    def mapping_preview_refresh(self) -> HttpResponse:
        """
        Show the mapping step again with the posted columns, storing nothing.

        The preview then reads the rows with those columns, so the user sees
        each row's outcome before going on. The form's errors show as well.
        """
        form = self.get_form(data=self.request.POST, files=self.request.FILES)
        form.is_valid()
        return self.render(form)

    def get_template_names(self) -> list[str]:
        """Return the current step's template. Runs on every render."""
        return [f"imports/wizard/{self.steps.current}.html"]

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        """
        Return the stored upload, or the mapping form's columns and checks.

        Runs whenever a step's form is built, also when ``done`` revalidates
        every step. The confirm step needs no extra arguments.
        """
        if step == UPLOAD:
            return {"stored_files": self.storage.get_step_files(UPLOAD) or {}}
        if step != MAPPING or self.preview is None:
            return {}
        upload = self.upload_data or {}
        return {
            "columns": self.preview.header,
            "suggested": self.preview.suggested_mapping,
            "mapping_check": self.mapping_check,
            "with_attachments": bool(upload.get("attachments")),
        }

    def get_form_initial(self, step: str) -> dict[str, Any]:
        """
        Return a step's initial values: none beyond the forms' own defaults.

        Runs when a step's form is built. A setting detected in the file is
        deliberately not put here: it is shown as a suggestion on the mapping
        step and never replaces what the user chose.
        """
        return dict(super().get_form_initial(step))

    def process_step(self, form: Form) -> Any:
        """
        Log an accepted upload and return the step data formtools stores.

        Runs after a step validated, before the next step is shown.
        """
        if self.steps.current == UPLOAD:
            upload = form.cleaned_data["file"]
            logger.info(
                "Import wizard: user %s uploaded %r (%s bytes)",
                self.request.user.pk,
                upload.name,
                upload.size,
            )
        return super().process_step(form)

    def get_context_data(self, form: Form, **kwargs: Any) -> dict[str, Any]:
        """
        Add the step list, the preview, the detected settings and the summary.

        Runs on every render of a step. The file is read at most twice per
        request: the plain preview and the preview with the chosen columns.
        """
        context = super().get_context_data(form=form, **kwargs)
        context["step_list"] = [
            (name, self.step_titles[name]) for name in self.get_form_list()
        ]
        context["step_index"] = self.steps.index
        context["wizard_url"] = wizard_run_url(run_token_get(self.request) or "")

        if self.steps.current == MAPPING:
            context["upload"] = self.upload_data
            context.update(preview_context(self.mapping_step_preview(form)))
            context["preview_refresh"] = PREVIEW_REFRESH
            context["suggestion_differences"] = self.suggestion_differences()
        if self.steps.current == CONFIRM:
            context["upload"] = self.upload_data
            context.update(preview_context(self.mapped_preview))
            context["summary"] = self.summary()
        return context

    def done(self, form_list: list[Form], **kwargs: Any) -> HttpResponse:
        """
        Create the import batch, queue its staging and redirect to its page.

        Runs once, after formtools revalidated every step. Staging is queued
        on commit, so the worker always finds the batch row.
        """
        form_dict: dict[str, Form] = kwargs["form_dict"]
        upload = form_dict[UPLOAD].cleaned_data
        import_settings = import_settings_build(upload, form_dict[MAPPING].cleaned_data)

        try:
            with transaction.atomic():
                batch = import_batch_create(
                    created_by=self.request.user,  # type: ignore[arg-type]
                    data=upload["file"],
                    original_name=Path(upload["file"].name).name,
                    settings=import_settings,
                )
                if upload.get("attachments"):
                    attachment_archive_create(
                        batch=batch,
                        created_by=self.request.user,  # type: ignore[arg-type]
                        data=upload["attachments"],
                        original_name=Path(upload["attachments"].name).name,
                    )
                transaction.on_commit(lambda: import_batch_stage_task.delay(batch.pk))
        except InputRejected as error:
            # The steps checked the same settings, so this is a rare race,
            # such as a free field deleted meanwhile.
            logger.warning(
                "Import wizard: user %s, settings rejected at the end: %s",
                self.request.user.pk,
                error.code,
            )
            messages.error(self.request, file_error_message(error.code, error.params))
            return redirect("imports:wizard")

        logger.info(
            "Import wizard: user %s queued batch %s", self.request.user.pk, batch.pk
        )
        messages.success(
            self.request, _("The file is being read. This page shows the progress.")
        )
        return redirect("imports:detail", pk=batch.pk)

    # Helpers below are not formtools hooks.

    @cached_property
    def upload_form(self) -> UploadForm | None:
        """Return the stored upload step, validated once per request, or None."""
        form = self.get_form(
            step=UPLOAD,
            data=self.storage.get_step_data(UPLOAD),
            files=self.storage.get_step_files(UPLOAD),
        )
        if not isinstance(form, UploadForm) or not form.is_valid():
            return None
        return form

    @property
    def upload_data(self) -> dict[str, Any] | None:
        form = self.upload_form
        return form.cleaned_data if form is not None else None

    @property
    def preview(self) -> Preview | None:
        """Return the first rows as read with the upload step's settings."""
        form = self.upload_form
        return form.preview if form is not None else None

    def mapping_check(self, mapping: dict[str, Any]) -> str:
        """
        Return why the mapping step's choices cannot work with the file, or ''.

        Runs the service's own checks (settings, then the columns against the
        file's header), so the step reports what staging would refuse.
        """
        upload = self.upload_data
        if upload is None:
            return _("The uploaded file is no longer available. Upload it again.")

        import_settings = import_settings_build(upload, mapping)
        try:
            import_settings_validate(settings=import_settings)
        except InputRejected as error:
            return file_error_message(error.code, error.params)

        preview = self.preview_with(mapping)
        if preview is None:
            return _("The uploaded file is no longer available. Upload it again.")
        return preview.mapping_error

    def preview_with(self, mapping: dict[str, Any]) -> Preview | None:
        """Return the preview with ``mapping`` applied, cached per request."""
        cache: dict[str, Preview | None] = self.__dict__.setdefault(
            "_mapped_previews", {}
        )
        cache_key = repr(sorted(mapping.items()))
        if cache_key in cache:
            return cache[cache_key]

        upload = self.upload_data
        preview = None
        if upload is not None:
            try:
                preview = import_preview(
                    data=file_bytes(upload["file"]),
                    settings=import_settings_build(upload, mapping),
                )
            except InputRejected as error:
                # The upload step read the same file with the same settings,
                # so only a file changed in storage gets here.
                logger.warning(
                    "Import wizard: preview failed for user %s: %s",
                    self.request.user.pk,
                    error.code,
                )
        cache[cache_key] = preview
        return preview

    def mapping_step_preview(self, form: Form) -> Preview | None:
        """
        Return the preview for the mapping step: with the posted columns, if any.

        An unbound form shows the file read with its own column names. A
        posted form, valid or not, shows the rows read with the columns it
        chose. That works because ``MappingForm.clean`` leaves those columns
        in ``cleaned_data`` even when a field has an error.
        """
        cleaned = getattr(form, "cleaned_data", None) if form.is_bound else None
        if not cleaned or "column_map" not in cleaned:
            return self.preview
        return self.preview_with(cleaned) or self.preview

    @property
    def mapped_preview(self) -> Preview | None:
        mapping = self.get_cleaned_data_for_step(MAPPING)
        if mapping is None:
            return None
        return self.preview_with(mapping)

    def suggestion_differences(self) -> list[dict[str, str]]:
        """List the settings detected in the file that differ from the choices."""
        preview, upload = self.preview, self.upload_data
        if preview is None or upload is None or preview.suggestion.kind == "xlsx":
            return []

        differences = []
        for field, label in (
            ("encoding", _("Encoding")),
            ("delimiter", _("Delimiter")),
            ("quotechar", _("Text qualifier")),
            ("date_format", _("Date format")),
        ):
            detected = getattr(preview.suggestion, field)
            if detected is None or detected == upload[field]:
                continue
            differences.append(
                {
                    "label": label,
                    "chosen": setting_display(field, upload[field]),
                    "detected": setting_display(field, detected),
                }
            )
        return differences

    def summary(self) -> list[tuple[str, str, str]]:
        """Return every choice of the wizard as (key, label, value) triples."""
        upload = self.upload_data
        mapping = self.get_cleaned_data_for_step(MAPPING)
        if upload is None or mapping is None:
            return []

        chosen = import_settings_build(upload, mapping)
        preview = self.preview
        is_workbook = preview is not None and preview.suggestion.kind == "xlsx"
        rows = [("file", _("File"), Path(upload["file"].name).name)]
        rows += settings_summary(chosen, is_workbook=is_workbook)
        return rows


def wizard_run_url(token: str) -> str:
    return reverse("imports:wizard") + "?" + urlencode({RUN_PARAM: token})


def preview_context(preview: Preview | None) -> dict[str, Any]:
    """Return the template variables of the preview table."""
    if preview is None:
        return {"preview": None}
    return {
        "preview": preview,
        "preview_notices": [
            warning_message(
                warning.get("code", ""),
                {**(warning.get("params") or {}), "line": warning.get("line")},
            )
            for warning in preview.warnings
        ],
    }


import_wizard = ImportWizardView.as_view()
