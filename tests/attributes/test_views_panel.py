"""The attribute panel on company and person pages: show, set, correct, and bad input."""

import datetime

import pytest
from django.urls import reverse

from merkur.attributes import services
from merkur.attributes.models import AttributeValue
from merkur.core.roles import Role
from tests.conftest import client_for
from tests.factories import make_attribute, make_company, make_person

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.date.today()
HTMX = {"HTTP_HX_REQUEST": "true"}


def _set_url(record, definition, kind="company"):
    return reverse("attributes:value_set", args=[kind, record.pk, definition.pk])


def _post_set(client, record, definition, value, start, end="", kind="company", htmx=True):
    prefix = f"set-{definition.pk}"
    data = {f"{prefix}-valid_from": start, f"{prefix}-valid_to": end}
    data[f"{prefix}-value"] = value
    return client.post(_set_url(record, definition, kind), data, **(HTMX if htmx else {}))


def _errors(response, field, prefix):
    form = next(
        entry.form
        for group in response.context["groups"]
        for item in group.items
        for entry in [item, *item.timeline]
        if entry.form is not None and entry.form.prefix == prefix and entry.form.is_bound
    )
    return form.errors.get(field, [])


def test_company_page_shows_value_as_of_today_and_timeline(admin_client):
    licences = make_attribute(unit="Stk.", group="Lizenzen")
    make_attribute("intern", for_companies=False, for_people=True)
    company = make_company()
    services.value_set(
        definition=licences, record=company, value=10, valid_from=D(2020, 1, 1), by=None
    )
    services.value_set(
        definition=licences, record=company, value=25, valid_from=D(2021, 1, 1), by=None
    )
    services.value_set(
        definition=licences,
        record=company,
        value=99,
        valid_from=TODAY + datetime.timedelta(days=30),
        by=None,
    )
    response = admin_client.get(company.get_absolute_url())
    assert response.status_code == 200
    (item,) = [item for group in response.context["groups"] for item in group.items]
    assert item.definition == licences  # only attributes for companies
    assert item.current == ["25 Stk."]
    assert [entry.row.value for entry in item.timeline] == [10, 25, 99]
    assert b'id="set-lizenzen"' in response.content
    assert b"Lizenzen" in response.content


def test_person_page_has_its_own_attributes(admin_client):
    hobby = make_attribute("hobby", type="text", for_companies=False, for_people=True)
    person = make_person(make_company())
    response = _post_set(admin_client, person, hobby, "Segeln", TODAY.isoformat(), kind="person")
    assert response.status_code == 200
    assert b"Segeln" in response.content
    page = admin_client.get(person.get_absolute_url())
    assert b"Segeln" in page.content


def test_setting_a_value_through_the_page_closes_the_previous_period(sales_user):
    licences, company = make_attribute(), make_company()
    services.value_set(
        definition=licences, record=company, value=10, valid_from=D(2024, 1, 1), by=None
    )
    response = _post_set(client_for(sales_user), company, licences, "40", "2025-03-01")
    assert response.status_code == 200
    assert b'id="attribute-panel"' in response.content
    assert b"<html" not in response.content  # only the panel
    rows = list(AttributeValue.objects.filter(definition=licences).order_by("valid_from"))
    assert [(r.value, r.valid_from, r.valid_to) for r in rows] == [
        (10, D(2024, 1, 1), D(2025, 2, 28)),
        (40, D(2025, 3, 1), None),
    ]
    assert rows[1].created_by == sales_user


