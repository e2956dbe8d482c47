"""The transfer pages: exports (below) and imports."""

from django.urls import path

from merkur.transfer.export import views as export_views

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
]
