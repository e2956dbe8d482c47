"""What rows an export reads and what its columns hold: list filters as the pages take
them, selections and runs with their rules, attributes as of a day, few queries."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merkur.selections.runs import freeze
from merkur.selections.services import selection_save
from merkur.transfer.export import catalog, runner
from tests.factories import make_company, make_person
from tests.transfer.export.conftest import DAY, run_export

pytestmark = pytest.mark.django_db

PEOPLE_IN_GERMANY = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}


def rows(data: bytes) -> list[dict]:
    return json.loads(data)


def test_company_filters_are_the_list_pages(world, export_bytes):
    found = rows(export_bytes(format="json", columns=["company.number"], params={"country": "AT"}))
    assert found == [{"company.number": "K-200"}]
    industry = world["mueller"].industries.get(name="Datenbanksoftware")
    found = rows(
        export_bytes(format="json", columns=["company.number"], params={"industry": [industry.pk]})
    )
    assert found == [{"company.number": "K-100"}]
    found = rows(
        export_bytes(
            format="json",
            columns=["company.number"],
            params={"postal_code": "66", "sort": "-number"},
        )
    )
    assert found == [{"company.number": "K-100"}]


def test_bad_or_unknown_filters_are_refused_not_ignored(world, admin_user):
    with pytest.raises(ValidationError) as error:
        runner.prepare(source="companies", params={"colour": "red"}, options={}, user=admin_user)
    assert "colour" in error.value.message_dict["filters"][0]
    with pytest.raises(ValidationError) as error:
        runner.prepare(source="companies", params={"country": "XX"}, options={}, user=admin_user)
    assert error.value.message_dict["filters"]


def test_people_rows_have_person_company_and_own_address(world, export_bytes):
    columns = [
        "person.recipient_line",
        "person.functions",
        "company.name",
        "address.street",
        "contact.street",
        "own.street",
        "person.letter_salutation",
    ]
    found = rows(export_bytes(source="people", format="json", columns=columns, sort="name"))
    huber, erika = found
    assert erika["person.recipient_line"] == "Frau Dr. Erika Mustermann"
    assert erika["person.functions"] == ["Einkäufer"]
    assert erika["address.street"] == "Hauptstraße 12"
    assert erika["own.street"] is None
    assert erika["person.letter_salutation"] == "Sehr geehrte Frau Dr. Mustermann"
    assert huber["address.street"] == "Gasse 5"  # own address first
    assert huber["contact.street"] == "Ring 1"


def test_addresses_by_kind_and_the_chosen_address_of_companies(world, export_bytes):
    columns = ["company.number", "address.street", "billing.street", "delivery.street"]
    found = rows(export_bytes(format="json", columns=columns, sort="number"))
    assert found[0] == {
        "company.number": "K-100",
        "address.street": "Hauptstraße 12",
        "billing.street": "Postweg 1",
        "delivery.street": None,
    }
    billing = rows(export_bytes(format="json", columns=columns, sort="number", address="billing"))
    assert billing[0]["address.street"] == "Postweg 1"
    assert billing[1]["address.street"] == "Ring 1"  # no billing address: the contact address


def test_attributes_as_of_the_export_day_or_their_own(world, export_bytes):
    columns = ["company.attr.lizenzen", "company.attr.lizenzen@2021-01-01", "company.attr.farbe"]
    found = rows(export_bytes(format="json", columns=columns, sort="number", as_of=DAY.isoformat()))
    assert found[0] == {
        "company.attr.lizenzen": 8,
        "company.attr.lizenzen@2021-01-01": 5,
        "company.attr.farbe": ["Rot", "Blau"],
    }
    before = rows(
        export_bytes(format="json", columns=columns[:1], sort="number", as_of="2019-01-01")
    )
    assert before[0] == {"company.attr.lizenzen": None}
    people = rows(
        export_bytes(
            source="people", format="json", columns=["person.attr.newsletter"], sort="name"
        )
    )
    assert people == [{"person.attr.newsletter": None}, {"person.attr.newsletter": True}]


def test_link_attributes_name_the_record(world, export_bytes, admin_user):
    from merkur.attributes import services as attribute_services
    from tests.factories import make_attribute

    partner = make_attribute("partner", "link", link_kind="company")
    attribute_services.value_set(
        definition=partner,
        record=world["wien"],
        value=world["mueller"].pk,
        valid_from=datetime.date(2020, 1, 1),
        by=admin_user,
    )
    found = rows(export_bytes(format="json", columns=["company.attr.partner"], sort="number"))
    assert found[1]["company.attr.partner"] == f"Müller & Söhne GmbH (#{world['mueller'].pk})"


def test_unknown_and_unfitting_columns_are_named(world, admin_user):
    with pytest.raises(ValidationError) as error:
        runner.prepare(
            source="companies",
            params={},
            options={
                "columns": [
                    "company.nmae",
                    "person.email",
                    "company.attr.nope",
                    "company.attr.lizenzen@2024-13-45",
                ],
                "header": "en",  # the messages are in the export's language
            },
            user=admin_user,
        )
    messages = error.value.message_dict["columns"]
    assert len(messages) == 4
    assert "person.email" in messages[1] and "companies only" in messages[1]


def test_the_catalog_has_labels_in_both_languages(world):
    keys = {column.key: column for column in catalog.catalog("people")}
    assert keys["person.email"].label("de") == "E-Mail"
    assert keys["person.email"].label("en") == "E-mail"
    assert keys["company.attr.lizenzen"].label("en") == "Licences"
    assert "person.attr.newsletter" in keys
    assert "person.email" not in {column.key for column in catalog.catalog("companies")}


def test_queries_do_not_grow_with_the_rows(world, admin_user):
    columns = [
        column.key
        for column in catalog.catalog("people")
        if column.key not in ("company.revenue", "company.abc_class")
    ]

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            run_export(admin_user, source="people", format="csv", columns=columns)
        return len(queries)

    few = count_queries()
    for number in range(30):
        company = make_company(name=f"Firma {number}")
        make_person(company, first_name="Max", last_name=f"Muster {number}")
    assert count_queries() == few


def test_selection_is_compiled_now_and_leaves_out_who_objected(world, export_bytes, sales_user):
    from django.utils import timezone

    selection = selection_save(
        data={"name": "Deutschland", "definition": PEOPLE_IN_GERMANY, "shared": True},
        by=sales_user,
    )
    found = rows(
        export_bytes(
            source="selection",
            params={"selection": selection.pk},
            format="json",
            columns=["person.last_name"],
        )
    )
    assert found == [{"person.last_name": "Mustermann"}]
    erika = world["erika"]
    erika.marketing_opt_out_at = timezone.now()
    erika.save()
    by_name = rows(
        export_bytes(
            source="selection",
            params={"selection": "deutschland"},
            format="json",
            columns=["person.last_name"],
        )
    )
    assert by_name == []
    kept = rows(
        export_bytes(
            source="selection",
            params={"selection": selection.pk},
            format="json",
            columns=["person.last_name"],
            skip_opted_out=False,
        )
    )
    assert kept == [{"person.last_name": "Mustermann"}]


def test_private_selections_of_colleagues_stay_private(world, sales_user, marketing_user):
    selection = selection_save(
        data={"name": "Geheim", "definition": PEOPLE_IN_GERMANY}, by=sales_user
    )
    with pytest.raises(ValidationError) as error:
        runner.prepare(
            source="selection", params={"selection": selection.pk}, options={}, user=marketing_user
        )
    assert "selection" in error.value.message_dict


def test_run_members_keep_the_address_frozen_with_them(world, export_bytes, admin_user):
    from merkur.companies import services

    run = freeze(PEOPLE_IN_GERMANY, by=admin_user)
    address = world["mueller"].contact_link().address
    services.address_update(
        address=address, data={"street": "Neue Straße 1"}, expected_version=None, by=admin_user
    )
    found = rows(
        export_bytes(
            source="run",
            params={"run": run.pk},
            format="json",
            columns=["person.last_name", "address.street", "address.city"],
        )
    )
    # The member keeps its address record; the record's current text is exported.
    assert found == [
        {
            "person.last_name": "Mustermann",
            "address.street": "Neue Straße 1",
            "address.city": "Saarbrücken",
        }
    ]


def test_runs_of_others_are_not_found(world, admin_user, readonly_user):
    run = freeze(PEOPLE_IN_GERMANY, by=admin_user)
    with pytest.raises(ValidationError):
        runner.prepare(source="run", params={"run": run.pk}, options={}, user=readonly_user)
    with pytest.raises(ValidationError):
        runner.prepare(source="run", params={"run": "x"}, options={}, user=admin_user)


def test_users_without_a_role_may_not_export(world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    with pytest.raises(PermissionDenied):
        runner.prepare(source="companies", params={}, options={}, user=nobody)


def test_unknown_source(world, admin_user):
    with pytest.raises(ValidationError) as error:
        runner.prepare(source="planets", params={}, options={}, user=admin_user)
    assert "source" in error.value.message_dict


def test_another_app_can_register_a_source(world, admin_user):
    from merkur.companies.models import Person
    from merkur.transfer.export import sources
    from merkur.transfer.export.reading import Scope

    class Muellers(sources.Source):
        key = "muellers"
        label = "Müllers"

        def scope(self, params, *, user, options):
            people = Person.objects.filter(company__name__startswith="Müller").order_by("pk")
            return Scope(people, "people", "company__", "", "person", title="Müllers")

    sources.register(Muellers())
    try:
        found = rows(
            run_export(admin_user, source="muellers", format="json", columns=["person.last_name"])
        )
    finally:
        sources._SOURCES.pop("muellers")
    assert found == [{"person.last_name": "Mustermann"}]


def test_revenue_and_abc_class_without_documents_are_empty(world, export_bytes):
    found = rows(
        export_bytes(
            format="json",
            columns=["company.revenue", "company.abc_class"],
            year=2024,
            sort="number",
        )
    )
    assert found == [{"company.revenue": None, "company.abc_class": None}] * 2
