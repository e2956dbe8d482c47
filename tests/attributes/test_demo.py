"""Demo attributes: created through the services, with history, deterministic, once."""

import datetime
import itertools
import time

import pytest

from merkur.attributes.demo import DEFINITIONS, load_demo_attributes
from merkur.attributes.models import AttributeDefinition, AttributeValue
from merkur.attributes.queries import values_as_of
from merkur.core.models import ChangeRecord
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 29)


@pytest.fixture
def companies():
    made = []
    for _ in range(12):
        company = make_company()
        make_person(company)
        make_person(company)
        made.append(company)
    return made


def _snapshot():
    return sorted(
        (v.definition.code, v.company_id or 0, v.person_id or 0, v.valid_from, v.valid_to,
         str(v.value))
        for v in AttributeValue.objects.select_related("definition", "value_choice")
    )  # fmt: skip


def test_demo_attributes_have_history_and_never_overlap(companies):
    started = time.monotonic()
    result = load_demo_attributes(seed=7, today=TODAY)
    assert time.monotonic() - started < 10
    assert result.loaded and result.values > 0
    codes = set(AttributeDefinition.objects.values_list("code", flat=True))
    assert set(DEFINITIONS) <= codes
    licences = AttributeDefinition.objects.get(code="anzahl-lizenzen")
    assert licences.unit == "Lizenzen" and licences.type == "integer"
    assert AttributeDefinition.objects.get(code="themen").multi_valued
    assert AttributeDefinition.objects.get(code="entscheidungsbefugnis").for_people
    # Some company has several licence periods, each closed the day before the next.
    by_company: dict[int, list] = {}
    for row in AttributeValue.objects.filter(definition=licences).order_by("valid_from"):
        by_company.setdefault(row.company_id, []).append(row)
    assert any(len(rows) > 1 for rows in by_company.values())
    for rows in by_company.values():
        for before, after in itertools.pairwise(rows):
            assert before.valid_to == after.valid_from - datetime.timedelta(days=1)
        assert rows[-1].valid_to is None
    # Values went through the services: the change history has them.
    assert ChangeRecord.objects.filter(content_type__model="attributevalue").exists()
    # Key-account links point at a person of the same company.
    for row in AttributeValue.objects.filter(definition__code="key-account-betreuer"):
        assert row.company.people.filter(pk=row.value_link).exists()
    # The as-of answer works on the demo data.
    company_id = next(iter(by_company))
    current = values_as_of(next(c for c in companies if c.pk == company_id), TODAY)
    assert [row.value for row in current[licences.pk]] == [by_company[company_id][-1].value]


def test_demo_attributes_are_deterministic_and_load_once(companies):
    first = load_demo_attributes(seed=7, today=TODAY)
    snapshot = _snapshot()
    again = load_demo_attributes(seed=7, today=TODAY)
    assert not again.loaded and again.values == 0
    assert _snapshot() == snapshot
    AttributeValue.objects.all().delete()
    load_demo_attributes(seed=7, today=TODAY)
    assert _snapshot() == snapshot and first.values == len(snapshot)


def test_not_every_company_gets_attributes(companies):
    load_demo_attributes(seed=7, today=TODAY)
    with_values = AttributeValue.objects.filter(company__isnull=False).values("company").distinct()
    assert 0 < with_values.count() < len(companies)
