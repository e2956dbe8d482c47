"""``merkur demo``: realistic demo data, loaded once, through the services."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from merkur.addresses import postal
from merkur.addresses.models import Address
from merkur.companies import demo
from merkur.companies.models import Company, CompanyAddress, Industry, Person, Salutation
from merkur.core.models import ChangeRecord
from merkur.core.phones import normalize_phone


def _run_demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """The demo loaded once for this module (a few seconds), rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _run_demo()
        transaction.set_rollback(True)


pytestmark = pytest.mark.usefixtures("demo_output")


def _counts() -> tuple[int, ...]:
    models = (Company, Person, Address, CompanyAddress, ChangeRecord, Industry)
    return tuple(model.objects.count() for model in models)


def test_demo_loads_at_least_250_companies(db):
    assert Company.objects.count() >= demo.DEFAULT_COMPANIES >= 250


def test_second_run_adds_nothing(db):
    before = _counts()
    _run_demo()
    assert _counts() == before


def test_every_run_prints_the_demo_logins(db, demo_output):
    again = _run_demo()
    for output in (demo_output, again):
        for username, _role in demo.DEMO_USERS:
            assert f"{username} / {demo.DEMO_PASSWORD}" in output


def test_demo_users_exist_with_their_roles(db):
    User = get_user_model()
    for username, role in demo.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.profile.role == role
        assert user.check_password(demo.DEMO_PASSWORD)


def test_every_company_has_exactly_one_contact_address(db):
    contacts = CompanyAddress.objects.filter(kind=CompanyAddress.Kind.CONTACT)
    assert contacts.count() == Company.objects.count()
    assert contacts.values("company").distinct().count() == Company.objects.count()


def test_some_companies_have_delivery_and_billing_addresses(db):
    kinds = set(CompanyAddress.objects.values_list("kind", flat=True))
    assert {"delivery", "billing"} <= kinds


def test_every_address_passes_its_countrys_postal_rules(db):
    for address in Address.objects.all():
        postal.validate(address)


def test_phone_numbers_are_stored_normalised(db):
    numbers = list(Company.objects.values_list("phone", "country"))
    numbers += list(Person.objects.exclude(mobile="").values_list("mobile", "company__country"))
    assert numbers
    for number, country in numbers:
        assert normalize_phone(number, region=country) == number


def test_companies_come_from_germany_austria_and_switzerland(db):
    countries = set(Company.objects.values_list("country", flat=True))
    assert {"DE", "AT", "CH"} <= countries
    german = Company.objects.filter(country="DE").count()
    assert 0.45 < german / Company.objects.count() < 0.75


def test_every_company_has_people_with_functions(db):
    assert not Company.objects.filter(people__isnull=True).exists()
    assert Person.objects.filter(functions__isnull=False).exists()


def test_some_people_object_to_marketing(db):
    assert Person.objects.filter(marketing_opt_out_at__isnull=False).exists()


def test_umlaut_search_finds_all_spellings(db):
    names = set(Company.objects.search("müller").values_list("name", flat=True))
    assert "Müller Datenbanksysteme GmbH" in names
    assert "Hans Mueller Elektrotechnik e.K." in names
    assert "Bäckerei Günther e.K." in Company.objects.search("BAECKEREI").values_list(
        "name", flat=True
    )


def test_master_tables_are_filled(db):
    assert Industry.objects.filter(name="Anwendersoftware-Hersteller").exists()
    assert Salutation.objects.get(name="Frau").letter_salutation == "Sehr geehrte Frau"


def test_history_records_who_created_the_companies(db):
    admin = get_user_model().objects.get(username="admin")
    created = ChangeRecord.objects.filter(action=ChangeRecord.Action.CREATE, user=admin)
    assert created.count() >= Company.objects.count()


def test_companies_below_one_is_refused(db):
    with pytest.raises(CommandError):
        call_command("demo", companies=0, stdout=StringIO())
