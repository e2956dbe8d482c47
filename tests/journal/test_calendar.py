"""The private calendar feed: settings page, token, and the .ics read back with icalendar."""

import datetime
import re

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from merkur.core.roles import Role
from merkur.journal import deputies, services
from merkur.journal.models import CalendarFeed
from tests.conftest import client_for
from tests.factories import make_absence, make_company, make_contact, make_person

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def new_feed_url(client) -> str:
    response = client.post(reverse("journal:calendar_issue"))
    assert response.status_code == 200
    assert "no-cache" in response.headers.get("Cache-Control", "")
    match = re.search(r'id="new-feed-url" value="([^"]+)"', response.content.decode())
    assert match, "the new address is shown"
    return match.group(1)


def events_of(response) -> list:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return [c for c in calendar.walk("VEVENT")]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_feed_has_one_event_per_open_follow_up(client, sales_user, marketing_user):
    company = make_company(name="Kalender AG")
    person = make_person(company, first_name="Jürgen", last_name="Schäfer")
    due = timezone.now().replace(microsecond=0) + 2 * HOUR
    contact = make_contact(
        company,
        by=sales_user,
        people=[person],
        subject="Offerte nachfassen",
        text="<p>Preis <b>prüfen</b></p><ul><li>Rabatt</li></ul>",
        follow_up_owner=sales_user,
        follow_up_due=due,
    )
    done = make_contact(
        company, by=sales_user, follow_up_owner=sales_user, follow_up_due=due - 5 * HOUR
    )
    services.follow_up_done(contact=done, by=sales_user)
    make_contact(company, by=sales_user)  # no follow-up
    make_contact(company, by=marketing_user, follow_up_owner=marketing_user, follow_up_due=due)

    url = new_feed_url(client_for(sales_user))
    assert url.startswith("http://testserver/journal/calendar/") and url.endswith(".ics")

    events = events_of(client.get(path_of(url)))  # no login needed
    assert len(events) == 1
    event = events[0]
    assert str(event["uid"]) == f"contact-{contact.pk}@testserver"
    assert event.decoded("dtstart") == due
    assert event.decoded("duration") == datetime.timedelta(minutes=30)
    assert str(event["summary"]) == "Offerte nachfassen – Kalender AG"
    description = str(event["description"])
    assert "Jürgen Schäfer" in description
    assert "Preis prüfen" in description
    assert "<" not in description
    assert str(event["url"]) == "http://testserver" + reverse("journal:contact", args=[contact.pk])


def test_deputy_follow_ups_are_in_the_feed_and_marked(client, sales_user, marketing_user):
    company = make_company(name="Vertretung GmbH")
    contact = make_contact(
        company,
        by=sales_user,
        subject="Rückruf",
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() + HOUR,
    )
    today = deputies.today()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)

    url = new_feed_url(client_for(marketing_user))
    events = events_of(client.get(path_of(url)))
    assert [str(e["uid"]) for e in events] == [f"contact-{contact.pk}@testserver"]
    summary = str(events[0]["summary"])
    assert "vertrieb" in summary
    assert "Rückruf – Vertretung GmbH" in summary
    assert summary != "Rückruf – Vertretung GmbH"


def test_calendar_is_named_after_its_user(client, marketing_user):
    url = new_feed_url(client_for(marketing_user))
    calendar = icalendar.Calendar.from_ical(client.get(path_of(url)).content)
    assert "marketing" in str(calendar["x-wr-calname"])


def test_long_reports_are_shortened_in_the_feed(client, sales_user):
    make_contact(
        make_company(),
        by=sales_user,
        text="<p>" + "Wort " * 2000 + "ENDE</p>",
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() + HOUR,
    )
    url = path_of(new_feed_url(client_for(sales_user)))
    description = str(events_of(client.get(url))[0]["description"])
    assert description.endswith(" …")
    assert "ENDE" not in description
    assert len(description) < 2100


def test_uid_is_stable_when_the_due_date_moves(client, sales_user):
    contact = make_contact(
        make_company(),
        by=sales_user,
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() + HOUR,
    )
    url = path_of(new_feed_url(client_for(sales_user)))
    first = events_of(client.get(url))[0]
    services.contact_update(
        contact=contact,
        data={"follow_up_due": timezone.now() + 30 * HOUR},
        expected_version=contact.version,
        by=sales_user,
    )
    second = events_of(client.get(url))[0]
    assert str(first["uid"]) == str(second["uid"])
    assert second.decoded("dtstart") > first.decoded("dtstart")
    assert int(second["sequence"]) > int(first["sequence"])


def test_feed_records_when_it_was_last_used(client, sales_user):
    url = path_of(new_feed_url(client_for(sales_user)))
    assert CalendarFeed.objects.get(user=sales_user).last_used_at is None
    client.get(url)
    assert CalendarFeed.objects.get(user=sales_user).last_used_at is not None


def test_empty_feed_is_a_valid_calendar(client, sales_user):
    url = path_of(new_feed_url(client_for(sales_user)))
    assert events_of(client.get(url)) == []


def test_unknown_token_is_404(client, sales_user):
    new_feed_url(client_for(sales_user))
    response = client.get(reverse("journal:calendar_feed", args=["not-the-token"]))
    assert response.status_code == 404


def test_revoked_token_is_404(client, sales_user):
    owner = client_for(sales_user)
    url = path_of(new_feed_url(owner))
    assert client.get(url).status_code == 200
    response = owner.post(reverse("journal:calendar_revoke"))
    assert response.status_code == 302
    assert not CalendarFeed.objects.filter(user=sales_user).exists()
    assert client.get(url).status_code == 404


def test_renewing_revokes_the_old_address(client, sales_user):
    owner = client_for(sales_user)
    old = path_of(new_feed_url(owner))
    new = path_of(new_feed_url(owner))
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_feed_of_a_deactivated_user_is_404(client, sales_user):
    url = path_of(new_feed_url(client_for(sales_user)))
    sales_user.is_active = False
    sales_user.save()
    assert client.get(url).status_code == 404


def test_settings_page_never_shows_the_address_again(sales_user):
    owner = client_for(sales_user)
    url = new_feed_url(owner)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    page = owner.get(reverse("journal:calendar"))
    assert page.status_code == 200
    content = page.content.decode()
    assert token not in content
    assert 'id="feed-renew"' in content and 'id="feed-revoke"' in content


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_have_a_feed(users, client, role):
    user = users[role]
    owner = client_for(user)
    assert owner.get(reverse("journal:calendar")).status_code == 200
    url = path_of(new_feed_url(owner))
    assert client.get(url).status_code == 200


def test_anonymous_cannot_manage_feeds(client):
    for method, name in (
        ("get", "journal:calendar"),
        ("post", "journal:calendar_issue"),
        ("post", "journal:calendar_revoke"),
    ):
        response = getattr(client, method)(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not CalendarFeed.objects.exists()


def test_issue_and_revoke_need_post(sales_client):
    assert sales_client.get(reverse("journal:calendar_issue")).status_code == 405
    assert sales_client.get(reverse("journal:calendar_revoke")).status_code == 405
    assert not CalendarFeed.objects.exists()
