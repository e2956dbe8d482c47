"""``value_filter``: every operator per type, as of past days, at the edges of periods.

Three companies per type:
  A: old value 2020-01-01 – 2022-12-31, new value from 2023-01-01 (open end)
  B: one value 2021-06-01 – 2021-12-31
  C: never a value
"""

import datetime
from decimal import Decimal

import pytest

from merkur.attributes import services
from merkur.attributes.models import AttributeType
from merkur.attributes.queries import OPERATORS, value_filter
from merkur.companies.models import Company, Person
from tests.factories import make_attribute, make_company, make_person

pytestmark = pytest.mark.django_db
D = datetime.date

A_FROM, A_NEW, B_FROM, B_TO = D(2020, 1, 1), D(2023, 1, 1), D(2021, 6, 1), D(2021, 12, 31)
LAST_OF_B = B_TO  # A holds its old value, B its only one
AFTER_B = D(2022, 1, 1)
LAST_OF_OLD = D(2022, 12, 31)
BEFORE_ALL = D(2019, 12, 31)
FAR = D(2099, 1, 1)


def _set(definition, record, value, start, end=None):
    services.value_set(
        definition=definition, record=record, value=value, valid_from=start, valid_to=end, by=None
    )


@pytest.fixture
def abc():
    return {name: make_company(name=f"{name} GmbH") for name in "ABC"}


def _names(queryset) -> set[str]:
    return {company.name[0] for company in queryset}


def _check(definition, cases):
    for operator, value, day, expected in cases:
        found = value_filter(
            Company.objects.all(), definition=definition, operator=operator, value=value, day=day
        )
        assert _names(found) == set(expected), (operator, value, day)


def _common(old, new, b_value):
    """Cases every type shares: equals at the edges, is set / is not set."""
    return [
        ("equals", old, LAST_OF_B, "A"),
        ("equals", b_value, LAST_OF_B, "B"),
        ("equals", b_value, B_FROM, "B"),  # first day of B
        ("equals", b_value, B_FROM - datetime.timedelta(days=1), ""),
        ("equals", b_value, AFTER_B, ""),  # the day after B's last
        ("equals", old, LAST_OF_OLD, "A"),  # last day of A's old value
        ("equals", old, A_NEW, ""),
        ("equals", new, A_NEW, "A"),  # first day of the new one
        ("equals", new, FAR, "A"),  # open end
        ("is_set", None, LAST_OF_B, "AB"),
        ("is_set", None, AFTER_B, "A"),
        ("is_set", None, BEFORE_ALL, ""),
        ("is_not_set", None, LAST_OF_B, "C"),
        ("is_not_set", None, AFTER_B, "BC"),
        ("is_not_set", None, BEFORE_ALL, "ABC"),
    ]


def _load(definition, abc, old, new, b_value):
    _set(definition, abc["A"], old, A_FROM)
    _set(definition, abc["A"], new, A_NEW)
    _set(definition, abc["B"], b_value, B_FROM, B_TO)


def test_integer(abc):
    definition = make_attribute(type="integer")
    _load(definition, abc, 10, 50, 30)
    _check(definition, [
        *_common(10, 50, 30),
        ("in", [10, 30], LAST_OF_B, "AB"),
        ("in", [50, 30], LAST_OF_B, "B"),
        ("in", [50, 30], A_NEW, "A"),
        ("between", (5, 20), LAST_OF_B, "A"),
        ("between", (10, 30), LAST_OF_B, "AB"),  # both bounds inclusive
        ("between", (11, 29), LAST_OF_B, ""),
        ("between", (40, 60), LAST_OF_OLD, ""),
        ("between", (40, 60), A_NEW, "A"),
        ("before", 30, LAST_OF_B, "A"),
        ("before", 10, LAST_OF_B, ""),
        ("after", 10, LAST_OF_B, "B"),
        ("after", 30, FAR, "A"),
    ])  # fmt: skip


