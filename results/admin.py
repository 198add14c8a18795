"""
Django admin for External Results, results and their attachments, and for
learning paths: creation, substitutes and enrolment.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from results.models import (
    ActivityStatus,
    AttachmentBlob,
    ExternalResult,
    LearningActivity,
    LearningPath,
    Participation,
    Result,
    ResultAttachment,
    Section,
)
from results.services.learning_paths import (
    participations_enrol,
    participations_recalculate,
)


def _recalculate_path(path_id: int) -> None:
    # Substitutes or validity changed, so every participant's status may too.
    learner_ids = list(
        Participation.objects.filter(path_id=path_id).values_list(
            "learner_id", flat=True
        )
    )
    participations_recalculate(learner_ids=learner_ids)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 1
    show_change_link = True


class LearningPathForm(forms.ModelForm):
    enrol = forms.ModelMultipleChoiceField(
        label=_("Enrol learners"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=FilteredSelectMultiple(_("learners"), is_stacked=False),
        help_text=_("Learners already enrolled stay enrolled."),
    )

    class Meta:
        model = LearningPath
        fields = ["title"]


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    form = LearningPathForm
    inlines = [SectionInline]
    search_fields = ["title"]

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        learners = list(form.cleaned_data.get("enrol") or [])
        if learners:
            participations_enrol(
                path=form.instance,
                learners=learners,
                enrolled_by=request.user,  # type: ignore[arg-type]
            )
        if change:
            _recalculate_path(form.instance.pk)


class LearningActivityInline(admin.StackedInline):
    model = LearningActivity
    extra = 1
    filter_horizontal = ["substitutes"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "path", "position"]
    list_select_related = ["path"]
    inlines = [LearningActivityInline]

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        _recalculate_path(form.instance.path_id)


@admin.register(LearningActivity)
class LearningActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "validity_months"]
    list_select_related = ["section__path"]
    filter_horizontal = ["substitutes"]
    search_fields = ["title", "section__path__title"]

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        # Portfolio-only results have no External Result, so every library
        # entry may serve as a substitute.
        if db_field.name == "substitutes":
            kwargs["queryset"] = ExternalResult.objects.order_by("library_title")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        _recalculate_path(form.instance.section.path_id)


class ActivityStatusInline(admin.TabularInline):
    model = ActivityStatus
    extra = 0
    can_delete = False
    readonly_fields = ["activity", "status", "passed_on", "result", "renewal_due_on"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["learner", "path", "status", "enrolled_at", "enrolled_by"]
    list_filter = ["path", "status"]
    list_select_related = ["learner", "path", "enrolled_by"]
    search_fields = ["learner__name", "learner__username", "learner__email"]
    readonly_fields = ["status", "enrolled_by", "enrolled_at"]
    raw_id_fields = ["learner"]
    inlines = [ActivityStatusInline]

    def save_model(
        self, request: HttpRequest, obj: Participation, form: ModelForm, change: bool
    ) -> None:
        if not change:
            obj.enrolled_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        participations_recalculate(learner_ids=[obj.learner_id])


@admin.register(ExternalResult)
class ExternalResultAdmin(admin.ModelAdmin):
    list_display = ["library_title", "title", "created_by", "created_at"]
    list_filter = ["created_at"]
    list_select_related = ["created_by"]
    search_fields = ["library_title", "title"]
    raw_id_fields = ["created_by"]


class ResultAttachmentInline(admin.TabularInline):
    model = ResultAttachment
    fields = ["original_name", "content_type", "size", "blob"]
    raw_id_fields = ["blob"]
    extra = 0


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "learner",
        "achieved_on",
        "external_result",
        "portfolio_only",
        "source_batch_id",
        "source_line",
    ]
    list_filter = ["portfolio_only", "achieved_on", "created_at"]
    list_select_related = ["learner", "external_result"]
    search_fields = [
        "title",
        "source_result_id",
        "learner__username",
        "learner__name",
        "learner__email",
        "=source_batch_id",
    ]
    raw_id_fields = ["learner", "external_result"]
    date_hierarchy = "achieved_on"
    inlines = [ResultAttachmentInline]


@admin.register(ResultAttachment)
class ResultAttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "result", "content_type", "size", "created_at"]
    list_filter = ["content_type"]
    list_select_related = ["result"]
    search_fields = ["original_name", "result__title", "result__learner__username"]
    raw_id_fields = ["result", "blob"]


@admin.register(AttachmentBlob)
class AttachmentBlobAdmin(admin.ModelAdmin):
    list_display = ["sha256", "size", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["=sha256"]
