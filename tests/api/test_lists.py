"""List endpoints: the filters of the company and people lists, sorting and cursor paging."""

import base64
import functools
import json

import pytest

from merkur.companies import services
from merkur.companies.models import CompanyClass, Function, InterestArea, SalesRep
from merkur.core import pagination
from merkur.core.api import pagination as api_pagination
from tests.factories import make_company, make_industry, make_person

pytestmark = pytest.mark.django_db


def _place(postal_code: str, city: str, country: str = "DE") -> dict:
    return {
        "street": "Hauptstrasse 1",
        "postal_code": postal_code,
        "city": city,
        "country": country,
    }


@pytest.fixture
def dataset(admin_user) -> dict:
    """Five companies with different classifications and places; ids by name."""
    records = {
        "I1": make_industry("Maschinenbau"),
        "I2": make_industry("Logistik"),
        "IA1": InterestArea.objects.create(name="Automation"),
        "C1": CompanyClass.objects.create(name="A-Kunde"),
        "R1": SalesRep.objects.create(name="Anna Aussendienst"),
        "F1": Function.objects.create(name="Einkauf"),
    }
    ids = {key: record.pk for key, record in records.items()}
    a = make_company(
        name="Müller Maschinenbau GmbH", roles=["customer"], industries=[records["I1"]],
        interest_areas=[records["IA1"]], company_class=records["C1"], sales_rep=records["R1"],
        address=_place("66111", "Saarbrücken"),
    )  # fmt: skip
    make_person(a, functions=[records["F1"]])
    make_company(name="Mueller Logistik KG", roles=["carrier"], industries=[records["I2"]],
                 address=_place("66740", "Saarlouis"))  # fmt: skip
    make_company(name="Alpen Bank AG", roles=["bank"], address=_place("8001", "Zürich", "CH"))
    d = make_company(name="Wiener Handel GmbH", roles=["supplier", "customer"],
                     industries=[records["I1"]], address=_place("1010", "Wien", "AT"))  # fmt: skip
    services.company_archive(company=d, by=admin_user)
    make_company(name="Berliner Druck GmbH", roles=["prospect"], address=_place("10115", "Berlin"))
    return ids


A, B, C, D, E = (
    "Müller Maschinenbau GmbH",
    "Mueller Logistik KG",
    "Alpen Bank AG",
    "Wiener Handel GmbH",
    "Berliner Druck GmbH",
)

# (query parameters, expected company names); "$X" stands for the id of X in ``dataset``.
COMPANY_FILTERS = [
    ({}, {A, B, C, E}),
    ({"q": "müller"}, {A, B}),
    ({"q": "MUELLER"}, {A, B}),
    ({"role": ["customer"]}, {A}),
    ({"role": ["customer", "bank"]}, {A, C}),
    ({"industry": ["$I1"]}, {A}),
    ({"industry": ["$I1", "$I2"]}, {A, B}),
    ({"industry": ["$I1"], "archived": "yes"}, {A, D}),
    ({"interest_area": ["$IA1"]}, {A}),
    ({"company_class": "$C1"}, {A}),
    ({"sales_rep": "$R1"}, {A}),
    ({"country": "ch"}, {C}),
    ({"postal_code": "66"}, {A, B}),
    ({"city": "saar"}, {A, B}),
    ({"function": "$F1"}, {A}),
    ({"archived": "only"}, {D}),
    ({"industry": ["$I1"], "postal_code": "661"}, {A}),
]


def _resolve(params: dict, ids: dict) -> dict:
    def one(value):
        return ids[value[1:]] if isinstance(value, str) and value.startswith("$") else value

    return {k: [one(v) for v in value] if isinstance(value, list) else one(value)
            for k, value in params.items()}  # fmt: skip


@pytest.mark.parametrize(("params", "expected"), COMPANY_FILTERS, ids=str)
def test_company_list_filters(readonly_api, dataset, params, expected):
    response = readonly_api.get("/companies", _resolve(params, dataset))
    assert response.status_code == 200, response.content
    body = response.json()
    assert {item["name"] for item in body["items"]} == expected
    assert (body["count"], body["count_exact"]) == (len(expected), True)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", [C, E, B, A]),
        ("-name", [A, B, E, C]),
        ("postal_code", [C, E, A, B]),  # by country, then postal code
        ("city", [E, A, B, C]),
    ],
)
def test_company_list_sorts(readonly_api, dataset, sort, expected):
    items = readonly_api.get("/companies", {"sort": sort}).json()["items"]
    assert [item["name"] for item in items] == expected


@pytest.fixture
def many_companies() -> list[int]:
    cities = ["Aachen", "Bonn", "Bonn", "Köln", "Bonn", "Aachen", "Essen"]
    return [
        make_company(name=f"Firma {i:02d}", number=f"K{i % 4}{i:02d}",
                     address=_place(f"{50000 + (i % 3) * 1000}", cities[i % len(cities)])).pk
        for i in range(13)
    ]  # fmt: skip


