"""The Celery application; workers start it with ``celery -A learnlinq worker``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnlinq.settings")

app = Celery("learnlinq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _create_broker_folders() -> None:
    # kombu's file-system transport expects its folders to exist already.
    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if folder:
            os.makedirs(str(folder), exist_ok=True)


@app.on_configure.connect
def _on_configure(**kwargs: object) -> None:
    _create_broker_folders()
