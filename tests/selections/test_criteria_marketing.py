"""Marketing criteria: members of events, with a status, for companies and people.

The world: event "Messe" with Alpha as a company member (invited) and Anna (of Beta)
as a person member (attended); event "Seminar" with Bert (of Beta) registered.
Gamma and Carl (of Gamma) are in no event.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merkur.mailings.events import services
from merkur.mailings.models import EventKind
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import parse
from merkur.selections.errors import DefinitionError
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def run(node, target="companies") -> set:
    definition = parse({"version": 1, "target": target, "where": node})
    with CaptureQueriesContext(connection) as queries:
        found = set(compile_definition(definition, Context()).values_list("pk", flat=True))
    assert len(queries) == 1
    return found


@pytest.fixture
def world(marketing_user):
    kind = EventKind.objects.create(name="Messe")
    messe, seminar = (
        services.event_create(
            data={"name": name, "kind": kind, "starts_on": datetime.date(2026, 5, 4)},
            by=marketing_user,
        )
        for name in ("Messe", "Seminar")
    )
    alpha, beta, gamma = (make_company(name=name) for name in ("Alpha", "Beta", "Gamma"))
    anna, bert = make_person(beta), make_person(beta)
    carl = make_person(gamma)
    alpha_person = make_person(alpha)
    services.member_add(event=messe, company=alpha, status="invited", by=marketing_user)
    services.member_add(
        event=messe, company=beta, person=anna, status="attended", by=marketing_user
    )
    services.member_add(
        event=seminar, company=beta, person=bert, status="registered", by=marketing_user
    )
    return {
        **{"messe": messe.pk, "seminar": seminar.pk},
        **{"alpha": alpha.pk, "beta": beta.pk, "gamma": gamma.pk},
        **{"anna": anna.pk, "bert": bert.pk, "carl": carl.pk, "alpha_person": alpha_person.pk},
    }


def test_company_member_itself_or_through_a_person(world):
    node = {"criterion": "marketing.event", "op": "in", "value": [world["messe"]]}
    assert run(node) == {world["alpha"], world["beta"]}


def test_company_with_a_status(world):
    node = {
        "criterion": "marketing.event",
        "op": "in",
        "value": [world["messe"], world["seminar"]],
        "params": {"statuses": ["registered", "invited"]},
    }
    assert run(node) == {world["alpha"], world["beta"]}
    node["params"] = {"statuses": ["cancelled"]}
    assert run(node) == set()


def test_company_not_in_means_none_of_them(world):
    node = {"criterion": "marketing.event", "op": "not_in", "value": [world["messe"]]}
    assert run(node) == {world["gamma"]}


def test_person_member_only_counts_people(world):
    node = {"criterion": "marketing.person_event", "op": "in", "value": [world["messe"]]}
    # Alpha is a company member: its person is not a member herself.
    assert run(node, "people") == {world["anna"]}


def test_company_criterion_on_people_is_the_persons_company(world):
    node = {"criterion": "marketing.event", "op": "in", "value": [world["messe"]]}
    assert run(node, "people") == {world["anna"], world["bert"], world["alpha_person"]}


def test_person_criterion_on_companies_is_any_person(world):
    node = {
        "criterion": "marketing.person_event",
        "op": "in",
        "value": [world["seminar"]],
        "params": {"statuses": ["registered"]},
    }
    assert run(node) == {world["beta"]}


def test_unknown_event_is_refused(world):
    with pytest.raises(DefinitionError):
        parse(
            {
                "version": 1,
                "target": "companies",
                "where": {"criterion": "marketing.event", "op": "in", "value": [999999]},
            }
        )


def test_unknown_status_is_refused(world):
    with pytest.raises(DefinitionError) as error:
        parse(
            {
                "version": 1,
                "target": "companies",
                "where": {
                    "criterion": "marketing.event",
                    "op": "in",
                    "value": [world["messe"]],
                    "params": {"statuses": ["maybe"]},
                },
            }
        )
    assert "maybe" in str(error.value)
