from django.urls import path

from merkur.attributes import views

app_name = "attributes"
urlpatterns = [
    path("", views.definition_list, name="list"),
    path("new/", views.definition_create, name="create"),
    path("<int:pk>/", views.definition_edit, name="edit"),
    path("<int:pk>/delete/", views.definition_delete, name="delete"),
    path("<int:pk>/choices/", views.choice_add, name="choice_add"),
    path("choices/<int:pk>/", views.choice_update, name="choice_update"),
    path("record/<str:kind>/<int:pk>/", views.panel, name="panel"),
    path("record/<str:kind>/<int:pk>/set/<int:definition>/", views.value_set, name="value_set"),
    path("values/<int:pk>/correct/", views.value_correct, name="value_correct"),
    path("link-options/", views.link_options, name="link_options"),
]
