"""Rules of the attribute master: type changes, deletion, link kinds, min/max, multi-choice."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from merkur.attributes import services
from merkur.attributes.models import AttributeDefinition, AttributeValue
from tests.factories import make_attribute, make_company

pytestmark = pytest.mark.django_db


def _update(definition, **data):
    return services.definition_update(
        definition=definition, data=data, expected_version=None, by=None
    )


def _errors(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict if hasattr(caught.value, "error_dict") else {
        "__all__": caught.value.messages
    }  # fmt: skip


def _give_value(definition, value=5):
    services.value_set(
        definition=definition, record=make_company(), value=value,
        valid_from=datetime.date(2025, 1, 1), by=None,
    )  # fmt: skip


def test_type_may_change_while_there_are_no_values():
    definition = make_attribute(type="integer")
    changed = _update(definition, type="decimal", unit="EUR")
    assert changed.type == "decimal" and changed.version == definition.version + 1


def test_type_change_is_refused_once_values_exist():
    definition = make_attribute(type="integer")
    _give_value(definition)
    errors = _errors(_update, definition, type="text")
    assert "type" in errors
    definition.refresh_from_db()
    assert definition.type == "integer"


def test_single_to_multi_valued_is_refused_once_values_exist():
    definition = make_attribute(type="integer")
    _give_value(definition)
    assert "type" in _errors(_update, definition, multi_valued=True)


def test_label_and_other_details_may_change_with_values():
    definition = make_attribute(type="integer")
    _give_value(definition)
    changed = _update(definition, label="Lizenzen gesamt", unit="Stück", is_active=False)
    assert (changed.label, changed.unit, changed.is_active) == ("Lizenzen gesamt", "Stück", False)
    assert AttributeValue.objects.filter(definition=definition).count() == 1  # history kept


def test_delete_is_refused_while_in_use_and_allowed_otherwise():
    used, unused = make_attribute(code="used"), make_attribute(code="unused")
    _give_value(used)
    errors = _errors(services.definition_delete, definition=used, by=None)
    assert errors["__all__"]
    assert AttributeDefinition.objects.filter(pk=used.pk).exists()
    services.definition_delete(definition=unused, by=None)
    assert not AttributeDefinition.objects.filter(pk=unused.pk).exists()


@pytest.mark.parametrize("link_kind", ["", "spaceship"])
def test_link_type_needs_a_known_link_kind(link_kind):
    errors = _errors(make_attribute, code="betreuer", type="link", link_kind=link_kind)
    assert "link_kind" in errors


def test_link_kind_is_dropped_for_other_types():
    definition = make_attribute(code="zahl", type="integer", link_kind="company")
    assert definition.link_kind == ""


def test_changing_a_link_kind_once_values_exist_is_refused():
    definition = make_attribute(code="partner", type="link", link_kind="company")
    _give_value(definition, make_company().pk)
    assert "type" in _errors(_update, definition, link_kind="person")


def test_minimum_above_maximum_is_refused():
    errors = _errors(make_attribute, min_value=Decimal(10), max_value=Decimal(5))
    assert "max_value" in errors
    definition = make_attribute(code="ok", min_value=Decimal(5), max_value=Decimal(5))
    assert "max_value" in _errors(_update, definition, min_value=Decimal(6))


def test_multi_choice_is_always_multi_valued():
    topics = make_attribute(code="themen", type="multi_choice", multi_valued=False,
                            choices=["CRM", "ERP"])  # fmt: skip
    assert topics.multi_valued
    plain = make_attribute(code="status", type="choice", choices=["A"])
    assert not plain.multi_valued
    assert _update(plain, type="multi_choice").multi_valued


def test_an_attribute_applies_to_companies_or_people():
    errors = _errors(make_attribute, code="nirgends", for_companies=False, for_people=False)
    assert "for_companies" in errors


def test_codes_are_unique():
    make_attribute(code="lizenzen")
    assert "code" in _errors(make_attribute, code="lizenzen")


def test_choices_are_unique_per_attribute_and_only_for_choice_types():
    status = make_attribute(code="status", type="choice", choices=["Neukunde"])
    assert "label" in _errors(services.choice_add, definition=status, label="neukunde", by=None)
    number = make_attribute(code="zahl", type="integer")
    assert _errors(services.choice_add, definition=number, label="x", by=None)
