from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from learnlinq import views

admin.site.site_header = _("LearnLinq administration")
admin.site.site_title = _("LearnLinq admin")
admin.site.index_title = _("LearnLinq Results Import")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("results/", include("results.urls")),
    path("imports/", include("imports.urls")),
    path("users/", include("users.urls")),
    path("audit/", include("learnlinq.audit_urls")),
]
