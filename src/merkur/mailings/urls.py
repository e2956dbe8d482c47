from django.urls import path

from merkur.mailings.events import views as events

app_name = "mailings"

urlpatterns = [
    path("events/", events.event_list, name="events"),
    path("events/new/", events.event_new, name="event_new"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", events.event_delete, name="event_delete"),
    path("events/<int:pk>/members/", events.members_bulk, name="members_bulk"),
    path("events/<int:pk>/members/from-run/", events.members_from_run, name="members_from_run"),
    path("events/<int:pk>/members/add/", events.member_add, name="member_add"),
    path("runs/<int:run_id>/to-event/", events.run_events, name="run_events"),
]

# --- unsubscribe (helper G): the link in marketing e-mails; works without login
from merkur.mailings import unsubscribe  # noqa: E402

urlpatterns += [
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
]

# --- mailings (the Mailing: wizard, preview, start, items)
from merkur.mailings.mailing import views as mailing_views  # noqa: E402

urlpatterns += [
    path("", mailing_views.mailing_list, name="mailings"),
    path("new/", mailing_views.mailing_new, name="mailing_new"),
    path("<int:pk>/", mailing_views.mailing_detail, name="mailing"),
    path("<int:pk>/edit/", mailing_views.mailing_edit, name="mailing_edit"),
    path("<int:pk>/delete/", mailing_views.mailing_delete, name="mailing_delete"),
    path("<int:pk>/preview/", mailing_views.mailing_preview, name="mailing_preview"),
    path(
        "<int:pk>/preview.<str:kind>",
        mailing_views.mailing_preview_file,
        name="mailing_preview_file",
    ),
    path("<int:pk>/start/", mailing_views.mailing_start, name="mailing_start"),
    path("<int:pk>/retry/", mailing_views.mailing_retry, name="mailing_retry"),
]
