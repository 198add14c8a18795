"""Django admin for users, their free fields and notifications."""

from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from users.models import FreeField, FreeFieldValue, Notification, User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    # Django's forms name auth.User in their Meta; ours has ``name`` instead
    # of first and last name.
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "name", "email")


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"


class FreeFieldValueInline(admin.TabularInline):
    model = FreeFieldValue
    fields = ["field", "value"]
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("name", "email", "import_id")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ["username", "name", "email", "import_id", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["username", "name", "email", "import_id"]
    ordering = ["username"]
    inlines = [FreeFieldValueInline]


@admin.register(FreeField)
class FreeFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["name", "label"]


@admin.register(FreeFieldValue)
class FreeFieldValueAdmin(admin.ModelAdmin):
    list_display = ["user", "field", "value"]
    list_filter = ["field"]
    list_select_related = ["user", "field"]
    search_fields = ["value", "user__username", "user__name"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "code", "created_at", "read_at"]
    list_filter = ["code", ("read_at", admin.EmptyFieldListFilter), "created_at"]
    list_select_related = ["recipient"]
    search_fields = ["code", "recipient__username", "recipient__name"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"
