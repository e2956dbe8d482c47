"""The demo's saved example selection: loaded once, shared, and answers with its buyers."""

import pytest

from merkur.companies.demo import load_demo
from merkur.companies.models import Person
from merkur.selections.demo import EXAMPLE_NAME, load_demo_selections
from merkur.selections.models import SavedSelection
from merkur.selections.recipients import recipients
from merkur.selections.services import compile_saved

pytestmark = pytest.mark.django_db


def test_the_example_is_saved_shared_and_selects_buyers(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    load_demo(companies=40, seed=7)
    example = SavedSelection.objects.get(name=EXAMPLE_NAME)
    assert example.shared
    selected = compile_saved(example)
    people = Person.objects.filter(pk__in=selected.values("pk"))
    assert people.filter(functions__name="Einkäufer").exists()
    assert not people.filter(company__postal_code__startswith="66").exists()
    assert all(person.company.country == "DE" for person in people)
    rows = list(recipients(selected))
    assert rows and all(row["address_postal_code"] for row in rows)
    # Running the demo again saves nothing more.
    assert load_demo_selections(by=example.owner) is None
    assert SavedSelection.objects.filter(name=EXAMPLE_NAME).count() == 1
