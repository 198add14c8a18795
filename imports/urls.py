from django.urls import path

from imports.views import (
    activation,
    attachments,
    batches,
    corrections,
    review,
    undo,
    wizard,
)

app_name = "imports"

urlpatterns: list = [
    path("", batches.batch_list, name="list"),
    path("new/", wizard.import_wizard, name="wizard"),
    path("<int:pk>/", batches.batch_detail, name="detail"),
    path("<int:pk>/status/", batches.batch_status, name="status"),
    path("<int:pk>/rejected.csv", batches.rejected_csv, name="rejected-csv"),
    path(
        "<int:pk>/rejected/reimport/",
        corrections.rejected_reimport,
        name="rejected-reimport",
    ),
    path(
        "<int:pk>/rejected/rematch/",
        corrections.rejected_rematch,
        name="rejected-rematch",
    ),
    path("<int:pk>/review/", review.review, name="review"),
    path("<int:pk>/attachments/", attachments.attachments, name="attachments"),
    path(
        "<int:pk>/attachments/status/",
        attachments.attachments_status,
        name="attachments-status",
    ),
    path(
        "attachments/<int:pk>/",
        attachments.staged_attachment_download,
        name="attachment-download",
    ),
    path("<int:pk>/activate/", activation.activate, name="activate"),
    path("activations/", activation.activation_list, name="activations"),
    path(
        "activations/<int:pk>/",
        activation.activation_detail,
        name="activation-detail",
    ),
    path(
        "activations/<int:pk>/retry/",
        activation.activation_retry_view,
        name="activation-retry",
    ),
    path(
        "activations/<int:pk>/status/",
        activation.activation_status,
        name="activation-status",
    ),
    path("<int:pk>/discard/", undo.import_batch_discard_view, name="discard"),
    path(
        "activations/<int:pk>/rollback/",
        undo.activation_rollback_view,
        name="activation-rollback",
    ),
    path(
        "activations/<int:pk>/cancel/",
        undo.activation_cancel_view,
        name="activation-cancel",
    ),
]
