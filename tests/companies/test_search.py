"""The search box: every query word must begin a word of the record, umlauts folded."""

import pytest

from merkur.companies.models import Company, Person
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def mueller():
    company = make_company(name="Müller Baustoffe GmbH", email="info@mueller-bau.de")
    make_person(company, first_name="Jörg", last_name="Straßer", email="j.strasser@mueller-bau.de")
    make_company(name="Bauer Holz AG")
    return company


@pytest.mark.parametrize(
    "query",
    [
        "Müller",
        "mueller",
        "MÜLLER",
        "mül",  # a word prefix
        "bau müller",  # any order
        "Baustoffe GmbH",
        "mueller-bau.de",  # punctuation separates words, as in the record
        "strasser",  # a person of the company
        "Jörg Straßer",
        "  müller   ",
    ],
)
def test_query_finds_the_company(mueller, query):
    assert list(Company.objects.search(query)) == [mueller]


@pytest.mark.parametrize("query", ["ller", "müller holz", "xyz"])
def test_query_does_not_find_it(mueller, query):
    assert mueller not in Company.objects.search(query)


@pytest.mark.parametrize(
    "query", ["müller & !bau", "müller' OR 1=1 --", "müller:*|(", "%", "_", "\\", "\x00"]
)
def test_query_syntax_of_either_database_is_plain_text(mueller, query):
    found = list(Company.objects.search(query))  # no error, whatever the characters
    assert found in ([], [mueller], list(Company.objects.all()))


def test_empty_query_finds_everything(mueller):
    assert Company.objects.search("").count() == Company.objects.count() == 2


def test_people_are_searched_by_name_and_email():
    company = make_company()
    person = make_person(company, first_name="Ümit", last_name="Çelik", email="u.celik@example.com")
    assert list(Person.objects.search("Ümit celik")) == [person]
    assert list(Person.objects.search("example")) == [person]
