"""The forms behind the people pages."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from merkur.companies.forms import OwnAddressForm, PersonEditForm, PersonForm, PersonMoveForm
from merkur.companies.models import Salutation
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def test_person_form_drops_the_letter_salutation_unless_custom():
    form = PersonForm(QueryDict("last_name=Berger&language=de&letter_salutation=Hallo"))
    assert form.is_valid(), form.errors
    assert form.person_data()["letter_salutation"] == ""


def test_person_form_offers_inactive_salutation_already_on_the_person():
    frau = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    person = make_person(make_company(), salutation=frau)
    frau.is_active = False
    frau.save()
    assert frau in PersonEditForm(person=person).fields["salutation"].queryset
    assert frau not in PersonForm().fields["salutation"].queryset


def test_newly_ticked_consent_is_stamped_now():
    form = PersonForm(QueryDict("last_name=B&language=de&marketing_consent=on"))
    assert form.is_valid()
    stamp = form.person_data()["marketing_consent_at"]
    assert timezone.now() - stamp < datetime.timedelta(minutes=1)


def test_unticked_own_address_means_no_address():
    form = OwnAddressForm(QueryDict("own-city=Bonn&own-country=DE"), prefix="own")
    assert form.is_valid()
    assert form.address_data() is None


def test_own_address_form_starts_unticked_for_a_person_without_one():
    assert OwnAddressForm(prefix="own")["has_address"].value() is False


def test_move_form_refuses_an_unknown_company():
    person = make_person(make_company())
    form = PersonMoveForm(QueryDict("to_company=987654"), person=person)
    assert not form.is_valid() and "to_company" in form.errors
