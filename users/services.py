"""Writes and workflows for users, free fields and the administrator role."""

import logging

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

# The group's name is stored in English and translated when shown.
SETTINGS_ADMINISTRATORS_GROUP = gettext_noop("Settings administrators")


def settings_administrator_group_ensure() -> Group:
    """Create the settings administrators' group with its permission if missing."""
    group, _created = Group.objects.get_or_create(name=SETTINGS_ADMINISTRATORS_GROUP)
    permission = Permission.objects.filter(
        content_type__app_label="users", codename="settings_administrator"
    ).first()
    if permission is not None:
        group.permissions.add(permission)
    return group
