"""Validity periods: new values close the old ones, periods never overlap, as-of look-ups."""

import contextlib
import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merkur.attributes import services
from merkur.attributes.models import AttributeValue
from merkur.attributes.queries import values_as_of
from tests.factories import make_attribute, make_company

pytestmark = pytest.mark.django_db
D = datetime.date


def _set(definition, record, value, start, end=None):
    return services.value_set(
        definition=definition, record=record, value=value, valid_from=start, valid_to=end, by=None
    )


def _as_of(definition, record, day):
    return [row.value for row in values_as_of(record, day).get(definition.pk, [])]


def test_new_value_closes_the_previous_period_the_day_before():
    licences, company = make_attribute(), make_company()
    (first,) = _set(licences, company, 10, D(2024, 1, 1))
    _set(licences, company, 25, D(2025, 3, 1))
    first.refresh_from_db()
    assert first.valid_to == D(2025, 2, 28)
    assert AttributeValue.objects.filter(definition=licences).count() == 2


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2023, 12, 31), []),  # before the first period
        (D(2024, 1, 1), [10]),  # first day
        (D(2025, 2, 28), [10]),  # last day of the closed period
        (D(2025, 3, 1), [25]),  # first day of the next
        (D(2099, 1, 1), [25]),  # open end
    ],
)
def test_as_of_look_up_at_the_edges_of_periods(day, expected):
    licences, company = make_attribute(), make_company()
    _set(licences, company, 10, D(2024, 1, 1))
    _set(licences, company, 25, D(2025, 3, 1))
    assert _as_of(licences, company, day) == expected


def test_a_value_inserted_before_a_later_one_ends_where_the_later_begins():
    licences, company = make_attribute(), make_company()
    _set(licences, company, 25, D(2025, 3, 1))
    (earlier,) = _set(licences, company, 10, D(2024, 1, 1))
    assert earlier.valid_to == D(2025, 2, 28)


def test_an_explicit_end_that_overlaps_a_later_value_is_refused_naming_it():
    licences, company = make_attribute(), make_company()
    _set(licences, company, 25, D(2025, 3, 1))
    with pytest.raises(ValidationError) as error:
        _set(licences, company, 10, D(2024, 1, 1), D(2025, 6, 30))
    assert "valid_from" in error.value.message_dict
    assert "25" in str(error.value)


def test_a_second_value_on_the_same_start_day_is_refused():
    licences, company = make_attribute(), make_company()
    _set(licences, company, 10, D(2024, 1, 1))
    with pytest.raises(ValidationError):
        _set(licences, company, 11, D(2024, 1, 1))


def test_multi_valued_attribute_holds_several_values_at_once():
    topics = make_attribute("themen", "multi_choice", choices=["CRM", "ERP", "BI"])
    company = make_company()
    crm, erp, _bi = topics.choices.all()
    _set(topics, company, [crm.pk, erp.pk], D(2024, 1, 1))
    assert sorted(str(v) for v in _as_of(topics, company, D(2024, 6, 1))) == ["CRM", "ERP"]


def test_correction_changes_the_value_in_place_and_is_recorded():
    from merkur.core.audit import history_of

    licences, company = make_attribute(), make_company()
    (row,) = _set(licences, company, 10, D(2024, 1, 1))
    services.value_correct(row=row, value="12", by=None)
    row.refresh_from_db()
    assert row.value_integer == 12
    assert history_of(row).first().changes == {"value_integer": ["10", "12"]}


def test_correction_into_an_overlap_is_refused():
    licences, company = make_attribute(), make_company()
    (first,) = _set(licences, company, 10, D(2024, 1, 1))
    _set(licences, company, 25, D(2025, 3, 1))
    with pytest.raises(ValidationError):
        services.value_correct(row=first, clear_valid_to=True, by=None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraint")
def test_postgresql_refuses_overlapping_periods_itself():
    licences, company = make_attribute(), make_company()
    (row,) = _set(licences, company, 10, D(2024, 1, 1), D(2024, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        AttributeValue.objects.create(
            definition=licences, company=company, valid_from=D(2024, 6, 1), value_integer=3
        )
    assert row.pk


starts = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(st.tuples(starts, st.integers(0, 1000)), min_size=1, max_size=12),
       probes=st.lists(starts, min_size=1, max_size=10))  # fmt: skip
def test_any_sequence_of_new_values_never_overlaps_and_as_of_equals_a_naive_scan(
    operations, probes
):
    licences, company = make_attribute(code="h"), make_company()
    try:
        for start, value in operations:
            # The same start day twice is refused and changes nothing.
            with contextlib.suppress(ValidationError):
                _set(licences, company, value, start)
        rows = list(AttributeValue.objects.filter(definition=licences, company=company))
        ordered = sorted(rows, key=lambda r: r.valid_from)
        for before, after in itertools.pairwise(ordered):
            assert before.valid_to is not None and before.valid_to < after.valid_from
        for day in probes:
            naive = [r.value_integer for r in rows if r.covers(day)]
            assert _as_of(licences, company, day) == naive
    finally:
        AttributeValue.objects.filter(definition=licences).delete()
        licences.delete()
