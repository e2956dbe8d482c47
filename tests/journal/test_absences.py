"""The absences page: own absences for everybody, everybody's for administrators."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from merkur.core.models import ChangeRecord
from merkur.core.roles import Role
from merkur.journal import deputies
from merkur.journal.models import Absence
from tests.conftest import client_for
from tests.factories import make_absence

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
URL = "/journal/absences/"


def form_data(deputy, *, start, end, **extra):
    data = {
        "starts_on": start.isoformat(),
        "ends_on": end.isoformat(),
        "reason": "vacation",
        "deputy": deputy.pk,
        "note": "",
    }
    data.update(extra)
    return data


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_url_names():
    assert reverse("journal:absences") == URL


@pytest.mark.parametrize("role", list(Role))
def test_every_role_records_its_own_absence(users, role):
    user = users[role]
    deputy = next(u for u in users.values() if u != user)
    client = client_for(user)
    assert client.get(URL).status_code == 200
    today = deputies.today()
    response = client.post(
        URL, form_data(deputy, start=today, end=today + 4 * DAY, reason="training")
    )
    assert response.status_code == 302, response.content
    absence = Absence.objects.get(user=user)
    assert (absence.starts_on, absence.ends_on, absence.deputy, absence.reason) == (
        today,
        today + 4 * DAY,
        deputy,
        "training",
    )
    assert absence.recorded_by == user


def test_non_administrator_cannot_choose_another_user(sales_user, marketing_user, admin_user):
    client = client_for(sales_user)
    assert "user" not in client.get(URL).context["form"].fields
    today = deputies.today()
    client.post(URL, form_data(admin_user, start=today, end=today, user=marketing_user.pk))
    assert Absence.objects.get().user == sales_user  # the ``user`` field is ignored


def test_administrator_records_an_absence_for_somebody_else(
    admin_client, sales_user, marketing_user
):
    assert "user" in admin_client.get(URL).context["form"].fields
    today = deputies.today()
    response = admin_client.post(
        URL, form_data(marketing_user, start=today, end=today + DAY, user=sales_user.pk)
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert (absence.user, absence.deputy) == (sales_user, marketing_user)


def test_page_shows_my_deputy_and_whose_follow_ups_i_handle(sales_user, marketing_user, admin_user):
    today = deputies.today()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today + DAY)
    make_absence(admin_user, sales_user, starts_on=today - DAY, ends_on=today)

    response = client_for(sales_user).get(URL)
    assert response.context["absent_today"]
    assert response.context["my_handler"] == "marketing"
    assert response.context["handled_for"] == []  # away: Bert passes Admin's on

    response = client_for(marketing_user).get(URL)
    assert not response.context["absent_today"]
    assert response.context["handled_for"] == ["admin", "vertrieb"]
    content = response.content.decode()
    assert 'id="handled-for"' in content and "admin, vertrieb" in content


def test_lists_own_current_upcoming_and_a_few_past(sales_user, marketing_user, admin_user):
    today = deputies.today()
    past = [
        make_absence(sales_user, marketing_user, starts_on=today - d * DAY, ends_on=today - d * DAY)
        for d in range(20, 10, -1)
    ]
    current = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today + DAY)
    upcoming = make_absence(
        sales_user, marketing_user, starts_on=today + 5 * DAY, ends_on=today + 6 * DAY
    )
    other = make_absence(admin_user, marketing_user, starts_on=today, ends_on=today)

    response = client_for(sales_user).get(URL)
    assert list(response.context["current"]) == [current, upcoming]
    assert list(response.context["past"]) == past[::-1][:5]
    assert f'id="absence-{other.pk}"' not in response.content.decode()

    response = client_for(admin_user).get(URL)
    assert other in list(response.context["current"])
    response = client_for(admin_user).get(URL, {"user": sales_user.pk})
    assert list(response.context["current"]) == [current, upcoming]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"starts_on": "kein Datum"}, "starts_on"),
        ({"reason": "party"}, "reason"),
        ({"deputy": ""}, "deputy"),
        ({"deputy": "99999"}, "deputy"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_form_errors_are_shown_on_their_fields(sales_user, marketing_user, change, field):
    today = deputies.today()
    data = form_data(marketing_user, start=today, end=today + DAY)
    data.update(change)
    response = client_for(sales_user).post(URL, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Absence.objects.exists()


def test_oneself_as_deputy_is_refused_on_the_field(sales_user):
    today = deputies.today()
    response = client_for(sales_user).post(URL, form_data(sales_user, start=today, end=today))
    assert response.status_code == 400
    assert "deputy" in response.context["form"].errors
    assert not Absence.objects.exists()


def test_administrator_cannot_make_a_user_their_own_deputy(admin_client, sales_user):
    today = deputies.today()
    data = form_data(sales_user, start=today, end=today, user=sales_user.pk)
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    assert "deputy" in response.context["form"].errors


def test_inactive_deputy_is_not_offered(sales_user, marketing_user):
    marketing_user.is_active = False
    marketing_user.save()
    today = deputies.today()
    response = client_for(sales_user).post(URL, form_data(marketing_user, start=today, end=today))
    assert response.status_code == 400
    assert "deputy" in response.context["form"].errors


def test_overlap_is_shown_on_the_start_field(sales_user, marketing_user):
    today = deputies.today()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today + 5 * DAY)
    response = client_for(sales_user).post(
        URL, form_data(marketing_user, start=today + 3 * DAY, end=today + 9 * DAY)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["starts_on"]
    assert today.strftime("%d.%m.%Y") in errors[0]
    assert Absence.objects.count() == 1
    assert "is-invalid" in response.content.decode()


def test_saving_warns_of_a_deputy_cycle_naming_the_users(sales_user, marketing_user):
    today = deputies.today()
    make_absence(marketing_user, sales_user, starts_on=today + DAY, ends_on=today + 10 * DAY)
    response = client_for(sales_user).post(
        URL, form_data(marketing_user, start=today + 3 * DAY, end=today + 4 * DAY)
    )
    assert response.status_code == 302
    warnings = [t for t in texts(response) if "marketing" in t and "vertrieb" in t]
    assert len(warnings) == 1
    assert (today + 3 * DAY).strftime("%d.%m.%Y") in warnings[0]


def test_saving_without_cycle_gives_no_warning(sales_user, marketing_user):
    today = deputies.today()
    response = client_for(sales_user).post(URL, form_data(marketing_user, start=today, end=today))
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


def test_administrator_sees_cycles_of_the_next_90_days(admin_client, sales_user, marketing_user):
    start = deputies.today() + 30 * DAY
    make_absence(marketing_user, sales_user, starts_on=start, ends_on=start + 2 * DAY)
    make_absence(sales_user, marketing_user, starts_on=start + DAY, ends_on=start + 3 * DAY)
    far = deputies.today() + 120 * DAY
    make_absence(sales_user, marketing_user, starts_on=far, ends_on=far)
    make_absence(marketing_user, sales_user, starts_on=far, ends_on=far)

    response = admin_client.get(URL)
    cycles = response.context["cycles"]
    assert len(cycles) == 1
    assert cycles[0][0] == start + DAY
    assert 'id="upcoming-cycles"' in response.content.decode()


def test_non_administrator_sees_no_cycle_overview(sales_client):
    response = sales_client.get(URL)
    assert "cycles" not in response.context


# --- editing, deleting, back early -------------------------------------------------------


def test_edit_own_absence(sales_user, marketing_user, admin_user):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    client = client_for(sales_user)
    url = reverse("journal:absence_edit", args=[absence.pk])
    assert client.get(url).status_code == 200
    data = form_data(admin_user, start=today, end=today + 3 * DAY, version=absence.version)
    response = client.post(url, data)
    assert response.status_code == 302
    absence.refresh_from_db()
    assert (absence.ends_on, absence.deputy, absence.version) == (today + 3 * DAY, admin_user, 2)


def test_edit_with_a_stale_version_shows_the_conflict(sales_user, marketing_user, admin_user):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    client = client_for(sales_user)
    url = reverse("journal:absence_edit", args=[absence.pk])
    client.post(url, form_data(admin_user, start=today, end=today + DAY, version=1))
    response = client.post(url, form_data(marketing_user, start=today, end=today, version=1))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.non_field_errors()
    assert form["version"].value() in (2, "2")
    absence.refresh_from_db()
    assert absence.deputy == admin_user


def test_edit_refuses_overlap_with_another_absence(sales_user, marketing_user):
    today = deputies.today()
    first = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    make_absence(sales_user, marketing_user, starts_on=today + 5 * DAY, ends_on=today + 6 * DAY)
    response = client_for(sales_user).post(
        reverse("journal:absence_edit", args=[first.pk]),
        form_data(marketing_user, start=today, end=today + 5 * DAY, version=1),
    )
    assert response.status_code == 400
    assert "starts_on" in response.context["form"].errors


def test_back_early_ends_a_current_absence_yesterday(sales_user, marketing_user):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today - 2 * DAY, ends_on=today)
    response = client_for(sales_user).post(reverse("journal:absence_end", args=[absence.pk]))
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.ends_on == today - DAY
    assert deputies.handler_of(sales_user.pk).handler_id == sales_user.pk


def test_back_early_removes_an_absence_that_has_not_begun(sales_user, marketing_user):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today + DAY)
    client_for(sales_user).post(reverse("journal:absence_end", args=[absence.pk]))
    assert not Absence.objects.exists()


def test_back_early_from_a_past_absence_is_refused(sales_user, marketing_user):
    today = deputies.today()
    absence = make_absence(
        sales_user, marketing_user, starts_on=today - 5 * DAY, ends_on=today - 3 * DAY
    )
    response = client_for(sales_user).post(reverse("journal:absence_end", args=[absence.pk]))
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.ends_on == today - 3 * DAY
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


def test_delete_own_absence(sales_user, marketing_user):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    response = client_for(sales_user).post(reverse("journal:absence_delete", args=[absence.pk]))
    assert response.status_code == 302
    assert not Absence.objects.exists()
    record = ChangeRecord.objects.get(action=ChangeRecord.Action.DELETE)
    assert record.changes["starts_on"] == [today.isoformat(), None]
    assert record.user == sales_user


@pytest.mark.parametrize("action", ["absence_edit", "absence_delete", "absence_end"])
@pytest.mark.parametrize("role", [Role.SALES, Role.MARKETING, Role.READ_ONLY])
def test_others_absences_are_not_found_without_manage_journal(users, admin_user, role, action):
    user = users[role]
    deputy = next(u for u in users.values() if u not in (user, admin_user))
    today = deputies.today()
    absence = make_absence(admin_user, deputy, starts_on=today, ends_on=today + DAY)
    url = reverse(f"journal:{action}", args=[absence.pk])
    client = client_for(user)
    response = client.get(url) if action == "absence_edit" else client.post(url)
    assert response.status_code == 404
    absence.refresh_from_db()
    assert absence.ends_on == today + DAY


@pytest.mark.parametrize("action", ["absence_delete", "absence_end"])
def test_administrator_manages_everybodys_absences(
    admin_client, sales_user, marketing_user, action
):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today + DAY)
    response = admin_client.post(reverse(f"journal:{action}", args=[absence.pk]))
    assert response.status_code == 302
    assert not Absence.objects.filter(ends_on=today + DAY).exists()


def test_administrator_edits_somebody_elses_absence(admin_client, sales_user, marketing_user):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    url = reverse("journal:absence_edit", args=[absence.pk])
    response = admin_client.post(
        url, form_data(marketing_user, start=today, end=today + DAY, version=1)
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.ends_on == today + DAY


@pytest.mark.parametrize("action", ["absence_delete", "absence_end"])
def test_destructive_actions_need_post(sales_user, marketing_user, action):
    today = deputies.today()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    response = client_for(sales_user).get(reverse(f"journal:{action}", args=[absence.pk]))
    assert response.status_code == 405
    assert Absence.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
