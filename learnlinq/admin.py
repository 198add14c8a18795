"""Read-only Django admin for the audit log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from learnlinq.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_type", "target_id", "counts"]
    list_filter = ["verb", "target_type"]
    list_select_related = ["actor"]
    search_fields = ["actor__username", "target_type"]
    date_hierarchy = "created_at"

    # The log is evidence, so the admin offers no way to add, edit or delete
    # events.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
