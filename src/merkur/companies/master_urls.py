"""URLs of the master-data pages; the views are generic over the table registry."""

from django.urls import path

from merkur.core import master_views as views

app_name = "master"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.entry_list, name="list"),
    path("<slug:slug>/new/", views.entry_create, name="create"),
    path("<slug:slug>/<int:pk>/edit/", views.entry_edit, name="edit"),
    path("<slug:slug>/<int:pk>/delete/", views.entry_delete, name="delete"),
    path("<slug:slug>/<int:pk>/move/<str:direction>/", views.entry_move, name="move"),
    path("<slug:slug>/<int:pk>/toggle/", views.entry_toggle, name="toggle"),
]
