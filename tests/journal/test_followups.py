"""The login reminder, "Meine Pendenzen" and the start page panel."""

import datetime
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from merkur.core.roles import Role
from merkur.journal import deputies, services
from tests.conftest import PASSWORD, _user, client_for
from tests.factories import make_absence, make_company, make_contact, make_person

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def log_in(user, next_url: str | None = None):
    client = Client()
    url = reverse("login")
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        url += "?next=" + quote(next_url)
        data["next"] = next_url
    return client, client.post(url, data)


def follow_up(owner, *, due, company=None, people=(), **fields):
    company = company or make_company(name=fields.pop("company_name", None) or "Muster AG")
    return make_contact(
        company, by=owner, people=people, follow_up_owner=owner, follow_up_due=due, **fields
    )


def row_of(content: str, contact) -> str:
    match = re.search(rf'<tr id="follow-up-{contact.pk}".*?</tr>', content, re.S)
    assert match, f"follow-up {contact.pk} is not listed"
    return match.group(0)


# --- the login reminder -------------------------------------------------------------------


def test_login_without_due_follow_ups_goes_straight_on(sales_user):
    follow_up(sales_user, due=timezone.now() + 2 * DAY)  # not due yet
    _client, response = log_in(sales_user)
    assert response.status_code == 302
    assert response.url == reverse("home")
    _client, response = log_in(sales_user, reverse("profile"))
    assert response.url == reverse("profile")


def test_login_with_a_due_follow_up_shows_the_reminder_first(sales_user):
    contact = follow_up(sales_user, due=timezone.now() - HOUR)
    client, response = log_in(sales_user)
    assert response.status_code == 302
    assert response.url == reverse("journal:due") + "?next=%2F"

    page = client.get(response.url)
    assert page.status_code == 200
    content = page.content.decode()
    row = row_of(content, contact)
    assert contact.subject in row
    assert "Muster AG" in row
    assert 'id="continue" href="/"' in content


def test_follow_up_due_later_today_counts_as_due(sales_user):
    end_of_today = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59))
    )
    follow_up(sales_user, due=end_of_today)
    _client, response = log_in(sales_user)
    assert response.url.startswith(reverse("journal:due"))


def test_login_reminder_keeps_the_requested_page(sales_user):
    follow_up(sales_user, due=timezone.now() - HOUR)
    client, response = log_in(sales_user, "/companies/?q=m%C3%BCller")
    assert response.url == reverse("journal:due") + "?next=" + quote(
        "/companies/?q=m%C3%BCller", safe=""
    )
    content = client.get(response.url).content.decode()
    assert 'id="continue" href="/companies/?q=m%C3%BCller"' in content


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_reminder_continues_only_to_this_site(sales_user, evil):
    follow_up(sales_user, due=timezone.now() - HOUR)
    client = client_for(sales_user)
    response = client.get(reverse("journal:due"), {"next": evil})
    assert response.status_code == 200
    assert 'id="continue" href="/"' in response.content.decode()


def test_login_keeps_the_seat_logic(sales_user, settings):
    follow_up(sales_user, due=timezone.now() - HOUR)
    settings.MERKUR_MAX_CONCURRENT_USERS = 1
    other = _user("zweite", Role.SALES)
    log_in(other)
    _client, response = log_in(sales_user)
    assert response.status_code == 200  # refused: the seat is taken
    assert response.context["form"].non_field_errors()


def test_deputy_follow_up_is_marked_with_its_owner(sales_user, marketing_user):
    sales_user.first_name, sales_user.last_name = "Vera", "Verkauf"
    sales_user.save()
    company = make_company(name="Deputy GmbH")
    person = make_person(company, first_name="Jörg", last_name="Kunde")
    contact = follow_up(sales_user, due=timezone.now() - HOUR, company=company, people=[person])
    # due now, not in an hour: after 23:00 an hour ahead is tomorrow, not listed as due
    own = follow_up(marketing_user, due=timezone.now())
    today = deputies.today()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)

    client, response = log_in(marketing_user)
    assert response.url.startswith(reverse("journal:due"))
    content = client.get(response.url).content.decode()
    row = row_of(content, contact)
    assert "deputy-badge" in row
    assert "Vera Verkauf" in row
    assert "Kunde" in row and "Deputy GmbH" in row
    assert "deputy-badge" not in row_of(content, own)


def test_longer_deputy_chain_is_shown(sales_user, marketing_user, admin_user):
    contact = follow_up(sales_user, due=timezone.now() - HOUR)
    today = deputies.today()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    make_absence(marketing_user, admin_user, starts_on=today, ends_on=today)

    content = client_for(admin_user).get(reverse("journal:due")).content.decode()
    row = row_of(content, contact)
    assert "deputy-chain" in row
    assert "vertrieb → marketing → admin" in row


def test_overdue_stands_out_and_today_does_not(sales_user):
    overdue = follow_up(sales_user, due=timezone.now() - 3 * DAY)
    later = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59))
    )
    due_today = follow_up(sales_user, due=later)
    content = client_for(sales_user).get(reverse("journal:due")).content.decode()
    assert "overdue-badge" in row_of(content, overdue)
    assert "table-danger" in row_of(content, overdue)
    assert (timezone.localdate() - 3 * DAY).strftime("%d.%m.%Y") in row_of(content, overdue)
    if later > timezone.now():
        assert "overdue-badge" not in row_of(content, due_today)


