from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = _("Users")

    def ready(self) -> None:
        from users.services import settings_administrator_group_ensure

        post_migrate.connect(
            lambda **kwargs: settings_administrator_group_ensure(), sender=self
        )
