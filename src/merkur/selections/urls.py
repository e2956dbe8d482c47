from django.urls import path

from merkur.selections.views import explain, output, pages, runs

app_name = "selections"

urlpatterns = [
    path("", pages.selection_list, name="list"),
    path("new/", pages.selection_new, name="new"),
    path("<int:pk>/", pages.selection_edit, name="edit"),
    path("<int:pk>/delete/", pages.selection_delete, name="delete"),
    path("<int:pk>/runs/", runs.run_list, name="runs"),
    path("<int:pk>/freeze/", runs.freeze_saved, name="freeze_saved"),
    path("<int:pk>/explain/", explain.explain_saved, name="explain_saved"),
    path("builder/", pages.builder_action, name="builder"),
    path("save/", pages.selection_save, name="save"),
    path("run/", output.run, name="run"),
    path("recipients.csv", output.recipients_csv, name="csv"),
    path("freeze/", output.freeze, name="freeze"),
    path("explain/", explain.explain_draft, name="explain"),
    path("runs/", runs.run_list, name="all_runs"),
    path("runs/compare/", runs.run_compare, name="compare"),
    path("runs/<int:run_id>/", runs.run_detail, name="run_detail"),
    path("runs/<int:run_id>/members.csv", runs.run_csv, name="run_csv"),
]
