import pytest
from django.core.exceptions import ValidationError

from merkur.companies import services
from merkur.companies.models import Company, CompanyRole, Salutation, Title
from merkur.core.audit import history_of
from merkur.core.locking import EditConflict
from merkur.core.models import ChangeRecord
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def test_roles_are_stored_as_a_set_and_read_back(sales_user):
    company = make_company(roles=["customer", "supplier"], by=sales_user)
    assert company.role_list == ["customer", "supplier"]
    assert list(Company.objects.with_role(CompanyRole.SUPPLIER)) == [company]
    assert not Company.objects.with_role(CompanyRole.BANK).exists()


def test_unknown_role_is_a_field_error():
    with pytest.raises(ValidationError) as error:
        make_company(roles=["emperor"])
    assert "roles" in error.value.message_dict


def test_update_with_the_current_version_saves_and_counts_up(sales_user):
    company = make_company(by=sales_user)
    updated = services.company_update(
        company=company, data={"name": "Neu AG"}, expected_version=company.version, by=sales_user
    )
    assert (updated.name, updated.version) == ("Neu AG", 2)


def test_second_save_from_a_stale_version_is_refused_and_shows_what_changed(
    sales_user, marketing_user
):
    company = make_company(name="Alt GmbH", by=sales_user)
    loaded_version = company.version
    services.company_update(
        company=company, data={"name": "Erste AG"}, expected_version=loaded_version, by=sales_user
    )
    with pytest.raises(EditConflict) as conflict:
        services.company_update(
            company=company,
            data={"name": "Zweite AG"},
            expected_version=loaded_version,
            by=marketing_user,
        )
    changes = conflict.value.changes
    assert [(c.old, c.new, c.user) for c in changes] == [("Alt GmbH", "Erste AG", "vertrieb")]
    assert Company.objects.get(pk=company.pk).name == "Erste AG"


def test_every_change_is_recorded_with_old_and_new_value(sales_user):
    company = make_company(name="Alt GmbH", phone="", by=sales_user)
    services.company_update(
        company=company,
        data={"name": "Neu GmbH", "employees": 12},
        expected_version=None,
        by=sales_user,
    )
    record = history_of(company).first()
    assert record.action == ChangeRecord.Action.UPDATE
    assert record.user == sales_user
    assert record.changes == {"name": ["Alt GmbH", "Neu GmbH"], "employees": [None, 12]}


def test_phone_numbers_are_normalised_to_international_format():
    company = make_company(phone="030 1234567")
    assert company.phone == "+49 30 1234567"


def test_invalid_phone_number_is_a_field_error():
    with pytest.raises(ValidationError) as error:
        make_company(phone="12")
    assert "phone" in error.value.message_dict


def test_number_must_be_unique_when_given():
    make_company(number="K-1")
    make_company(number="")
    make_company(number="")
    with pytest.raises(ValidationError) as error:
        make_company(number="K-1")
    assert "number" in error.value.message_dict


def test_letter_salutation_is_generated_from_salutation_title_and_name():
    company = make_company()
    frau = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    dr = Title.objects.create(name="Dr.")
    person = make_person(company, salutation=frau, title=dr, last_name="Muster")
    assert person.letter_salutation == "Sehr geehrte Frau Dr. Muster"


def test_non_academic_title_is_left_out_of_the_salutation():
    company = make_company()
    herr = Salutation.objects.create(name="Herr", letter_salutation="Sehr geehrter Herr")
    ing = Title.objects.create(name="Dipl.-Ing.", in_letter_salutation=False)
    person = make_person(company, salutation=herr, title=ing, last_name="Huber")
    assert person.letter_salutation == "Sehr geehrter Herr Huber"


def test_custom_letter_salutation_is_kept():
    company = make_company()
    person = make_person(company, letter_salutation="Liebe Erika", letter_salutation_custom=True)
    services.person_update(person=person, data={"last_name": "Neu"}, expected_version=None, by=None)
    person.refresh_from_db()
    assert person.letter_salutation == "Liebe Erika"


def test_without_salutation_the_letter_addresses_ladies_and_gentlemen():
    person = make_person(make_company())
    assert person.letter_salutation == "Sehr geehrte Damen und Herren"


def test_company_search_finds_its_people_in_any_umlaut_spelling():
    company = make_company(name="Beispiel AG")
    make_person(company, first_name="Jörg", last_name="Müller")
    assert list(Company.objects.search("Mueller")) == [company]
    assert list(Company.objects.search("MÜLLER")) == [company]
    assert list(Company.objects.search("joerg")) == [company]


def test_moving_a_person_takes_their_address_and_updates_both_searches():
    source = make_company(name="Quelle GmbH")
    target = make_company(name="Ziel GmbH")
    person = make_person(source, last_name="Wanderer")
    services.person_set_address(
        person=person,
        address={"street": "Weg 1", "postal_code": "80331", "city": "München", "country": "DE"},
        by=None,
    )
    services.person_move(person=person, to_company=target, by=None)
    person.refresh_from_db()
    assert person.company == target
    assert person.own_address_link().company == target
    assert list(Company.objects.search("wanderer")) == [target]


def test_archived_person_drops_out_of_the_company_search():
    company = make_company()
    person = make_person(company, last_name="Vergessen")
    services.person_archive(person=person, by=None)
    assert not Company.objects.search("vergessen").exists()


def test_address_change_moves_the_company_list_columns():
    company = make_company(address={"city": "Berlin", "postal_code": "10115"})
    address = company.contact_link().address
    services.address_update(
        address=address,
        data={"city": "Hamburg", "postal_code": "20095"},
        expected_version=None,
        by=None,
    )
    company.refresh_from_db()
    assert (company.city, company.postal_code) == ("Hamburg", "20095")


def test_contact_address_cannot_be_removed():
    company = make_company()
    with pytest.raises(ValidationError):
        services.company_address_remove(link=company.contact_link(), by=None)


def test_address_history_is_labelled_in_the_readers_language_not_the_writers():
    from django.utils import translation

    from merkur.companies.models import CompanyAddress
    from merkur.companies.services import address_change_label
    from tests.factories import address_data

    company = make_company()
    with translation.override("en"):
        services.company_address_add(
            company=company, kind=CompanyAddress.Kind.DELIVERY, address=address_data(), by=None
        )
    (key,) = history_of(company).first().changes
    with translation.override("de"):
        assert address_change_label(key) == "Lieferadresse"
    with translation.override("en"):
        assert address_change_label(key) == "Delivery address"


def test_person_cannot_be_moved_to_an_archived_company():
    person = make_person(make_company())
    archived = make_company()
    services.company_archive(company=archived, by=None)
    with pytest.raises(ValidationError) as error:
        services.person_move(person=person, to_company=archived, by=None)
    assert "company" in error.value.message_dict
