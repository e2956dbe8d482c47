"""Deputy resolution: whose follow-ups a user sees on a day, from the absences alone."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from merkur.core.roles import Role
from merkur.journal import deputies, queries, services
from merkur.journal.models import Contact
from tests.conftest import _user
from tests.factories import make_absence, make_company, make_contact

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def anna(db):
    return _user("anna", Role.SALES)


@pytest.fixture
def bert(db):
    return _user("bert", Role.SALES)


@pytest.fixture
def carla(db):
    return _user("carla", Role.SALES)


@pytest.fixture
def company(db):
    return make_company()


def follow_up(company, owner, *, due=None, **fields):
    due = due or timezone.now() - datetime.timedelta(hours=1)
    return make_contact(company, by=owner, follow_up_owner=owner, follow_up_due=due, **fields)


def seen_by(user, day=None) -> dict[int, bool]:
    """The open follow-ups ``user`` sees on ``day``: contact id → via deputy."""
    return {c.pk: c.via_deputy for c in queries.follow_ups_for(user, day=day).contacts}


def test_single_deputy_sees_the_absent_users_follow_ups(anna, bert, company):
    own = follow_up(company, anna)
    bert_own = follow_up(company, bert)
    today = deputies.today()
    assert seen_by(bert) == {bert_own.pk: False}

    make_absence(anna, bert, starts_on=today, ends_on=today + DAY)

    assert seen_by(bert) == {bert_own.pk: False, own.pk: True}
    resolution = deputies.handler_of(anna.pk)
    assert resolution.handler_id == bert.pk
    assert resolution.chain == (anna.pk, bert.pk)
    assert resolution.redirected
    found = queries.follow_ups_for(bert)
    assert found.redirected[anna.pk].chain == (anna.pk, bert.pk)
    assert found.cycles == []
    # The owner stays recorded on the contact.
    own.refresh_from_db()
    assert own.follow_up_owner == anna


def test_chain_goes_on_to_the_deputys_deputy(anna, bert, carla, company):
    anna_up = follow_up(company, anna)
    bert_up = follow_up(company, bert)
    today = deputies.today()
    make_absence(anna, bert, starts_on=today, ends_on=today)
    make_absence(bert, carla, starts_on=today, ends_on=today)

    assert seen_by(carla) == {anna_up.pk: True, bert_up.pk: True}
    assert deputies.handler_of(anna.pk).chain == (anna.pk, bert.pk, carla.pk)
    assert deputies.handler_of(bert.pk).chain == (bert.pk, carla.pk)
    # Bert is away himself: Anna's follow-ups pass him by.
    assert anna_up.pk not in seen_by(bert)
    assert queries.follow_ups_for(carla).redirected[anna.pk].chain == (
        anna.pk,
        bert.pk,
        carla.pk,
    )


def test_cycle_is_detected_and_the_follow_ups_stay_with_their_owners(anna, bert, company):
    anna_up = follow_up(company, anna)
    bert_up = follow_up(company, bert)
    today = deputies.today()
    make_absence(anna, bert, starts_on=today, ends_on=today)
    make_absence(bert, anna, starts_on=today, ends_on=today)

    resolution = deputies.handler_of(anna.pk)  # returns: no endless loop
    assert resolution.handler_id == anna.pk
    assert not resolution.redirected
    assert set(resolution.cycle) == {anna.pk, bert.pk}
    assert seen_by(anna) == {anna_up.pk: False}
    assert seen_by(bert) == {bert_up.pk: False}
    found = deputies.cycles()
    assert len(found) == 1
    assert set(found[0]) == {anna.pk, bert.pk}
    assert [set(c) for c in queries.follow_ups_for(anna).cycles] == [{anna.pk, bert.pk}]
    assert deputies.cycles_between(today, today + DAY) == [(today, found[0])]


def test_chain_running_into_a_cycle_leaves_the_follow_ups_with_their_owner(
    anna, bert, carla, company
):
    carla_up = follow_up(company, carla)
    today = deputies.today()
    make_absence(carla, anna, starts_on=today, ends_on=today)
    make_absence(anna, bert, starts_on=today, ends_on=today)
    make_absence(bert, anna, starts_on=today, ends_on=today)

    resolution = deputies.handler_of(carla.pk)
    assert resolution.handler_id == carla.pk
    assert resolution.chain == (carla.pk, anna.pk, bert.pk)
    assert set(resolution.cycle) == {anna.pk, bert.pk}
    assert carla_up.pk in seen_by(carla)
    assert carla_up.pk not in seen_by(anna) and carla_up.pk not in seen_by(bert)
    assert len(deputies.cycles()) == 1  # reported once, not per member or per visitor


def test_partly_overlapping_absences_chain_only_on_the_common_days(anna, bert, carla, company):
    anna_up = follow_up(company, anna)
    bert_up = follow_up(company, bert)
    start = deputies.today() + 10 * DAY
    make_absence(anna, bert, starts_on=start, ends_on=start + 9 * DAY)  # days 0–9
    make_absence(bert, carla, starts_on=start + 5 * DAY, ends_on=start + 14 * DAY)  # days 5–14

    day = start + 2 * DAY  # only Anna away
    assert seen_by(bert, day) == {bert_up.pk: False, anna_up.pk: True}
    assert seen_by(carla, day) == {}
    day = start + 5 * DAY  # both away: the chain applies
    assert seen_by(carla, day) == {anna_up.pk: True, bert_up.pk: True}
    assert seen_by(bert, day) == {bert_up.pk: False}
    assert deputies.handler_of(anna.pk, day).chain == (anna.pk, bert.pk, carla.pk)
    day = start + 12 * DAY  # Anna back, Bert still away
    assert seen_by(anna, day) == {anna_up.pk: False}
    assert seen_by(carla, day) == {bert_up.pk: True}
    day = start + 15 * DAY  # everybody back
    assert seen_by(carla, day) == {}
    assert seen_by(bert, day) == {bert_up.pk: False}


def test_after_the_absence_the_follow_ups_return_without_editing_the_contacts(anna, bert, company):
    anna_up = follow_up(company, anna)
    before = Contact.objects.get(pk=anna_up.pk)
    start = deputies.today()
    make_absence(anna, bert, starts_on=start, ends_on=start + 2 * DAY)

    assert seen_by(bert, start + 2 * DAY) == {anna_up.pk: True}
    assert seen_by(bert, start + 3 * DAY) == {}
    assert seen_by(anna, start + 3 * DAY) == {anna_up.pk: False}
    after = Contact.objects.get(pk=anna_up.pk)
    assert (after.updated_at, after.version, after.follow_up_owner_id) == (
        before.updated_at,
        before.version,
        anna.pk,
    )


def test_back_early_returns_the_follow_ups_today(anna, bert, company):
    anna_up = follow_up(company, anna)
    today = deputies.today()
    absence = make_absence(anna, bert, starts_on=today - 3 * DAY, ends_on=today + 3 * DAY)
    assert anna_up.pk in seen_by(bert)

    services.end_absence_today(absence=absence, by=anna)

    absence.refresh_from_db()
    assert absence.ends_on == today - DAY
    assert seen_by(bert) == {}


def test_follow_ups_created_during_the_absence_show_for_the_deputy(anna, bert, company):
    today = deputies.today()
    make_absence(anna, bert, starts_on=today - DAY, ends_on=today + DAY)
    later = follow_up(company, anna, due=timezone.now())

    assert seen_by(bert) == {later.pk: True}
    due = queries.follow_ups_for(bert, due_only=True).contacts
    assert [c.pk for c in due] == [later.pk]


def test_done_follow_up_disappears_for_the_deputy(anna, bert, company):
    anna_up = follow_up(company, anna)
    today = deputies.today()
    make_absence(anna, bert, starts_on=today, ends_on=today)
    services.follow_up_done(contact=anna_up, by=bert)
    assert seen_by(bert) == {}
    anna_up.refresh_from_db()
    assert anna_up.follow_up_done_by == bert
    assert anna_up.follow_up_owner == anna


def test_inactive_deputy_is_refused(anna, bert):
    bert.is_active = False
    bert.save()
    today = deputies.today()
    with pytest.raises(ValidationError) as raised:
        make_absence(anna, bert, starts_on=today, ends_on=today)
    assert "deputy" in raised.value.message_dict


def test_deputy_cannot_be_oneself(anna):
    today = deputies.today()
    with pytest.raises(ValidationError):
        make_absence(anna, anna, starts_on=today, ends_on=today)
    assert not anna.absences.exists()
    assert deputies.handler_of(anna.pk).handler_id == anna.pk


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(3, 5), (-2, 0), (0, 9), (9, 12), (-5, 20)],
    ids=["inside", "touching-start", "same", "touching-end", "around"],
)
def test_overlapping_absences_of_the_same_user_are_refused(anna, bert, starts, ends):
    base = deputies.today() + 30 * DAY
    make_absence(anna, bert, starts_on=base, ends_on=base + 9 * DAY)
    with pytest.raises(ValidationError) as raised:
        make_absence(anna, bert, starts_on=base + starts * DAY, ends_on=base + ends * DAY)
    assert "starts_on" in raised.value.message_dict


def test_adjacent_absences_of_the_same_user_are_fine(anna, bert, carla):
    base = deputies.today() + 30 * DAY
    make_absence(anna, bert, starts_on=base, ends_on=base + 9 * DAY)
    make_absence(anna, carla, starts_on=base + 10 * DAY, ends_on=base + 12 * DAY)
    assert deputies.handler_of(anna.pk, base + 10 * DAY).handler_id == carla.pk


def test_a_deactivated_deputy_does_not_take_the_follow_ups(sales_user, marketing_user):
    from merkur.journal import deputies as resolution

    today = timezone.localdate()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    marketing_user.is_active = False
    marketing_user.save()
    result = resolution.handler_of(sales_user.pk, today)
    assert result.handler_id == sales_user.pk
    assert result.inactive == marketing_user.pk
    assert resolution.redirected_to(marketing_user.pk, today) == {}
