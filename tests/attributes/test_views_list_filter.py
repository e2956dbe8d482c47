"""Company and people lists filtered by an attribute value as of a day."""

import datetime

import pytest
from django.urls import reverse

from merkur.attributes import services
from tests.factories import make_attribute, make_company, make_person

pytestmark = pytest.mark.django_db
D = datetime.date


def _set(definition, record, value, start):
    services.value_set(definition=definition, record=record, value=value, valid_from=start, by=None)


def _names(response) -> set[str]:
    return {company.name for company in response.context["page"].items}


def _filter(client, url_name="companies:list", **params):
    return client.get(reverse(url_name), params)


@pytest.fixture
def licences():
    """Four companies; one value changed since the day the list is asked about."""
    definition = make_attribute(type="integer")
    companies = {name: make_company(name=name) for name in ("A", "B", "C", "D")}
    _set(definition, companies["A"], 10, D(2020, 1, 1))
    _set(definition, companies["B"], 30, D(2020, 1, 1))
    _set(definition, companies["B"], 80, D(2024, 1, 1))  # above 50 only since 2024
    _set(definition, companies["C"], 60, D(2020, 1, 1))
    _set(definition, companies["C"], 20, D(2024, 1, 1))  # in range only since 2024
    # D has no value at all.
    return definition


def test_numeric_between_as_of_a_past_day(admin_client, licences):
    response = _filter(
        admin_client,
        attribute="lizenzen",
        attribute_op="between",
        attribute_value="10",
        attribute_value2="50",
        attribute_as_of="2023-06-30",
    )
    assert response.status_code == 200
    assert _names(response) == {"A", "B"}


def test_numeric_between_as_of_today_is_the_default(admin_client, licences):
    response = _filter(
        admin_client,
        attribute=str(licences.pk),
        attribute_op="between",
        attribute_value="10",
        attribute_value2="50",
    )
    assert _names(response) == {"A", "C"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"attribute_op": "is_not_set"}, {"D"}),
        ({"attribute_op": "is_set"}, {"A", "B", "C"}),
        ({"attribute_op": "after", "attribute_value": "50"}, {"B"}),
        ({"attribute_op": "in", "attribute_value": "10, 20"}, {"A", "C"}),
        ({"attribute_value": "80"}, {"B"}),  # no operator: "is"
    ],
)
def test_other_operators(admin_client, licences, params, expected):
    response = _filter(admin_client, attribute="lizenzen", **params)
    assert _names(response) == expected


def test_choice_filter_takes_deactivated_choices(admin_client):
    size = make_attribute("groesse", type="choice", choices=["klein", "gross"])
    small = make_company(name="Klein AG")
    make_company(name="Gross AG")
    _set(size, small, "klein", D(2020, 1, 1))
    services.choice_update(choice=size.choices.get(label="klein"), is_active=False, by=None)
    response = _filter(admin_client, attribute="groesse", attribute_value="klein")
    assert _names(response) == {"Klein AG"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"attribute": "gibtsnicht"}, "attribute"),
        ({"attribute_op": "contains", "attribute_value": "1"}, "attribute_op"),
        ({"attribute_op": "nonsense"}, "attribute_op"),
        ({"attribute_op": "equals", "attribute_value": "abc"}, "attribute_value"),
        ({"attribute_op": "between", "attribute_value": "10"}, "attribute_value2"),
        (
            {"attribute_op": "between", "attribute_value": "50", "attribute_value2": "10"},
            "attribute_value2",
        ),
        ({"attribute_op": "in", "attribute_value": "1, x"}, "attribute_value"),
        ({"attribute_value": "9" * 25}, "attribute_value"),
        ({"attribute_value": "1.000.000.000.000.000.000.000"}, "attribute_value"),
        ({"attribute_value": "1", "attribute_as_of": "gestern"}, "attribute_as_of"),
    ],
)
def test_bad_combinations_are_form_errors(admin_client, licences, params, field):
    params.setdefault("attribute", "lizenzen")
    response = _filter(admin_client, **params)
    assert response.status_code == 200
    assert response.context["filter_form"].errors.get(field)
    assert _names(response) == {"A", "B", "C", "D"}  # the bad condition is left out


def test_people_list_filter(admin_client):
    hobby = make_attribute("hobby", type="text", for_companies=False, for_people=True)
    company = make_company()
    sailor = make_person(company, last_name="Segler")
    make_person(company, last_name="Landratte")
    _set(hobby, sailor, "Segeln am See", D(2020, 1, 1))
    response = _filter(
        admin_client,
        "companies:people",
        attribute="hobby",
        attribute_op="contains",
        attribute_value="segeln",
    )
    assert response.status_code == 200
    assert [p.last_name for p in response.context["page"].items] == ["Segler"]
    response = _filter(admin_client, "companies:people", attribute="lizenzen")
    assert response.context["filter_form"].errors.get("attribute")