def _walk(api, path: str, params: dict) -> tuple[list[int], dict]:
    """Follow ``next_cursor`` to the end; returns all ids and the last page."""
    ids, cursor = [], None
    while True:
        body = api.get(path, {**params, **({"cursor": cursor} if cursor else {})}).json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, body


@pytest.mark.parametrize("sort", ["name", "-name", "number", "-number", "postal_code", "city"])
def test_walking_all_pages_yields_every_company_once(readonly_api, many_companies, sort):
    ids, last = _walk(readonly_api, "/companies", {"sort": sort, "limit": 4})
    assert sorted(ids) == sorted(many_companies)
    assert len(ids) == len(set(ids))
    assert last["count"] == 13


def test_walking_back_with_the_previous_cursor_repeats_the_pages(readonly_api, many_companies):
    pages, cursor = [], None
    while True:
        body = readonly_api.get(
            "/companies", {"limit": 5, **({"cursor": cursor} if cursor else {})}
        )
        pages.append([item["id"] for item in body.json()["items"]])
        cursor = body.json()["next_cursor"]
        if cursor is None:
            break
    back = body.json()["previous_cursor"]
    previous = readonly_api.get("/companies", {"limit": 5, "cursor": back}).json()
    assert [item["id"] for item in previous["items"]] == pages[-2]


def test_the_count_stops_at_the_cap_and_says_so(readonly_api, many_companies, monkeypatch):
    monkeypatch.setattr(
        api_pagination, "capped_count", functools.partial(pagination.capped_count, cap=10)
    )
    body = readonly_api.get("/companies", {"limit": 3}).json()
    assert (body["count"], body["count_exact"]) == (10, False)


def _cursor(values, direction="n") -> str:
    raw = json.dumps({"k": values, "d": direction}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        _cursor(["firma", "abc"]),
        _cursor(["firma", 10**30]),
        _cursor([{"a": 1}, 1]),
        _cursor(["firma", 1, 2]),
        _cursor(["fir\x00ma", 1]),
        _cursor(["firma", 1], "x"),
    ],
)
def test_an_invalid_cursor_is_400_with_a_cursor_error(readonly_api, many_companies, cursor):
    response = readonly_api.get("/companies", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize("limit", [0, 201, "many"])
def test_limit_outside_1_to_200_is_a_field_error(readonly_api, limit):
    response = readonly_api.get("/companies", {"limit": limit})
    assert response.status_code == 422
    assert "limit" in response.json()["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "emperor"}, "role"),
        ({"industry": "x"}, "industry"),
        ({"sort": "revenue"}, "sort"),
        ({"archived": "maybe"}, "archived"),
        ({"company_class": "99999999999999999999999"}, "company_class"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_list_parameters_are_field_errors(readonly_api, params, field):
    response = readonly_api.get("/companies", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


# --- people ---------------------------------------------------------------------------------


@pytest.fixture
def people(dataset, admin_user) -> dict:
    from merkur.companies.models import Company

    muller = Company.objects.get(name=A)
    bank = Company.objects.get(name=C)
    make_person(bank, first_name="Jörg", last_name="Bänziger", email="jb@alpenbank.ch")
    opted_out = make_person(bank, first_name="Lea", last_name="Keller")
    services.person_update(
        person=opted_out, data={"marketing_opt_out_at": "2024-01-01T00:00:00+01:00"},
        expected_version=None, by=admin_user,
    )  # fmt: skip
    return {**dataset, "muller": muller.pk, "bank": bank.pk}


PERSON_FILTERS = [
    ({"company": "$bank"}, {"Jörg Bänziger", "Lea Keller"}),
    ({"q": "baenziger"}, {"Jörg Bänziger"}),
    ({"q": "alpenbank"}, {"Jörg Bänziger"}),
    ({"function": ["$F1"]}, "muller-person"),
    ({"country": "CH"}, {"Jörg Bänziger", "Lea Keller"}),
    ({"opted_out": "true"}, {"Lea Keller"}),
    ({"city": "zür", "opted_out": "false"}, {"Jörg Bänziger"}),
]


@pytest.mark.parametrize(("params", "expected"), PERSON_FILTERS, ids=str)
def test_people_list_filters(readonly_api, people, params, expected):
    body = readonly_api.get("/people", _resolve(params, people)).json()
    names = {item["full_name"] for item in body["items"]}
    if expected == "muller-person":
        assert [item["company"]["id"] for item in body["items"]] == [people["muller"]]
    else:
        assert names == expected


def test_walking_all_pages_of_people_yields_everyone_once(readonly_api, company):
    made = {make_person(company, last_name=name).pk for name in ["Abel", "Abel", "Berg", "Cramer"]}
    ids, _ = _walk(readonly_api, "/people", {"limit": 1})
    assert set(ids) == made and len(ids) == len(made)
