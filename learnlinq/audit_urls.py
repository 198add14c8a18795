from django.urls import path

from learnlinq import audit_views

app_name = "learnlinq"

urlpatterns = [
    path("", audit_views.audit_log, name="audit"),
]