def test_decimal(abc):
    definition = make_attribute(code="potenzial", type="decimal", unit="EUR")
    old, new, b_value = Decimal("1000.50"), Decimal("2500"), Decimal("1999.99")
    _load(definition, abc, old, new, b_value)
    _check(definition, [
        *_common(old, new, b_value),
        ("between", (Decimal("1000.5"), Decimal("2000")), LAST_OF_B, "AB"),
        ("between", (Decimal("1000.51"), Decimal("1999.98")), LAST_OF_B, ""),
        ("before", Decimal("1999.99"), LAST_OF_B, "A"),
        ("after", Decimal("1000.50"), LAST_OF_B, "B"),
        ("after", Decimal("2000"), A_NEW, "A"),
    ])  # fmt: skip


def test_date(abc):
    definition = make_attribute(code="vertragsende", type="date")
    old, new, b_value = D(2024, 6, 30), D(2027, 6, 30), D(2025, 1, 1)
    _load(definition, abc, old, new, b_value)
    _check(definition, [
        *_common(old, new, b_value),
        ("between", (D(2024, 1, 1), D(2024, 12, 31)), LAST_OF_B, "A"),
        ("between", (D(2024, 6, 30), D(2025, 1, 1)), LAST_OF_B, "AB"),
        ("before", D(2025, 1, 1), LAST_OF_B, "A"),
        ("after", D(2024, 6, 30), LAST_OF_B, "B"),
        ("after", D(2026, 1, 1), LAST_OF_OLD, ""),
        ("after", D(2026, 1, 1), A_NEW, "A"),
    ])  # fmt: skip


def test_text(abc):
    definition = make_attribute(code="kennung", type="text")
    _load(definition, abc, "Alpha", "Gamma", "Beta")
    _check(definition, [
        *_common("Alpha", "Gamma", "Beta"),
        ("in", ["Alpha", "Beta"], LAST_OF_B, "AB"),
        ("in", ["Gamma"], LAST_OF_B, ""),
        ("contains", "LPH", LAST_OF_B, "A"),  # case-insensitive
        ("contains", "a", LAST_OF_B, "AB"),
        ("contains", "lph", A_NEW, ""),
    ])  # fmt: skip


def test_long_text(abc):
    definition = make_attribute(code="notiz", type="long_text")
    _load(definition, abc, "erste Zeile\nzweite", "neu", "Beta\nGamma")
    _check(definition, [
        ("contains", "ZWEITE", LAST_OF_B, "A"),
        ("contains", "gamma", LAST_OF_B, "B"),
        ("contains", "gamma", AFTER_B, ""),
        ("contains", "neu", A_NEW, "A"),
        ("is_set", None, LAST_OF_B, "AB"),
        ("is_not_set", None, AFTER_B, "BC"),
    ])  # fmt: skip


def test_choice(abc):
    definition = make_attribute(
        code="status", type="choice", choices=["Neukunde", "Stammkunde", "Ruhend"]
    )
    new, regular, dormant = (definition.choices.get(label=x).pk for x in
                             ("Neukunde", "Stammkunde", "Ruhend"))  # fmt: skip
    _load(definition, abc, new, regular, dormant)
    _check(definition, [
        *_common(new, regular, dormant),
        ("in", [new, dormant], LAST_OF_B, "AB"),
        ("in", [regular], LAST_OF_B, ""),
        ("in", [regular], A_NEW, "A"),
    ])  # fmt: skip


def test_choice_filter_still_finds_a_deactivated_choice_in_the_past(abc):
    definition = make_attribute(code="status", type="choice", choices=["Neukunde", "Ruhend"])
    dormant = definition.choices.get(label="Ruhend")
    _set(definition, abc["B"], dormant.pk, B_FROM, B_TO)
    services.choice_update(choice=dormant, is_active=False, by=None)
    _check(definition, [("equals", dormant.pk, LAST_OF_B, "B")])