def test_done_from_the_reminder_returns_to_it_and_then_goes_on(sales_user):
    contact = follow_up(sales_user, due=timezone.now() - HOUR)
    client = client_for(sales_user)
    here = reverse("journal:due") + "?next=%2Fcompanies%2F"
    content = client.get(here).content.decode()
    done_url = reverse("journal:follow_up_done", args=[contact.pk])
    assert f'action="{done_url}?next=' in row_of(content, contact)

    response = client.post(done_url, {"next": here})
    assert response.status_code == 302
    assert response.url == here
    contact.refresh_from_db()
    assert contact.follow_up_done_by == sales_user
    # Nothing left: the reminder steps aside.
    response = client.get(here)
    assert response.status_code == 302
    assert response.url == "/companies/"


def test_read_only_user_gets_no_done_button(readonly_user, sales_user):
    contact = follow_up(sales_user, due=timezone.now() - HOUR)
    today = deputies.today()
    make_absence(sales_user, readonly_user, starts_on=today, ends_on=today)
    content = client_for(readonly_user).get(reverse("journal:due")).content.decode()
    row = row_of(content, contact)
    assert "follow-up-done" not in row
    assert reverse("journal:contact", args=[contact.pk]) in row


# --- Meine Pendenzen ----------------------------------------------------------------------


def test_follow_ups_page_groups_overdue_today_upcoming(sales_user, marketing_user):
    overdue = follow_up(sales_user, due=timezone.now() - DAY)
    upcoming = follow_up(sales_user, due=timezone.now() + 3 * DAY)
    deputy_one = follow_up(marketing_user, due=timezone.now() + 5 * DAY)
    other = follow_up(marketing_user, due=timezone.now() - DAY)
    done = follow_up(sales_user, due=timezone.now() - DAY)
    services.follow_up_done(contact=done, by=sales_user)
    today = deputies.today()
    make_absence(marketing_user, sales_user, starts_on=today, ends_on=today)
    client = client_for(sales_user)

    response = client.get(reverse("journal:follow_ups"))
    assert response.status_code == 200
    groups = {g["key"]: [r.contact.pk for r in g["rows"]] for g in response.context["groups"]}
    assert groups["overdue"] == [overdue.pk, other.pk]  # soonest due first
    assert groups["today"] == []
    assert groups["upcoming"] == [upcoming.pk, deputy_one.pk]
    assert done.pk not in [pk for listed in groups.values() for pk in listed]
    content = response.content.decode()
    assert "deputy-badge" in row_of(content, deputy_one)
    assert 'id="deputy-today"' in content

    response = client.get(reverse("journal:follow_ups"), {"show": "overdue", "whose": "own"})
    groups = {g["key"]: [r.contact.pk for r in g["rows"]] for g in response.context["groups"]}
    assert groups == {"overdue": [overdue.pk]}
    response = client.get(reverse("journal:follow_ups"), {"whose": "deputy"})
    listed = [r.contact.pk for g in response.context["groups"] for r in g["rows"]]
    assert sorted(listed) == sorted([deputy_one.pk, other.pk])


def test_follow_ups_page_ignores_unknown_filters(sales_user):
    follow_up(sales_user, due=timezone.now() - DAY)
    response = client_for(sales_user).get(
        reverse("journal:follow_ups"), {"show": "<script>", "whose": "x"}
    )
    assert response.status_code == 200
    assert [g["key"] for g in response.context["groups"]] == ["overdue", "today", "upcoming"]


def test_follow_ups_page_warns_of_a_deputy_cycle(sales_user, marketing_user):
    today = deputies.today()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    make_absence(marketing_user, sales_user, starts_on=today, ends_on=today)
    content = client_for(sales_user).get(reverse("journal:follow_ups")).content.decode()
    assert "deputy-cycle" in content
    assert "vertrieb → marketing → vertrieb" in content or (
        "marketing → vertrieb → marketing" in content
    )


# --- the start page panel -----------------------------------------------------------------


def test_start_page_panel_shows_the_first_ten_due_and_the_count(sales_user):
    now = timezone.now()
    contacts = [follow_up(sales_user, due=now - (i + 1) * HOUR) for i in range(12)]
    follow_up(sales_user, due=now + 3 * DAY)  # not due: not in the panel
    response = client_for(sales_user).get(reverse("home"))
    content = response.content.decode()
    panel = re.search(r'<section class="card mb-3" id="my-follow-ups".*?</section>', content, re.S)
    assert panel
    panel = panel.group(0)
    assert 'id="my-follow-ups-count">12<' in panel
    assert panel.count('class="follow-up') == 10
    oldest_first = sorted(contacts, key=lambda c: c.follow_up_due)
    assert f'id="follow-up-{oldest_first[0].pk}"' in panel
    assert f'id="follow-up-{oldest_first[-1].pk}"' not in panel
    assert reverse("journal:follow_ups") in panel


def test_start_page_panel_when_nothing_is_due(sales_user):
    content = client_for(sales_user).get(reverse("home")).content.decode()
    assert 'id="my-follow-ups-count">0<' in content
    assert 'class="follow-up' not in content


def test_start_page_panel_shows_a_cycle(sales_user, marketing_user):
    today = deputies.today()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    make_absence(marketing_user, sales_user, starts_on=today, ends_on=today)
    content = client_for(sales_user).get(reverse("home")).content.decode()
    assert "deputy-cycle" in content


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", ["journal:due", "journal:follow_ups", "home"])
def test_every_role_sees_its_follow_ups(users, role, name):
    user = users[role]
    follow_up(user, due=timezone.now() - HOUR)
    response = client_for(user).get(reverse(name))
    assert response.status_code == 200
    assert b'class="follow-up' in response.content


@pytest.mark.parametrize("name", ["journal:due", "journal:follow_ups"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_pages_only_answer_get(sales_client):
    assert sales_client.post(reverse("journal:due")).status_code == 405
    assert sales_client.post(reverse("journal:follow_ups")).status_code == 405
