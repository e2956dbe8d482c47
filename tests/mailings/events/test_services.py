"""Events and members through the services: checks, history, one-statement adds."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merkur.core.audit import history_of
from merkur.core.locking import EditConflict
from merkur.mailings.events import services
from merkur.mailings.models import EventMember, MarketingEvent, MemberSource, MemberStatus
from merkur.selections.runs import freeze

pytestmark = pytest.mark.django_db

GERMANY_PEOPLE = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}
ALL_COMPANIES = {
    "version": 1,
    "target": "companies",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE", "AT"]},
}


def test_create_records_the_owner_and_history(event, marketing_user):
    assert event.owner == marketing_user
    assert event.version == 1
    assert [r.action for r in history_of(event)] == ["create"]


def test_end_before_start_is_refused(kind, marketing_user):
    with pytest.raises(ValidationError) as error:
        services.event_create(
            data={
                "name": "Seminar",
                "kind": kind,
                "starts_on": datetime.date(2026, 5, 4),
                "ends_on": datetime.date(2026, 5, 3),
            },
            by=marketing_user,
        )
    assert "ends_on" in error.value.message_dict


def test_blank_name_is_refused(kind, marketing_user):
    with pytest.raises(ValidationError) as error:
        services.event_create(
            data={"name": "  ", "kind": kind, "starts_on": datetime.date(2026, 5, 4)},
            by=marketing_user,
        )
    assert "name" in error.value.message_dict


def test_update_with_a_stale_version_is_a_conflict(event, marketing_user):
    services.event_update(
        event=event, data={"name": "Hausmesse"}, expected_version=1, by=marketing_user
    )
    with pytest.raises(EditConflict):
        services.event_update(
            event=event, data={"name": "Other"}, expected_version=1, by=marketing_user
        )
    event.refresh_from_db()
    assert event.name == "Hausmesse" and event.version == 2


def test_delete_removes_the_members(event, world, marketing_user):
    services.member_add(event=event, company=world["berlin"], by=marketing_user)
    services.event_delete(event=event, by=marketing_user)
    assert not MarketingEvent.objects.exists()
    assert not EventMember.objects.exists()


def test_add_from_a_people_run_adds_people_and_skips_members(event, world, marketing_user):
    services.member_add(
        event=event, company=world["berlin"], person=world["anna"], by=marketing_user
    )
    run = freeze(GERMANY_PEOPLE, by=marketing_user)
    result = services.members_add_from_run(
        event=event, run=run, status=MemberStatus.INVITED, by=marketing_user
    )
    assert result == services.AddResult(added=1, skipped=1)
    bert = EventMember.objects.get(event=event, person=world["bert"])
    assert bert.status == MemberStatus.INVITED
    assert bert.source == MemberSource.RUN and bert.run == run
    assert bert.company == world["berlin"] and bert.added_by == marketing_user
    assert bert.address_id == run.members.get(person=world["bert"]).address_id
    again = services.members_add_from_run(event=event, run=run, by=marketing_user)
    assert again == services.AddResult(added=0, skipped=2)


def test_add_from_a_company_run_adds_company_members(event, world, marketing_user):
    services.member_add(
        event=event, company=world["berlin"], person=world["anna"], by=marketing_user
    )
    run = freeze(ALL_COMPANIES, by=marketing_user)
    result = services.members_add_from_run(event=event, run=run, by=marketing_user)
    # A person member of Berlin does not make Berlin itself a member.
    assert result.added == 2
    companies = EventMember.objects.filter(event=event, person__isnull=True)
    assert set(companies.values_list("company", flat=True)) == {
        world["berlin"].pk,
        world["wien"].pk,
    }


def test_add_from_run_skips_records_deleted_since(event, world, marketing_user):
    run = freeze(ALL_COMPANIES, by=marketing_user)
    world["wien"].people.all().delete()
    world["wien"].delete()
    result = services.members_add_from_run(event=event, run=run, by=marketing_user)
    assert result == services.AddResult(added=1, skipped=1)


def test_add_from_run_is_one_insert_whatever_the_size(event, world, marketing_user):
    run = freeze(GERMANY_PEOPLE, by=marketing_user)
    with CaptureQueriesContext(connection) as queries:
        services.members_add_from_run(event=event, run=run, by=marketing_user)
    inserts = [q["sql"] for q in queries if "INSERT" in q["sql"] and "eventmember" in q["sql"]]
    assert len(inserts) == 1 and "SELECT" in inserts[0]


def test_add_by_hand_twice_is_refused(event, world, marketing_user):
    services.member_add(event=event, company=world["berlin"], by=marketing_user)
    with pytest.raises(ValidationError) as error:
        services.member_add(event=event, company=world["berlin"], by=marketing_user)
    assert "company" in error.value.message_dict
    # The same company with a person is a different member.
    services.member_add(
        event=event, company=world["berlin"], person=world["anna"], by=marketing_user
    )
    assert event.members.count() == 2


def test_add_by_hand_takes_the_contact_address(event, world, marketing_user):
    member = services.member_add(event=event, company=world["wien"], by=marketing_user)
    assert member.address_id == world["wien"].contact_link().address_id
    assert member.source == MemberSource.MANUAL


def test_person_of_another_company_is_refused(event, world, marketing_user):
    with pytest.raises(ValidationError) as error:
        services.member_add(
            event=event, company=world["berlin"], person=world["carl"], by=marketing_user
        )
    assert "person" in error.value.message_dict


def test_unknown_status_is_refused(event, world, marketing_user):
    with pytest.raises(ValidationError) as error:
        services.member_add(event=event, company=world["berlin"], status="maybe", by=marketing_user)
    assert "status" in error.value.message_dict


def test_status_change_of_many_counts_only_real_changes(event, world, marketing_user):
    a = services.member_add(event=event, company=world["berlin"], by=marketing_user)
    b = services.member_add(
        event=event, company=world["wien"], status=MemberStatus.ATTENDED, by=marketing_user
    )
    changed = services.members_set_status(
        event=event, members=[a.pk, b.pk], status=MemberStatus.ATTENDED, by=marketing_user
    )
    assert changed == 1
    a.refresh_from_db()
    assert a.status == MemberStatus.ATTENDED and a.status_changed_at >= a.added_at


def test_members_of_another_event_are_not_touched(event, kind, world, marketing_user):
    other = services.event_create(
        data={"name": "Seminar", "kind": kind, "starts_on": datetime.date(2026, 6, 1)},
        by=marketing_user,
    )
    foreign = services.member_add(event=other, company=world["berlin"], by=marketing_user)
    assert services.members_remove(event=event, members=[foreign.pk], by=marketing_user) == 0
    assert (
        services.members_set_status(
            event=event, members=[foreign.pk], status="cancelled", by=marketing_user
        )
        == 0
    )
    assert EventMember.objects.filter(pk=foreign.pk, status="planned").exists()


def test_remove_members(event, world, marketing_user):
    a = services.member_add(event=event, company=world["berlin"], by=marketing_user)
    services.member_add(event=event, company=world["wien"], by=marketing_user)
    assert services.members_remove(event=event, members=[a.pk], by=marketing_user) == 1
    assert list(event.members.values_list("company", flat=True)) == [world["wien"].pk]


def test_add_members_for_the_import_skips_duplicates(event, world, marketing_user):
    pairs = [
        (world["berlin"].pk, None),
        (world["berlin"].pk, world["anna"].pk),
        (world["berlin"].pk, None),
    ]
    added = services.add_members(event, pairs, MemberStatus.REGISTERED, MemberSource.IMPORT)
    assert added == 2
    assert set(event.members.values_list("status", "source")) == {("registered", "import")}
