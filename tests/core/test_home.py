"""The start page: quick links, counts, the user's recent changes."""

import pytest
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from merkur.core.pagination import Count
from merkur.core.roles import Role
from tests.conftest import client_for
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def test_home_counts_companies_and_people(sales_client, sales_user):
    company = make_company(by=sales_user)
    make_person(company, by=sales_user)
    make_company(by=sales_user)
    counts = sales_client.get(reverse("home")).context["counts"]
    assert (counts["companies"], counts["people"]) == (Count(2, True), Count(1, True))


def test_home_lists_my_recent_changes_newest_first(sales_client, sales_user, readonly_user):
    first = make_company(by=sales_user, name="Alpha AG")
    make_company(by=sales_user, name="Beta GmbH")
    make_company(by=readonly_user, name="Gamma KG")  # somebody else's change
    response = sales_client.get(reverse("home"))
    changes = list(response.context["recent_changes"])
    assert [c.object_repr for c in changes][:2] == ["Beta GmbH", "Alpha AG"]
    assert all(c.user == sales_user for c in changes)
    assert changes[-1].company == first


def test_home_shows_at_most_ten_recent_changes(sales_client, sales_user):
    for _ in range(12):
        make_company(by=sales_user)
    assert len(sales_client.get(reverse("home")).context["recent_changes"]) == 10


def test_later_features_can_add_panels_to_the_start_page(sales_client):
    request = sales_client.get(reverse("home")).wsgi_request
    page = Template(
        '{% extends "core/home.html" %}'
        '{% block start_panels %}<section id="my-follow-ups"></section>{% endblock %}'
    )
    assert 'id="my-follow-ups"' in page.render(RequestContext(request, {}))


@pytest.mark.parametrize(
    ("role", "sees_new_company"),
    [(Role.ADMIN, True), (Role.SALES, True), (Role.MARKETING, True), (Role.READ_ONLY, False)],
)
def test_new_company_link_only_for_those_who_may_edit(users, role, sees_new_company):
    response = client_for(users[role]).get(reverse("home"))
    assert response.context["can_edit"] is sees_new_company


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (Count(1234, True), "1,234"),
        (Count(10_000, False), "more than 10,000"),
        (Count(2_500_000, False), "about 2,500,000"),
    ],
)
def test_counts_say_when_they_are_capped_or_estimated(count, shown):
    with translation.override("en"):
        html = render_to_string("partials/count.html", {"count": count, "count_cap": 10_000})
    assert shown in html