def test_multi_choice(abc):
    definition = make_attribute(code="themen", type="multi_choice", choices=["CRM", "ERP", "BI"])
    crm, erp, bi = (definition.choices.get(label=x).pk for x in ("CRM", "ERP", "BI"))
    _set(definition, abc["A"], [crm, erp], A_FROM, LAST_OF_OLD)
    _set(definition, abc["A"], [bi], A_NEW)
    _set(definition, abc["B"], [bi, erp], B_FROM, B_TO)
    _check(definition, [
        ("equals", crm, LAST_OF_B, "A"),
        ("equals", erp, LAST_OF_B, "AB"),
        ("equals", crm, A_NEW, ""),
        ("equals", bi, FAR, "A"),
        ("in", [crm, bi], LAST_OF_B, "AB"),
        ("in", [crm], AFTER_B, "A"),
        ("is_set", None, AFTER_B, "A"),
        ("is_not_set", None, LAST_OF_B, "C"),
        ("is_not_set", None, AFTER_B, "BC"),
    ])  # fmt: skip


def test_boolean(abc):
    definition = make_attribute(code="iso", type="boolean")
    _load(definition, abc, True, False, False)
    _check(definition, [
        ("equals", True, LAST_OF_B, "A"),
        ("equals", False, LAST_OF_B, "B"),
        ("equals", True, LAST_OF_OLD, "A"),
        ("equals", True, A_NEW, ""),
        ("equals", False, A_NEW, "A"),
        ("is_set", None, LAST_OF_B, "AB"),
        ("is_not_set", None, A_NEW, "BC"),
    ])  # fmt: skip


def test_link(abc):
    definition = make_attribute(code="partner", type="link", link_kind="company")
    a, b, c = (abc[x].pk for x in "ABC")
    _load(definition, abc, c, b, a)
    _check(definition, [
        *_common(c, b, a),
        ("in", [a, c], LAST_OF_B, "AB"),
        ("in", [b], LAST_OF_B, ""),
        ("in", [b], FAR, "A"),
    ])  # fmt: skip


def test_every_operator_of_every_type_is_covered():
    """The cases above use each operator ``OPERATORS`` allows (keep them in step)."""
    assert set(OPERATORS) == set(AttributeType.values)
    assert {op for ops in OPERATORS.values() for op in ops} == {
        "equals", "in", "between", "before", "after", "contains", "is_set", "is_not_set",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "operator"),
    [("boolean", "between"), ("integer", "contains"), ("text", "before"), ("link", "nonsense")],
)
def test_an_operator_that_does_not_fit_the_type_is_refused(kind, operator):
    definition = make_attribute(code=f"x-{kind}", type=kind,
                                **({"link_kind": "company"} if kind == "link" else {}))  # fmt: skip
    with pytest.raises(ValueError):
        value_filter(Company.objects.all(), definition=definition, operator=operator, value=1,
                     day=LAST_OF_B)  # fmt: skip


def test_people_are_filtered_the_same_way():
    company = make_company()
    anna, bernd = make_person(company, first_name="Anna"), make_person(company, first_name="Bernd")
    authority = make_attribute(code="befugnis", type="choice", choices=["Entscheider", "Anwender"],
                               for_companies=False, for_people=True)  # fmt: skip
    decider = authority.choices.get(label="Entscheider").pk
    _set(authority, anna, decider, A_FROM, LAST_OF_OLD)
    _set(authority, bernd, decider, A_NEW)

    def names(operator, day):
        found = value_filter(Person.objects.all(), definition=authority, operator=operator,
                             value=decider, day=day)  # fmt: skip
        return {p.first_name for p in found}

    assert names("equals", LAST_OF_OLD) == {"Anna"}
    assert names("equals", A_NEW) == {"Bernd"}
    assert names("is_not_set", BEFORE_ALL) == {"Anna", "Bernd"}


def test_the_filter_combines_with_other_filters_and_is_one_query(abc, django_assert_num_queries):
    definition = make_attribute(type="integer")
    _load(definition, abc, 10, 50, 30)
    base = Company.objects.exclude(name__startswith="A")
    with django_assert_num_queries(1):
        found = list(value_filter(base, definition=definition, operator="is_set", value=None,
                                  day=LAST_OF_B))  # fmt: skip
    assert _names(found) == {"B"}
