from django.urls import path

from merkur.selections.views import output, pages

app_name = "selections"

urlpatterns = [
    path("", pages.selection_list, name="list"),
    path("new/", pages.selection_new, name="new"),
    path("<int:pk>/", pages.selection_edit, name="edit"),
    path("builder/", pages.builder_action, name="builder"),
    path("save/", pages.selection_save, name="save"),
    path("run/", output.run, name="run"),
    path("recipients.csv", output.recipients_csv, name="csv"),
    path("freeze/", output.freeze, name="freeze"),
]
