"""``merkur generate``: synthetic rows that lists and search cannot tell from entered ones."""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from merkur.addresses import postal
from merkur.companies import generate as generate_module
from merkur.companies.generate import generate
from merkur.companies.models import Company, CompanyAddress, Industry, Person
from merkur.core.phones import normalize_phone

COMPANIES = 500


@pytest.fixture(scope="class")
def generated(django_db_setup, django_db_blocker):
    """500 generated companies for the tests of a class, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out, err = StringIO(), StringIO()
        call_command("generate", companies=COMPANIES, seed=7, stdout=out, stderr=err)
        yield out.getvalue(), err.getvalue()
        transaction.set_rollback(True)


def _sample(queryset, size: int = 60) -> list:
    ids = list(queryset.values_list("pk", flat=True))
    chosen = random.Random(3).sample(ids, min(size, len(ids)))
    return list(queryset.filter(pk__in=chosen))


class TestGeneratedData:
    """What 500 generated companies look like."""

    def test_generates_the_requested_number_of_companies(self, db, generated):
        assert Company.objects.count() == COMPANIES

    def test_about_three_people_per_company(self, db, generated):
        assert 2.5 * COMPANIES < Person.objects.count() < 3.5 * COMPANIES

    def test_every_company_has_exactly_one_contact_address(self, db, generated):
        contacts = CompanyAddress.objects.filter(kind="contact")
        assert contacts.count() == COMPANIES
        assert contacts.values("company").distinct().count() == COMPANIES

    def test_company_derived_columns_equal_refresh_derived(self, db, generated):
        for company in _sample(Company.objects.all()):
            stored = (company.country, company.postal_code, company.city, company.sort_name,
                      company.search_text)  # fmt: skip
            company.refresh_derived()
            assert stored == (company.country, company.postal_code, company.city,
                              company.sort_name, company.search_text)  # fmt: skip

    def test_person_derived_columns_equal_refresh_derived(self, db, generated):
        for person in _sample(Person.objects.select_related("salutation", "title")):
            stored = (person.letter_salutation, person.sort_name, person.search_text)
            person.refresh_derived()
            assert stored == (person.letter_salutation, person.sort_name, person.search_text)

    def test_search_finds_a_generated_person_by_name(self, db, generated):
        person = _sample(Person.objects.all(), 1)[0]
        term = f"{person.first_name} {person.last_name}".upper()
        assert person in Person.objects.search(term)
        assert person.company in Company.objects.search(term)

    def test_contact_addresses_pass_the_postal_rules(self, db, generated):
        for link in _sample(CompanyAddress.objects.select_related("address"), 100):
            postal.validate(link.address)

    def test_phone_numbers_are_stored_normalised(self, db, generated):
        for company in _sample(Company.objects.all()):
            assert normalize_phone(company.phone, region=company.country) == company.phone

    def test_companies_have_industries(self, db, generated):
        assert Company.objects.filter(industries__isnull=False).distinct().count() > 0.9 * COMPANIES

    def test_master_tables_are_seeded_when_empty(self, db, generated):
        assert Industry.objects.exists()

    def test_progress_is_reported(self, db, generated):
        _out, err = generated
        assert f"{COMPANIES:,} / {COMPANIES:,}" in err


def test_large_loads_restore_the_schema_they_change(db, monkeypatch):
    """The bulk path (indexes dropped, constants as column defaults) leaves no trace."""

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            found = set()
            for table in ("companies_company", "companies_person", "companies_companyaddress"):
                found |= set(connection.introspection.get_constraints(cursor, table))
            return found

    def column_defaults() -> list:
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT adrelid::regclass::text, adnum FROM pg_attrdef ORDER BY 1, 2")
            return cursor.fetchall()

    before = (indexes(), column_defaults())
    monkeypatch.setattr(generate_module, "BULK_THRESHOLD", 10)
    result = generate(companies=20, seed=2)
    assert result.phases.get("indexes") is not None
    assert (indexes(), column_defaults()) == before
    assert Company.objects.count() == 20
    company = Company.objects.first()
    assert company.version == 1 and company.notes == "" and company.archived_at is None


@pytest.mark.parametrize(
    "args",
    [
        ["--companies", "0"],
        ["--companies", "-5"],
        ["--companies", "many"],
        ["--companies", "10", "--batch", "0"],
        ["--companies", "10", "--people-per-company", "-1"],
        [],
    ],
)
def test_bad_arguments_are_refused(db, args):
    with pytest.raises(CommandError):
        call_command("generate", *args, stdout=StringIO(), stderr=StringIO())


def test_bad_keyword_arguments_are_refused(db):
    with pytest.raises(CommandError):
        call_command("generate", companies=0, stdout=StringIO(), stderr=StringIO())
