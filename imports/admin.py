"""
Read-only Django admin for imports, staged rows, attachments and activations.

These tables are written by the import and activation services, which claim
rows, record audit events and enqueue tasks. An edit here would skip all of
that, so the admin only shows the rows; changes go through the wizard.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from imports.models import (
    Activation,
    ActivationGroup,
    ArchiveEntryOutcome,
    AttachmentArchive,
    ImportBatch,
    RejectedLine,
    StagedAttachment,
    StagedRow,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActivationGroupInline(ReadOnlyInline):
    model = ActivationGroup
    fields = ["title", "tags", "external_result", "row_count"]
    raw_id_fields = ["external_result"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "original_name",
        "created_by",
        "state",
        "rows_read",
        "staged_count",
        "rejected_count",
        "created_at",
    ]
    list_filter = ["state", "user_field", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["original_name", "created_by__username", "created_by__name"]
    raw_id_fields = ["created_by"]
    date_hierarchy = "created_at"


@admin.register(StagedRow)
class StagedRowAdmin(ReadOnlyAdmin):
    list_display = ["batch", "line", "learner", "title", "achieved_on", "result_id"]
    list_filter = [("activated_at", admin.EmptyFieldListFilter)]
    list_select_related = ["batch", "learner"]
    search_fields = ["title", "result_id", "learner__username", "learner__email"]
    raw_id_fields = ["batch", "learner", "activation_group"]


@admin.register(RejectedLine)
class RejectedLineAdmin(ReadOnlyAdmin):
    list_display = ["batch", "line", "code"]
    list_filter = ["code"]
    list_select_related = ["batch"]
    # Searching by import number: "42" finds the lines of import #42.
    search_fields = ["=batch__id", "code"]
    raw_id_fields = ["batch"]


@admin.register(Activation)
class ActivationAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "batch",
        "mode",
        "state",
        "done_rows",
        "total_rows",
        "created_by",
        "created_at",
    ]
    list_filter = ["state", "mode", "created_at"]
    list_select_related = ["batch", "created_by"]
    search_fields = ["=id", "batch__original_name", "created_by__username"]
    raw_id_fields = ["batch", "created_by"]
    date_hierarchy = "created_at"
    inlines = [ActivationGroupInline]


@admin.register(ActivationGroup)
class ActivationGroupAdmin(ReadOnlyAdmin):
    list_display = ["title", "activation", "external_result", "row_count"]
    list_filter = ["activation__mode", "activation__state"]
    list_select_related = ["activation", "external_result"]
    search_fields = ["title", "=activation__id"]
    raw_id_fields = ["activation", "external_result"]


@admin.register(AttachmentArchive)
class AttachmentArchiveAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "batch",
        "state",
        "entries_total",
        "stored_count",
        "rejected_count",
        "created_at",
    ]
    list_filter = ["state", "created_at"]
    list_select_related = ["batch", "created_by"]
    search_fields = ["original_name", "=batch__id"]
    raw_id_fields = ["batch", "created_by"]


@admin.register(StagedAttachment)
class StagedAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "row", "content_type", "size"]
    list_filter = ["content_type"]
    list_select_related = ["row"]
    search_fields = ["original_name", "sha256", "=archive__batch__id"]
    raw_id_fields = ["archive", "row", "blob"]


@admin.register(ArchiveEntryOutcome)
class ArchiveEntryOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["archive", "position", "name", "outcome", "code"]
    list_filter = ["outcome", "code"]
    list_select_related = ["archive"]
    search_fields = ["name", "=archive__batch__id"]
    raw_id_fields = ["archive"]
