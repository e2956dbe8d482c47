"""At login, a deputy sees the follow-ups redirected to them before anything else."""

import datetime
import re

import pytest
from django.utils import timezone

from merkur.journal import deputies
from tests.conftest import PASSWORD, _user
from tests.factories import make_absence, make_company, make_contact, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    page.goto("/login/?next=/companies/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_deputy_sees_the_redirected_follow_up_at_login_marked_as_deputy(page):
    anna = _user("anna", "sales")
    anna.first_name, anna.last_name = "Anna", "Abwesend"
    anna.save()
    bert = _user("bert", "sales")
    company = make_company(name="Müller Präzisionstechnik GmbH")
    person = make_person(company, first_name="Jürgen", last_name="Schäfer")
    contact = make_contact(
        company,
        by=anna,
        people=[person],
        subject="Offerte nachfassen",
        follow_up_owner=anna,
        follow_up_due=timezone.now() - datetime.timedelta(days=2),
    )
    today = deputies.today()
    make_absence(anna, bert, starts_on=today - datetime.timedelta(days=1), ends_on=today)

    log_in(page, "bert")
    page.wait_for_url(re.compile(r"/journal/due/\?next="))

    row = page.locator(f"#follow-up-{contact.pk}")
    assert row.is_visible()
    assert "Offerte nachfassen" in row.inner_text()
    assert "Müller Präzisionstechnik GmbH" in row.inner_text()
    assert "Jürgen Schäfer" in row.inner_text()
    badge = row.locator(".deputy-badge")
    assert badge.is_visible()
    assert "Anna Abwesend" in badge.inner_text()
    assert row.locator(".overdue-badge").is_visible()

    page.click("#continue")
    page.wait_for_url("**/companies/")


def test_user_without_due_follow_ups_goes_straight_on(page):
    _user("clara", "sales")
    log_in(page, "clara")
    page.wait_for_url("**/companies/")
