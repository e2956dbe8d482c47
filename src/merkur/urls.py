from django.contrib import admin
from django.urls import include, path

from merkur.api import api
from merkur.core import views as core_views

admin.site.login = core_views.LoginView.as_view()

urlpatterns = [
    path("", core_views.home, name="home"),
    path("", include("merkur.core.urls")),
    path("companies/", include("merkur.companies.urls")),
    path("master-data/", include("merkur.companies.master_urls")),
    path("attributes/", include("merkur.attributes.urls")),
    path("journal/", include("merkur.journal.urls")),
    path("business/", include("merkur.business.urls")),
    path("selections/", include("merkur.selections.urls")),
    path("transfer/", include("merkur.transfer.urls")),
    path("mailings/", include("merkur.mailings.urls")),
    path("jobs/", include("merkur.jobs.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]
