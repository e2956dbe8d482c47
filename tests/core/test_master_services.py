"""The master-data services the pages (and the API) write through."""

import pytest
from django.core.exceptions import ValidationError

from merkur.companies.models import Function, Industry, Salutation, Title
from merkur.core.audit import history_of
from merkur.core.masterdata import (
    check_unique_name,
    master_create,
    master_move,
    master_set_active,
    master_update,
    tables,
    usage_count,
    with_usage,
)
from merkur.core.models import ChangeRecord
from tests.factories import make_company, make_industry, make_person

pytestmark = pytest.mark.django_db


def _names(model) -> list[str]:
    return list(model.objects.order_by("sort_order", "name", "pk").values_list("name", flat=True))


def test_new_entry_goes_to_the_end_of_the_list(admin_user):
    Industry.objects.create(name="Zement", sort_order=5)
    Industry.objects.create(name="Anlagenbau", sort_order=70)
    master_create(model=Industry, data={"name": "Bergbau"}, by=admin_user)
    assert _names(Industry) == ["Zement", "Anlagenbau", "Bergbau"]


def test_create_records_the_new_entry_in_the_history(admin_user):
    entry = master_create(model=Industry, data={"name": "Bergbau"}, by=admin_user)
    record = history_of(entry).get()
    assert record.action == ChangeRecord.Action.CREATE
    assert record.changes["name"] == [None, "Bergbau"]
    assert record.user == admin_user


def test_duplicate_name_differing_only_in_case_is_a_field_error_on_name(admin_user):
    make_industry("Maschinenbau")
    with pytest.raises(ValidationError) as caught:
        master_create(model=Industry, data={"name": "MASCHINENBAU"}, by=admin_user)
    assert caught.value.error_dict["name"][0].code == "unique"
    assert Industry.objects.count() == 1


def test_an_entry_may_keep_its_own_name_in_other_case(admin_user):
    entry = make_industry("Maschinenbau")
    master_update(entry=entry, data={"name": "MASCHINENBAU"}, by=admin_user)
    entry.refresh_from_db()
    assert entry.name == "MASCHINENBAU"


def test_same_name_in_another_table_is_allowed():
    make_industry("Vertrieb")
    check_unique_name(Function(name="Vertrieb"))  # no error


def test_rename_records_old_and_new_name(admin_user):
    entry = make_industry("Maschinenbau")
    master_update(entry=entry, data={"name": "Anlagenbau"}, by=admin_user)
    record = history_of(entry).get()
    assert record.action == ChangeRecord.Action.UPDATE
    assert record.changes == {"name": ["Maschinenbau", "Anlagenbau"]}


def test_saving_unchanged_values_records_nothing(admin_user):
    entry = make_industry("Maschinenbau")
    master_update(entry=entry, data={"name": "Maschinenbau"}, by=admin_user)
    assert not history_of(entry).exists()


def test_update_compares_with_the_stored_row_not_the_callers_object(admin_user):
    entry = make_industry("Maschinenbau")
    entry.name = "Anlagenbau"  # as a ModelForm leaves its instance after validating
    master_update(entry=entry, data={"name": "Anlagenbau"}, by=admin_user)
    assert history_of(entry).get().changes == {"name": ["Maschinenbau", "Anlagenbau"]}


def test_missing_required_extra_field_is_a_field_error(admin_user):
    with pytest.raises(ValidationError) as caught:
        master_create(model=Salutation, data={"name": "Frau", "letter_salutation": ""}, by=None)
    assert "letter_salutation" in caught.value.error_dict


def test_deactivating_records_the_change(admin_user):
    entry = make_industry("Maschinenbau")
    master_set_active(entry=entry, active=False, by=admin_user)
    entry.refresh_from_db()
    assert entry.is_active is False
    assert history_of(entry).get().changes == {"is_active": [True, False]}


def test_setting_the_state_an_entry_already_has_records_nothing(admin_user):
    entry = make_industry("Maschinenbau")
    master_set_active(entry=entry, active=True, by=admin_user)
    assert not history_of(entry).exists()


def test_move_up_swaps_with_the_entry_above():
    first = Industry.objects.create(name="A", sort_order=10)
    second = Industry.objects.create(name="B", sort_order=20)
    Industry.objects.create(name="C", sort_order=30)
    assert master_move(entry=second, direction="up") is True
    assert _names(Industry) == ["B", "A", "C"]
    first.refresh_from_db()
    assert first.sort_order == 20


def test_move_works_when_all_entries_share_one_sort_order():
    for name in ("A", "B", "C"):
        Industry.objects.create(name=name)  # sort_order 0 for all, shown by name
    master_move(entry=Industry.objects.get(name="C"), direction="up")
    assert _names(Industry) == ["A", "C", "B"]


def test_moving_the_last_entry_down_changes_nothing():
    Industry.objects.create(name="A", sort_order=10)
    last = Industry.objects.create(name="B", sort_order=20)
    assert master_move(entry=last, direction="down") is False
    assert _names(Industry) == ["A", "B"]


def test_move_rejects_an_unknown_direction():
    entry = make_industry()
    with pytest.raises(ValueError):
        master_move(entry=entry, direction="sideways")


def test_usage_annotation_equals_usage_count_for_every_relation_kind(
    admin_user, django_assert_num_queries
):
    used = make_industry("Maschinenbau")
    unused = make_industry("Bergbau")
    company = make_company(industries=[used])
    make_company(industries=[used])
    salutation = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    title = Title.objects.create(name="Dr.")
    function = Function.objects.create(name="Einkauf")
    make_person(company, salutation=salutation, title=title, functions=[function])
    make_person(company, salutation=salutation)

    for entry in (used, unused, salutation, title, function):
        with django_assert_num_queries(1):
            annotated = with_usage(type(entry).objects.filter(pk=entry.pk)).get()
        assert annotated.usage == usage_count(entry)
    assert (used.pk, 2) in [(e.pk, e.usage) for e in with_usage(Industry.objects.all())]
    assert with_usage(Salutation.objects.all()).get().usage == 2


def test_every_registered_table_can_be_annotated_with_its_usage():
    for master in tables():
        list(with_usage(master.model.objects.all()))  # builds valid SQL on this database


def test_moving_an_entry_deleted_meanwhile_says_it_does_not_exist():
    entry = make_industry()
    Industry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(Industry.DoesNotExist):
        master_move(entry=entry, direction="up")