def test_without_htmx_a_saved_value_redirects_back_to_the_record(admin_client):
    licences, company = make_attribute(), make_company()
    response = _post_set(admin_client, company, licences, "7", "2025-01-01", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == company.get_absolute_url() + "#attributes"


def test_without_htmx_errors_show_on_a_page_of_their_own(admin_client):
    licences, company = make_attribute(), make_company()
    response = _post_set(admin_client, company, licences, "abc", "2025-01-01", htmx=False)
    assert response.status_code == 200
    assert b"<html" in response.content
    assert _errors(response, "value", f"set-{licences.pk}")


@pytest.mark.parametrize(
    ("fields", "value", "field"),
    [
        ({}, "abc", "value"),
        ({}, "", "value"),
        ({"min_value": 0, "max_value": 100}, "500", "value"),
        ({"min_value": 5}, "2", "value"),
        ({}, "99999999999999999999", "value"),  # beyond the 64-bit column
    ],
)
def test_bad_numbers_show_field_errors(admin_client, fields, value, field):
    licences, company = make_attribute(**fields), make_company()
    response = _post_set(admin_client, company, licences, value, "2025-01-01")
    assert response.status_code == 200
    assert _errors(response, field, f"set-{licences.pk}")
    assert response.context["panel_errors"]
    assert not AttributeValue.objects.exists()


def test_bad_decimal_and_date_show_field_errors(admin_client):
    company = make_company()
    share = make_attribute("anteil", type="decimal")
    since = make_attribute("seit", type="date")
    response = _post_set(admin_client, company, share, "zwölf", "2025-01-01")
    assert _errors(response, "value", f"set-{share.pk}")
    response = _post_set(admin_client, company, since, "31.02.2025", "2025-01-01")
    assert _errors(response, "value", f"set-{since.pk}")
    assert not AttributeValue.objects.exists()


def test_deactivated_choice_is_refused(admin_client):
    size = make_attribute("groesse", type="choice", choices=["klein", "gross"])
    small = size.choices.get(label="klein")
    services.choice_update(choice=small, is_active=False, by=None)
    company = make_company()
    response = _post_set(admin_client, company, size, str(small.pk), "2025-01-01")
    assert _errors(response, "value", f"set-{size.pk}")
    assert not AttributeValue.objects.exists()
    # The select offers only the active choices.
    assert b">klein<" not in response.content
    assert b">gross<" in response.content


def test_multi_choice_sets_several_values(admin_client):
    topics = make_attribute("themen", type="multi_choice", choices=["A", "B", "C"])
    company = make_company()
    ids = [str(c.pk) for c in topics.choices.filter(label__in=["A", "C"])]
    prefix = f"set-{topics.pk}"
    response = admin_client.post(
        _set_url(company, topics),
        {f"{prefix}-value": ids, f"{prefix}-valid_from": "2025-01-01"},
        **HTMX,
    )
    assert response.status_code == 200
    assert sorted(str(r.value) for r in AttributeValue.objects.all()) == ["A", "C"]


def test_unknown_link_id_is_refused(admin_client):
    partner = make_attribute("partner", type="link", link_kind="company")
    company = make_company()
    response = _post_set(admin_client, company, partner, "999999", "2025-01-01")
    assert _errors(response, "value", f"set-{partner.pk}")
    response = _post_set(admin_client, company, partner, "9" * 25, "2025-01-01")
    assert _errors(response, "value", f"set-{partner.pk}")
    response = _post_set(admin_client, company, partner, str(company.pk), "2025-01-01")
    assert AttributeValue.objects.get().value_link == company.pk
    assert company.name.encode() in response.content


def test_period_that_ends_before_it_starts_is_refused(admin_client):
    licences, company = make_attribute(), make_company()
    response = _post_set(admin_client, company, licences, "5", "2025-06-01", "2025-01-01")
    assert _errors(response, "valid_to", f"set-{licences.pk}")
    response = _post_set(admin_client, company, licences, "5", "kein Datum")
    assert _errors(response, "valid_from", f"set-{licences.pk}")
    assert not AttributeValue.objects.exists()


def test_value_starting_on_the_same_day_is_refused_on_valid_from(admin_client):
    licences, company = make_attribute(), make_company()
    services.value_set(
        definition=licences, record=company, value=1, valid_from=D(2025, 1, 1), by=None
    )
    response = _post_set(admin_client, company, licences, "2", "2025-01-01")
    assert _errors(response, "valid_from", f"set-{licences.pk}")


def _correct(client, row, **fields):
    prefix = f"fix-{row.pk}"
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    return client.post(reverse("attributes:value_correct", args=[row.pk]), data, **HTMX)


def test_correcting_value_and_period(admin_client):
    licences, company = make_attribute(), make_company()
    (first,) = services.value_set(
        definition=licences, record=company, value=10, valid_from=D(2024, 1, 1), by=None
    )
    (second,) = services.value_set(
        definition=licences, record=company, value=20, valid_from=D(2025, 1, 1), by=None
    )
    response = _correct(
        admin_client, first, value="11", valid_from="2023-06-01", valid_to="2024-12-31"
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert (first.value, first.valid_from, first.valid_to) == (11, D(2023, 6, 1), D(2024, 12, 31))
    # Only the period: the value stays; an overlap is refused on valid_from.
    response = _correct(admin_client, second, value="20", valid_from="2024-06-01", valid_to="")
    assert _errors(response, "valid_from", f"fix-{second.pk}")
    second.refresh_from_db()
    assert second.valid_from == D(2025, 1, 1)


def test_correcting_keeps_a_deactivated_choice_when_only_the_period_changes(admin_client):
    size = make_attribute("groesse", type="choice", choices=["klein", "gross"])
    company = make_company()
    (row,) = services.value_set(
        definition=size, record=company, value="klein", valid_from=D(2024, 1, 1), by=None
    )
    services.choice_update(choice=row.value_choice, is_active=False, by=None)
    response = _correct(
        admin_client, row, value=str(row.value_choice_id), valid_from="2024-02-01", valid_to=""
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.valid_from == D(2024, 2, 1)
    assert row.value_choice.label == "klein"


def test_correcting_with_a_bad_value_shows_the_error(admin_client):
    licences, company = make_attribute(max_value=100), make_company()
    (row,) = services.value_set(
        definition=licences, record=company, value=10, valid_from=D(2024, 1, 1), by=None
    )
    response = _correct(admin_client, row, value="1000", valid_from="2024-01-01", valid_to="")
    assert _errors(response, "value", f"fix-{row.pk}")
    row.refresh_from_db()
    assert row.value == 10


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES, Role.MARKETING, Role.READ_ONLY])
def test_value_permissions(users, role):
    licences, company = make_attribute(), make_company()
    (row,) = services.value_set(
        definition=licences, record=company, value=10, valid_from=D(2024, 1, 1), by=None
    )
    client = client_for(users[role])
    may_edit = role != Role.READ_ONLY
    page = client.get(company.get_absolute_url())
    assert page.status_code == 200
    assert b"10" in page.content
    assert (b'id="set-lizenzen"' in page.content) is may_edit
    correct_url = reverse("attributes:value_correct", args=[row.pk]).encode()
    assert (correct_url in page.content) is may_edit
    panel = client.get(reverse("attributes:panel", args=["company", company.pk]), **HTMX)
    assert panel.status_code == 200
    set_response = _post_set(client, company, licences, "20", "2025-01-01")
    fix_response = _correct(client, row, value="11", valid_from="2024-01-01", valid_to="")
    expected = 200 if may_edit else 403
    assert (set_response.status_code, fix_response.status_code) == (expected, expected)
    assert AttributeValue.objects.count() == (2 if may_edit else 1)


def test_anonymous_is_sent_to_login(client):
    licences, company = make_attribute(), make_company()
    response = _post_set(client, company, licences, "20", "2025-01-01", htmx=False)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_unknown_record_kind_is_404(admin_client):
    response = admin_client.get(reverse("attributes:panel", args=["article", 1]))
    assert response.status_code == 404


def test_deactivated_attribute_keeps_its_history_on_the_page_read_only(sales_client):
    licences, company = make_attribute(), make_company()
    services.value_set(
        definition=licences, record=company, value=10, valid_from=D(2024, 1, 1), by=None
    )
    services.definition_update(
        definition=licences, data={"is_active": False}, expected_version=None, by=None
    )
    page = sales_client.get(company.get_absolute_url()).content
    assert b"Lizenzen" in page
    assert b'id="set-lizenzen"' not in page


def test_deactivated_attribute_cannot_be_corrected():
    from django.core.exceptions import ValidationError

    licences, company = make_attribute(), make_company()
    (row,) = services.value_set(
        definition=licences, record=company, value=10, valid_from=D(2024, 1, 1), by=None
    )
    services.definition_update(
        definition=licences, data={"is_active": False}, expected_version=None, by=None
    )
    with pytest.raises(ValidationError):
        services.value_correct(row=row, value="11", by=None)


def test_required_attribute_without_a_current_value_is_flagged(readonly_client):
    make_attribute("pflicht", required=True)
    company = make_company()
    page = readonly_client.get(company.get_absolute_url()).content
    assert b"data-missing-required" in page


def test_link_input_offers_matching_records_and_takes_the_picked_one(sales_client):
    from merkur.attributes.models import AttributeValue

    account = make_attribute("betreuer", "link", link_kind="company")
    company = make_company(name="Kunde AG")
    partner = make_company(name="Müller Partner GmbH")
    options = sales_client.get(
        reverse("attributes:link_options"), {"kind": "company", "value": "mueller"}
    ).content.decode()
    assert f'value="Müller Partner GmbH (#{partner.pk})"' in options
    assert "Kunde AG" not in options
    picked = f"Müller Partner GmbH (#{partner.pk})"
    response = _post_set(sales_client, company, account, picked, "2025-01-01")
    assert response.status_code == 200
    assert AttributeValue.objects.get(definition=account).value_link == partner.pk


def test_link_options_need_a_known_kind_and_a_login(client, sales_client):
    url = reverse("attributes:link_options")
    assert sales_client.get(url, {"kind": "spaceship", "value": "x"}).status_code == 404
    assert client.get(url, {"kind": "company", "value": "x"}).status_code == 302
