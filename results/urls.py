from django.urls import path

from results import attachment_views, library_views, path_views, portfolio_views

app_name = "results"

urlpatterns: list = [
    path("portfolio/", portfolio_views.portfolio, name="portfolio"),
    path("learners/", portfolio_views.learners, name="learners"),
    path(
        "learners/<int:pk>/portfolio/",
        portfolio_views.learner_portfolio,
        name="learner-portfolio",
    ),
    path(
        "attachments/<int:pk>/",
        attachment_views.attachment_download,
        name="attachment-download",
    ),
    path("storage/", attachment_views.storage, name="storage"),
    path("library/", library_views.library, name="library"),
    path(
        "library/<int:pk>/",
        library_views.external_result_detail,
        name="external-result-detail",
    ),
    path(
        "library/<int:pk>/edit/",
        library_views.external_result_edit,
        name="external-result-edit",
    ),
    path(
        "library/<int:pk>/merge/",
        library_views.external_result_merge,
        name="external-result-merge",
    ),
    path("paths/", path_views.learning_paths, name="learning-paths"),
    path(
        "paths/<int:pk>/participants/",
        path_views.participant_status,
        name="participant-status",
    ),
]
