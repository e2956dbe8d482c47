"""The builder's recipients: paged, sorted, de-duplicated, for a purpose — and the CSV
made with the same choices."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from merkur.companies.models import Person
from tests.conftest import client_for
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

RUN = reverse("selections:run")
CSV = reverse("selections:csv")
HTMX = {"HTTP_HX_REQUEST": "true"}
EVERYBODY = {"version": 1}


@pytest.fixture
def world():
    """Two people at a Munich company sharing its address, one at a Hamburg company with
    her own address, a Swiss company; Zoe objected to marketing."""
    munich = make_company(name="Alpen AG", address={"postal_code": "80331", "city": "München"})
    hamburg = make_company(name="Nord KG", address={"postal_code": "20095", "city": "Hamburg"})
    basel = make_company(
        name="Rhein AG", address={"country": "CH", "postal_code": "4051", "city": "Basel"}
    )
    people = {
        "anton": make_person(munich, last_name="Zander"),
        "berta": make_person(munich, last_name="Adler"),
        "clara": make_person(hamburg, last_name="Meier"),
        "zoe": make_person(basel, last_name="Berg"),
    }
    Person.objects.filter(pk=people["zoe"].pk).update(marketing_opt_out_at=timezone.now())
    return people


def run(client, definition=EVERYBODY, **fields):
    response = client.post(RUN, {"definition": json.dumps(definition), **fields}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def names(text: str) -> list[str]:
    table = text[text.index('id="recipient-table"') :]
    return re.findall(r"<tr><td>Erika (\w+)</td>", table)


def test_sort_choices_order_the_page(sales_user, world):
    client = client_for(sales_user)
    # By postal code: DE 20095, then DE 80331 (company, then person); Zoe objected.
    assert names(run(client)) == ["Meier", "Adler", "Zander"]
    assert names(run(client, sort="name")) == ["Adler", "Meier", "Zander"]
    assert names(run(client, sort="company")) == ["Adler", "Zander", "Meier"]
    text = run(client, sort="country", purpose="non_marketing")
    assert names(text) == ["Berg", "Meier", "Adler", "Zander"]  # CH Basel, DE Hamburg, München
    assert "by Country and city" in text


def test_duplicates_are_removed_by_address_or_company(sales_user, world):
    client = client_for(sales_user)
    assert names(run(client, dedupe="company", sort="name")) == ["Adler", "Meier"]
    assert names(run(client, dedupe="address", sort="name")) == ["Adler", "Meier"]
    assert "2 recipients" in run(client, dedupe="address")


def test_people_who_objected_stay_only_for_mail_that_is_not_marketing(sales_user, world):
    client = client_for(sales_user)
    assert "Berg" not in names(run(client))
    assert "Berg" in names(run(client, purpose="non_marketing"))
    assert "4 recipients" in run(client, purpose="non_marketing")


def test_unknown_choices_are_the_defaults(sales_user, world):
    client = client_for(sales_user)
    text = run(client, sort="bogus", dedupe="none", purpose="spam", offset="-5")
    assert names(text) == ["Meier", "Adler", "Zander"]
    assert names(run(client, offset="99999999999999999999")) == ["Meier", "Adler", "Zander"]


def test_recipients_are_paged_through_all_of_them(sales_user, world):
    big = make_company(name="Gross GmbH", address={"postal_code": "01067", "city": "Dresden"})
    for number in range(52):
        make_person(big, last_name=f"Person{number:02d}")
    client = client_for(sales_user)
    first = run(client, sort="name")
    assert "55 recipients · rows 1–50, by Name" in first
    assert len(names(first)) == 50
    assert 'id="recipients-previous"' in first and "disabled>‹" in first
    next_offset = re.search(r'id="recipients-next"[^>]*hx-vals=\'\{"offset": "(\d+)"\}', first)
    assert next_offset.group(1) == "50"
    second = run(client, sort="name", offset="50")
    assert "rows 51–55" in second
    assert names(second) == ["Person48", "Person49", "Person50", "Person51", "Zander"]
    assert not set(names(first)) & set(names(second))
    assert re.search(r'id="recipients-previous"[^>]*"offset": "0"', second)
    assert re.search(r'id="recipients-next"[^>]*disabled', second)
    # Past the end (the data changed meanwhile): the first page again.
    assert names(run(client, sort="name", offset="500"))[:1] == ["Adler"]


def test_each_row_offers_why_with_its_record(sales_user, world):
    client = client_for(sales_user)
    text = run(client, sort="name")
    assert f'name="record" value="{world["berta"].pk}"' in text
    companies = {"version": 1, "target": "companies"}
    text = run(client, companies, sort="company")
    alpen = world["anton"].company_id
    assert f'name="record" value="{alpen}"' in text


def test_the_csv_follows_the_same_choices(sales_user, world):
    client = client_for(sales_user)
    data = {"definition": json.dumps(EVERYBODY), "sort": "name", "dedupe": "company"}
    response = client.post(CSV, data)
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().split("\r\n")
    assert len(lines) == 3  # header, Adler (Alpen AG), Meier; Zoe objected
    assert "Adler" in lines[1] and "Meier" in lines[2]
    data.update(purpose="non_marketing", dedupe="person", sort="country")
    response = client.post(CSV, data)
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().split("\r\n")
    assert len(lines) == 5 and "Berg" in lines[1]


def test_the_builder_page_offers_the_choices(sales_user, world):
    text = client_for(sales_user).get(reverse("selections:new")).content.decode()
    for name in ("sort", "dedupe", "purpose"):
        assert f'name="{name}"' in text
    assert 'value="non_marketing"' in text and 'id="explain-selection"' in text
