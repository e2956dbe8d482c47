"""Recipients: addresses for a letter, sorted, without duplicates, without objectors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from merkur.companies import services as companies
from merkur.companies.models import CompanyAddress, Person, Salutation, Title
from merkur.selections.compiler import compile_definition
from merkur.selections.definition import parse
from merkur.selections.recipients import (
    SORTS,
    letter_lines,
    ordering_keys,
    recipients,
    source_of,
)
from merkur.selections.runs import freeze
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def people() -> object:
    return compile_definition(parse({"version": 1, "target": "people"}))


def firms() -> object:
    return compile_definition(parse({"version": 1, "target": "companies"}))


def opt_out(person) -> None:
    Person.objects.filter(pk=person.pk).update(marketing_opt_out_at=timezone.now())


@pytest.fixture
def world():
    frau = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    doctor = Title.objects.create(name="Dr.")
    berlin = make_company(name="Zander AG", address={"postal_code": "10115", "city": "Berlin"})
    munich = make_company(
        name="Adler GmbH", name2="Werk Süd", address={"postal_code": "80331", "city": "München"}
    )
    wien = make_company(
        name="Moser KG", address={"country": "AT", "postal_code": "1010", "city": "Wien"}
    )
    anna = make_person(berlin, first_name="Anna", last_name="Zeller", salutation=frau, title=doctor)
    bert = make_person(berlin, first_name="Bert", last_name="Albers")
    carl = make_person(munich, first_name="Carl", last_name="Meier")
    dora = make_person(wien, first_name="Dora", last_name="Brandt")
    own = companies.person_set_address(
        person=bert,
        address={"street": "Seeweg 3", "postal_code": "01067", "city": "Dresden"},
        by=None,
    )
    return {
        "berlin": berlin,
        "munich": munich,
        "wien": wien,
        "anna": anna,
        "bert": bert,
        "carl": carl,
        "dora": dora,
        "own": own.address,
    }


def test_people_get_their_own_address_else_the_company_contact_address(world):
    rows = {row["person_pk"]: row for row in recipients(people())}
    bert, anna = rows[world["bert"].pk], rows[world["anna"].pk]
    assert bert["address_pk"] == world["own"].pk
    assert (bert["address_city"], bert["address_street"]) == ("Dresden", "Seeweg 3")
    assert anna["address_pk"] == world["berlin"].contact_link().address_id
    assert anna["address_city"] == "Berlin"
    assert anna["company_name"] == "Zander AG"
    assert (anna["person_salutation"], anna["person_title"]) == ("Frau", "Dr.")


def test_companies_get_the_chosen_default_address_else_the_contact_address(world):
    billing = companies.company_address_add(
        company=world["munich"],
        kind="billing",
        address={"street": "Postfach 5", "postal_code": "80333", "city": "München"},
        by=None,
    )
    companies.company_address_add(
        company=world["berlin"],
        kind="delivery",
        address={"street": "Lager 1", "postal_code": "12099", "city": "Berlin"},
        by=None,
    )
    rows = {row["company_pk"]: row for row in recipients(firms(), address="billing")}
    assert rows[world["munich"].pk]["address_pk"] == billing.address_id
    assert rows[world["berlin"].pk]["address_pk"] == world["berlin"].contact_link().address_id
    assert rows[world["munich"].pk]["person_pk"] is None
    contact = {row["company_pk"]: row["address_pk"] for row in recipients(firms())}
    assert contact[world["munich"].pk] == world["munich"].contact_link().address_id


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        # Country first (AT before DE), then the postal code: Dresden 01067 before Berlin.
        ("postal_code", ["dora", "bert", "anna", "carl"]),
        ("name", ["bert", "dora", "carl", "anna"]),
        ("company", ["carl", "dora", "bert", "anna"]),
        ("country", ["dora", "anna", "bert", "carl"]),
    ],
)
def test_sort_orders(world, sort, expected):
    rows = recipients(people(), sort=sort)
    assert [row["person_pk"] for row in rows] == [world[name].pk for name in expected]


@pytest.mark.parametrize("sort", SORTS)
def test_a_run_sorts_by_its_ordering_keys_with_empty_keys_last(world, marketing_user, sort):
    """The keys the member pages of a run page by are the order ``recipients`` gives."""
    homeless = make_company(name="Ohne Adresse")
    CompanyAddress.objects.filter(company=homeless).delete()
    emil = make_person(homeless, first_name="Emil", last_name="Kahn")
    run = freeze({"version": 1, "target": "people"}, by=marketing_user)
    source = source_of(run)
    keys = ordering_keys(source, sort)
    names = [f"k{index}" for index in range(len(keys))]
    keyed = source.queryset.annotate(**dict(zip(names, keys, strict=True)))
    found = list(keyed.values_list(*names, "pk", "person_id"))

    def empty_last(row):
        *values, pk, _person = row
        return [*((value is None, value or "") for value in values), pk]

    expected = [row[-1] for row in sorted(found, key=empty_last)]
    rows = recipients(run, sort=sort, dedupe=None, purpose="non_marketing")
    assert [row["person_pk"] for row in rows] == expected
    if sort in ("postal_code", "country"):  # sorted by the address first: his is empty
        assert expected[-1] == emil.pk


def test_ordering_keys_refuse_an_unknown_sort(world):
    with pytest.raises(ValueError):
        ordering_keys(source_of(people()), "age")


def test_one_letter_per_company_keeps_the_first_in_sort_order(world):
    rows = list(recipients(people(), sort="name", dedupe="company"))
    assert [row["person_pk"] for row in rows] == [
        world[name].pk for name in ("bert", "dora", "carl")
    ]


def test_one_letter_per_address(world):
    colleague = make_person(world["munich"], first_name="Eva", last_name="Adam")
    rows = list(recipients(people(), sort="name", dedupe="address"))
    found = [row["person_pk"] for row in rows]
    # Carl and Eva share München's contact address; Eva comes first by name.
    assert colleague.pk in found and world["carl"].pk not in found
    assert {world["anna"].pk, world["bert"].pk, world["dora"].pk} <= set(found)


def test_opted_out_people_are_removed_unless_the_mail_is_not_marketing(world):
    opt_out(world["anna"])
    marketing = {row["person_pk"] for row in recipients(people())}
    assert world["anna"].pk not in marketing and len(marketing) == 3
    notice = {row["person_pk"] for row in recipients(people(), purpose="non_marketing")}
    assert world["anna"].pk in notice


def test_an_objector_is_left_out_of_a_run_frozen_before_the_objection(world, marketing_user):
    run = freeze({"version": 1, "target": "people"}, by=marketing_user)
    opt_out(world["carl"])
    found = {row["person_pk"] for row in recipients(run)}
    assert found == {world[name].pk for name in ("anna", "bert", "dora")}
    assert run.members.count() == 4


def test_a_run_gives_its_frozen_addresses(world, marketing_user):
    run = freeze({"version": 1, "target": "people"}, by=marketing_user)
    companies.person_set_address(person=world["bert"], address=None, by=None)
    rows = {row["person_pk"]: row for row in recipients(run, sort="company", dedupe="company")}
    assert rows[world["bert"].pk]["address_pk"] == world["own"].pk
    assert world["anna"].pk not in rows  # "one letter per company": Bert comes first


def test_a_companies_run_gives_company_rows(world, marketing_user):
    run = freeze({"version": 1, "target": "companies"}, by=marketing_user)
    rows = list(recipients(run, sort="company"))
    assert [row["company_name"] for row in rows] == ["Adler GmbH", "Moser KG", "Zander AG"]
    assert all(row["person_pk"] is None for row in rows)


def test_rows_stream_in_one_query(world):
    with CaptureQueriesContext(connection) as queries:
        rows = list(recipients(people(), dedupe="company").iterator(chunk_size=2))
    assert len(rows) == 3
    assert len(queries) == 1


def test_letter_lines(world):
    rows = {row["person_pk"]: row for row in recipients(people())}
    assert letter_lines(rows[world["anna"].pk]) == [
        "Zander AG",
        "Frau Dr. Anna Zeller",
        "Hauptstrasse 1",
        "10115 Berlin",
    ]
    carl = letter_lines(rows[world["carl"].pk])
    assert carl[:3] == ["Adler GmbH", "Werk Süd", "Carl Meier"]
    dora = letter_lines(rows[world["dora"].pk])
    assert dora[-1] == "AUSTRIA"


@pytest.mark.parametrize("options", [{"sort": "age"}, {"dedupe": "street"}, {"purpose": "spam"}])
def test_unknown_options_are_refused(world, options):
    with pytest.raises(ValueError):
        recipients(people(), **options)


def test_unknown_company_address_kind_is_refused(world):
    with pytest.raises(ValueError):
        recipients(firms(), address="employee")
