from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnlinqConfig(AppConfig):
    name = "learnlinq"
    # The admin lists this app's models (the audit log) under this heading.
    verbose_name = _("General")
