"""The transfer pages: exports (below) and imports."""

from django.urls import path

from merkur.transfer.export import views as export_views
from merkur.transfer.importing import views as import_views

app_name = "transfer"

urlpatterns = [
    # --- export (address exports) ------------------------------------------------------------
    path("export/profiles/", export_views.profile_list, name="export_profiles"),
    path("export/profiles/new/", export_views.profile_edit, name="export_profile_new"),
    path("export/profiles/<int:pk>/", export_views.profile_edit, name="export_profile_edit"),
    path(
        "export/profiles/<int:pk>/delete/",
        export_views.profile_delete,
        name="export_profile_delete",
    ),
    path("export/<slug:source>/", export_views.export_page, name="export"),
    path("export/<slug:source>/<int:pk>/", export_views.export_page, name="export_record"),
    # --- end of export -----------------------------------------------------------------------
    # --- import (address imports) ------------------------------------------------------------
    path("imports/", import_views.import_list, name="imports"),
    path("imports/profiles/", import_views.profile_list, name="import_profiles"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/settings/", import_views.import_settings, name="import_settings"),
    path("imports/<int:pk>/decide/", import_views.import_decide, name="import_decide"),
    path("imports/<int:pk>/bad-rows/", import_views.import_bad_rows, name="import_bad_rows"),
    path("imports/<int:pk>/delete/", import_views.import_delete, name="import_delete"),
    # --- end of import -----------------------------------------------------------------------
]
