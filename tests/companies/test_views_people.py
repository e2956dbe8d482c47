"""People pages: list, person page, create, edit (with conflicts), move, archive."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from merkur.companies import services
from merkur.companies.models import Function, Person, PersonCode, Salutation, Title
from merkur.core.models import ChangeRecord
from tests.factories import address_data, make_company, make_person

pytestmark = pytest.mark.django_db
PEOPLE = reverse("companies:people")


def person_names(response) -> list[str]:
    html = response.content.decode()
    body = html[html.index('id="person-list"') :]
    return re.findall(r'<a href="/companies/people/\d+/">([^<]+)</a>', body)


def person_post(**overrides) -> dict:
    data = {
        "first_name": "Anna",
        "last_name": "Berger",
        "letter_salutation": "",
        "department": "",
        "language": "de",
        "email": "anna.berger@example.de",
        "phone": "",
        "mobile": "",
        "notes": "",
        "own-country": "DE",
    }
    data.update(overrides)
    return data


def edit_post(person: Person, **overrides) -> dict:
    person.refresh_from_db()
    data = person_post(
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        version=person.version,
    )
    if person.marketing_consent_at:
        data["marketing_consent"] = "on"
    data.update(overrides)
    return data


# --- the list ---------------------------------------------------------------------------


@pytest.fixture
def staff():
    buyer = Function.objects.create(name="Einkäufer")
    vip = PersonCode.objects.create(name="VIP")
    north = make_company(name="Nord AG", address={"postal_code": "20095", "city": "Hamburg"})
    south = make_company(
        name="Süd AG", address={"postal_code": "8001", "city": "Zürich", "country": "CH"}
    )
    make_person(north, first_name="Karl", last_name="Müller", functions=[buyer])
    make_person(
        north, first_name="Olga", last_name="Ostermann", marketing_opt_out_at=timezone.now()
    )
    make_person(south, first_name="Susi", last_name="Sommer", person_codes=[vip])
    gone = make_person(south, first_name="Xaver", last_name="Xander")
    services.person_archive(person=gone, by=None)
    return {"buyer": buyer, "vip": vip, "north": north, "south": south}


PERSON_FILTERS = [
    ("", ["Müller, Karl", "Ostermann, Olga", "Sommer, Susi"]),
    ("q=mueller", ["Müller, Karl"]),
    ("company={north}", ["Müller, Karl", "Ostermann, Olga"]),
    ("function={buyer}", ["Müller, Karl"]),
    ("person_code={vip}", ["Sommer, Susi"]),
    ("country=CH", ["Sommer, Susi"]),
    ("postal_code=200", ["Müller, Karl", "Ostermann, Olga"]),
    ("city=zür", ["Sommer, Susi"]),
    ("opted_out=yes", ["Ostermann, Olga"]),
    ("opted_out=no", ["Müller, Karl", "Sommer, Susi"]),
    ("archived=only", ["Xander, Xaver"]),
    ("sort=-name", ["Sommer, Susi", "Ostermann, Olga", "Müller, Karl"]),
]


@pytest.mark.parametrize(("query", "expected"), PERSON_FILTERS)
def test_each_people_filter_narrows_the_list(admin_client, staff, query, expected):
    ids = {key: entry.pk for key, entry in staff.items()}
    response = admin_client.get(f"{PEOPLE}?{query.format(**ids)}")
    assert response.status_code == 200
    assert person_names(response) == expected


@pytest.mark.parametrize(
    "params",
    [{"company": "abc"}, {"company": "999999"}, {"function": "x"}, {"opted_out": "maybe"}],
)
def test_bad_people_filter_shows_an_error_and_still_lists(admin_client, staff, params):
    response = admin_client.get(PEOPLE, params)
    assert response.status_code == 200
    assert 'id="filter-errors"' in response.content.decode()
    assert len(person_names(response)) == 3


def test_people_list_pages_by_keyset(admin_client):
    company = make_company()
    for i in range(53):
        make_person(company, first_name="P", last_name=f"Person {i:02d}")
    first = admin_client.get(PEOPLE)
    assert len(person_names(first)) == 50
    next_url = re.search(r'rel="next" href="([^"]+)"', first.content.decode()).group(1)
    second = admin_client.get(next_url.replace("&amp;", "&"))
    assert person_names(second) == [f"Person {i:02d}, P" for i in range(50, 53)]


def test_people_list_htmx_request_gets_the_fragment(admin_client, staff):
    response = admin_client.get(PEOPLE, {"q": "sommer"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert person_names(response) == ["Sommer, Susi"]


def test_people_list_invalid_cursor_starts_over(admin_client, staff):
    response = admin_client.get(PEOPLE, {"cursor": "%%%"})
    assert response.status_code == 200
    assert 'id="list-notice"' in response.content.decode()


# --- the person page --------------------------------------------------------------------


def test_person_page_shows_company_address_and_history(admin_client, admin_user):
    company = make_company(name="Heim AG")
    person = make_person(company, by=admin_user, first_name="Paula", last_name="Probst")
    services.person_set_address(
        person=person, address=address_data(city="Bonn", postal_code="53111"), by=admin_user
    )
    services.person_update(
        person=person, data={"department": "Einkauf"}, expected_version=1, by=admin_user
    )
    html = admin_client.get(person.get_absolute_url()).content.decode()
    assert company.get_absolute_url() in html
    block = html[html.index('id="own-address"') :].split("</address>")[0]
    assert "Paula Probst" in block and "53111" in block
    assert "Einkauf" in html[html.index('id="history"') :]


# --- creating and editing ---------------------------------------------------------------


def test_create_person_generates_the_letter_salutation(sales_client):
    company = make_company()
    frau = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    doctor = Title.objects.create(name="Dr.")
    url = reverse("companies:person_create", args=[company.pk])
    response = sales_client.post(url, person_post(salutation=frau.pk, title=doctor.pk))
    assert response.status_code == 302
    person = company.people.get()
    assert person.letter_salutation == "Sehr geehrte Frau Dr. Berger"
    assert not person.letter_salutation_custom


def test_create_person_keeps_a_custom_letter_salutation(sales_client):
    company = make_company()
    url = reverse("companies:person_create", args=[company.pk])
    sales_client.post(
        url,
        person_post(letter_salutation="Liebe Anna", letter_salutation_custom="on"),
    )
    assert company.people.get().letter_salutation == "Liebe Anna"


def test_letter_salutation_is_ignored_without_the_custom_box(sales_client):
    company = make_company()
    url = reverse("companies:person_create", args=[company.pk])
    sales_client.post(url, person_post(letter_salutation="Hallo"))
    assert company.people.get().letter_salutation == "Sehr geehrte Damen und Herren"


def test_create_person_with_own_address(sales_client):
    company = make_company()
    url = reverse("companies:person_create", args=[company.pk])
    data = person_post(
        **{
            "own-has_address": "on",
            "own-street": "Gartenweg 3",
            "own-postal_code": "53111",
            "own-city": "Bonn",
        }
    )
    assert sales_client.post(url, data).status_code == 302
    assert company.people.get().own_address_link().address.city == "Bonn"


def test_bad_own_address_creates_no_person(sales_client):
    company = make_company()
    url = reverse("companies:person_create", args=[company.pk])
    data = person_post(**{"own-has_address": "on", "own-postal_code": "1", "own-city": "Bonn"})
    response = sales_client.post(url, data)
    assert response.status_code == 200
    assert "postal_code" in response.context["address_form"].errors
    assert not company.people.exists()


def test_own_address_needs_a_city_when_ticked(sales_client):
    company = make_company()
    url = reverse("companies:person_create", args=[company.pk])
    response = sales_client.post(url, person_post(**{"own-has_address": "on"}))
    assert "city" in response.context["address_form"].errors


@pytest.mark.parametrize(
    ("field", "value"), [("email", "not-an-email"), ("phone", "12"), ("last_name", "")]
)
def test_bad_person_input_shows_a_field_error(sales_client, field, value):
    company = make_company()
    url = reverse("companies:person_create", args=[company.pk])
    response = sales_client.post(url, person_post(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not company.people.exists()


def test_phone_is_stored_in_international_format(sales_client):
    company = make_company()
    url = reverse("companies:person_create", args=[company.pk])
    sales_client.post(url, person_post(phone="089 1234567"))
    assert company.people.get().phone == "+49 89 1234567"


def test_ticking_consent_records_the_time_and_unticking_clears_it(sales_client):
    person = make_person(make_company())
    url = reverse("companies:person_edit", args=[person.pk])
    sales_client.post(url, edit_post(person, marketing_consent="on"))
    person.refresh_from_db()
    assert person.marketing_consent_at is not None
    data = edit_post(person)
    del data["marketing_consent"]
    sales_client.post(url, data)
    person.refresh_from_db()
    assert person.marketing_consent_at is None


def test_consent_keeps_its_original_date_on_later_edits(sales_client):
    since = timezone.now() - datetime.timedelta(days=100)
    person = make_person(make_company(), marketing_consent_at=since)
    url = reverse("companies:person_edit", args=[person.pk])
    sales_client.post(url, edit_post(person, department="Verkauf"))
    person.refresh_from_db()
    assert person.marketing_consent_at == since and person.department == "Verkauf"


def test_opt_out_box_records_the_objection(sales_client):
    person = make_person(make_company())
    url = reverse("companies:person_edit", args=[person.pk])
    sales_client.post(url, edit_post(person, marketing_opt_out="on"))
    person.refresh_from_db()
    assert person.is_opted_out


def test_edit_person_saves_and_records_the_change(sales_client, sales_user):
    person = make_person(make_company(), last_name="Alt")
    url = reverse("companies:person_edit", args=[person.pk])
    assert sales_client.post(url, edit_post(person, last_name="Neu")).status_code == 302
    person.refresh_from_db()
    assert person.last_name == "Neu"
    record = ChangeRecord.objects.get(object_id=person.pk, action="update")
    assert record.user == sales_user and record.changes["last_name"] == ["Alt", "Neu"]


def test_stale_person_edit_shows_the_conflict_and_does_not_overwrite(sales_client):
    person = make_person(make_company(), last_name="Start")
    stale = edit_post(person, last_name="Meins")
    services.person_update(person=person, data={"last_name": "Deins"}, expected_version=1, by=None)
    response = sales_client.post(reverse("companies:person_edit", args=[person.pk]), stale)
    assert response.status_code == 200
    assert 'id="edit-conflict"' in response.content.decode()
    person.refresh_from_db()
    assert person.last_name == "Deins"


def test_unticking_own_address_removes_it(sales_client):
    person = make_person(make_company())
    services.person_set_address(person=person, address=address_data(), by=None)
    url = reverse("companies:person_edit", args=[person.pk])
    data = edit_post(person)
    data.update({"own-street": "Hauptstrasse 1", "own-postal_code": "10115", "own-city": "Berlin"})
    sales_client.post(url, data)
    assert person.own_address_link() is None


# --- moving -----------------------------------------------------------------------------


def test_move_person_to_another_company(sales_client):
    source = make_company(name="Alt AG")
    target = make_company(name="Neu AG")
    person = make_person(source)
    services.person_set_address(person=person, address=address_data(), by=None)
    url = reverse("companies:person_move", args=[person.pk])
    response = sales_client.post(url, {"q": "neu", "to_company": target.pk})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.company == target
    assert person.own_address_link().company == target


def test_move_page_searches_companies_without_javascript(sales_client):
    person = make_person(make_company(name="Alt AG"))
    target = make_company(name="Ziel GmbH")
    url = reverse("companies:person_move", args=[person.pk])
    html = sales_client.get(url, {"q": "ziel"}).content.decode()
    assert f'name="to_company" value="{target.pk}"' in html


def test_move_page_does_not_offer_the_current_company(sales_client):
    person = make_person(make_company(name="Alt AG"))
    html = sales_client.get(
        reverse("companies:person_move", args=[person.pk]), {"q": "alt"}
    ).content.decode()
    assert 'name="to_company"' not in html


@pytest.mark.parametrize("target", ["", "abc", "999999", "same", "archived"])
def test_move_to_an_invalid_company_is_refused(sales_client, target):
    company = make_company()
    person = make_person(company)
    archived = make_company()
    services.company_archive(company=archived, by=None)
    value = {"same": company.pk, "archived": archived.pk}.get(target, target)
    url = reverse("companies:person_move", args=[person.pk])
    response = sales_client.post(url, {"to_company": value})
    assert response.status_code == 200
    assert "to_company" in response.context["form"].errors
    person.refresh_from_db()
    assert person.company == company


# --- archive and restore ----------------------------------------------------------------


def test_archive_and_restore_a_person(sales_client):
    person = make_person(make_company())
    sales_client.post(reverse("companies:person_archive", args=[person.pk]))
    person.refresh_from_db()
    assert person.is_archived
    sales_client.post(reverse("companies:person_restore", args=[person.pk]))
    person.refresh_from_db()
    assert not person.is_archived


def test_archived_person_leaves_the_company_page(sales_client):
    company = make_company()
    person = make_person(company)
    services.person_archive(person=person, by=None)
    html = sales_client.get(company.get_absolute_url()).content.decode()
    assert f'data-person="{person.pk}"' not in html


def test_person_page_shows_a_move_once(admin_client, admin_user):
    person = make_person(make_company(name="Alt AG"))
    services.person_move(person=person, to_company=make_company(name="Neu AG"), by=admin_user)
    html = admin_client.get(person.get_absolute_url()).content.decode()
    assert html[html.index('id="history"') :].count("Neu AG") == 1
