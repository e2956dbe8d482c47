"""``/contacts``: record, read, change, delete; filters and paging; links, follow-up actions,
attachments; the kind and type master tables."""

import datetime
import functools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from merkur.core.models import ChangeRecord
from merkur.journal import services
from merkur.journal.models import Contact, ContactAttachment, ContactLink
from tests.api.conftest import API
from tests.factories import contact_master, make_company, make_contact, make_person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% test file\n"
TUESDAY_9 = datetime.datetime(2030, 12, 3, 9, 0)  # a Tuesday


@pytest.fixture
def master():
    kinds, types = contact_master()
    return {"kinds": kinds, "types": types}


@pytest.fixture
def world(master, admin_user):
    company = make_company(by=admin_user, name="Müller Maschinenbau GmbH")
    other = make_company(by=admin_user, name="Berliner Druck GmbH")
    return {
        "company": company,
        "person": make_person(company, last_name="Meier"),
        "stranger": make_person(other, last_name="Fremd"),
        "other": other,
        **master,
    }


def body(world, **changes) -> dict:
    """A valid create body with ``changes`` (``...`` drops a field)."""
    data = {
        "occurred_at": "2030-11-28T10:15:00",
        "company": world["company"].pk,
        "people": [world["person"].pk],
        "kind": world["kinds"]["Telefonat"].pk,
        "type": world["types"]["Akquise"].pk,
        "subject": "Offerte besprochen",
        "text": "<p>Hallo</p>",
    }
    for key, value in changes.items():
        if value is ...:
            data.pop(key)
        else:
            data[key] = value
    return data


def upload(api, contact_id: int, name: str, content: bytes):
    file = SimpleUploadedFile(name, content)
    return api.client.post(
        f"{API}/contacts/{contact_id}/attachments", {"file": file}, headers=api.headers
    )


# --- create and read -----------------------------------------------------------------------


def test_create_returns_the_sanitised_contact(sales_api, sales_user, world):
    text = (
        "<p>Offerte <strong>bestätigt</strong><script>alert(1)</script></p>"
        '<img src=x onerror="x()">'
        '<ul><li>Preis</li></ul><a href="javascript:alert(1)">Link</a>'
    )
    due = "2030-12-01T09:00:00"
    response = sales_api.post(
        "/contacts",
        body(
            world,
            text=text,
            follow_up={"owner": sales_user.pk, "due": due},
            links=[{"kind": "person", "id": world["stranger"].pk}],
        ),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert "<script" not in data["text"] and "onerror" not in data["text"]
    assert "javascript:" not in data["text"]
    assert "<strong>bestätigt</strong>" in data["text"]
    assert data["text_plain"].startswith("Offerte bestätigt\n• Preis")
    assert data["recorded_by"]["username"] == "vertrieb"
    assert data["people"] == [{"id": world["person"].pk, "name": str(world["person"])}]
    assert data["kind"]["group"]["name"] == "Mündlich"
    assert data["type"] == {
        "id": world["types"]["Akquise"].pk,
        "name": "Akquise",
        "group": {"id": world["types"]["Akquise"].group_id, "name": "Verkauf"},
    }
    assert data["follow_up"]["owner"]["id"] == sales_user.pk
    assert data["follow_up"]["state"] == "open"
    assert data["links"][0]["kind"] == "person"
    assert data["links"][0]["id"] == world["stranger"].pk
    assert "Fremd" in data["links"][0]["label"]
    assert data["recurrence"] is None
    assert data["version"] == 1
    contact = Contact.objects.get(pk=data["id"])
    assert contact.recorded_by == sales_user
    assert timezone.localtime(contact.follow_up_due).hour == 9  # naive = local time
    assert sales_api.get(f"/contacts/{data['id']}").json() == data


def test_create_without_date_uses_now(sales_api, world):
    before = timezone.now()
    response = sales_api.post("/contacts", body(world, occurred_at=...))
    assert response.status_code == 201
    occurred = datetime.datetime.fromisoformat(response.json()["occurred_at"])
    assert occurred >= before - datetime.timedelta(seconds=1)


def test_recurring_contact_describes_its_rule(sales_api, sales_user, world):
    response = sales_api.post(
        "/contacts",
        body(
            world,
            follow_up={"owner": sales_user.pk, "due": TUESDAY_9.isoformat()},
            recurrence_rule="freq=weekly;interval=2;byday=TU",
        ),
    )
    assert response.status_code == 201, response.content
    recurrence = response.json()["recurrence"]
    assert recurrence["rule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert recurrence["description"]
    upcoming = [datetime.datetime.fromisoformat(d) for d in recurrence["next"]]
    assert [timezone.localtime(d).date() for d in upcoming] == [
        datetime.date(2030, 12, 17),
        datetime.date(2030, 12, 31),
        datetime.date(2031, 1, 14),
    ]
    assert response.json()["series"] == response.json()["id"]


def test_an_invalid_rule_is_a_readable_field_error(sales_api, sales_user, world):
    response = sales_api.post(
        "/contacts",
        body(
            world,
            follow_up={"owner": sales_user.pk, "due": TUESDAY_9.isoformat()},
            recurrence_rule="FREQ=HOURLY",
        ),
    )
    assert response.status_code == 422
    message = response.json()["errors"]["recurrence_rule"][0]
    assert "frequency" in message or "Frequenz" in message or "Rhythmus" in message


# (changes to the body, field named in the errors); "$x" is the id of world["x"].
BAD_CONTACTS = [
    ({"company": 999999}, "company"),
    ({"company": "$other"}, "people"),
    ({"company": 2**70}, "company"),
    ({"company": ...}, "company"),
    ({"people": ["$stranger"]}, "people"),
    ({"people": [999999]}, "people"),
    ({"people": "x"}, "people"),
    ({"kind": 999999}, "kind"),
    ({"kind": "Telefonat"}, "kind"),
    ({"type": 999999}, "type"),
    ({"subject": ...}, "subject"),
    ({"subject": "  "}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"subject": "a\x00b"}, "subject"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "0001-01-01T00:00:00"}, "occurred_at"),
    ({"follow_up": {"owner": "$owner", "due": "9999-12-31T23:00:00"}}, "follow_up.due"),
    ({"text": 5}, "text"),
    ({"follow_up": {"owner": "$owner"}}, "follow_up.due"),
    ({"follow_up": {"due": "2030-12-01T09:00:00"}}, "follow_up.owner"),
    ({"follow_up": {"owner": 999999, "due": "2030-12-01T09:00:00"}}, "follow_up.owner"),
    ({"follow_up": {"owner": "$owner", "due": "soon"}}, "follow_up.due"),
    ({"recurrence_rule": "FREQ=WEEKLY"}, "follow_up.owner"),
    ({"recurrence_rule": "nonsense"}, "recurrence_rule"),
    ({"links": [{"kind": "planet", "id": 1}]}, "links"),
    ({"links": [{"kind": "company", "id": 999999}]}, "links"),
    ({"links": [{"kind": "company"}]}, "links.id"),
    ({"links": "company"}, "links"),
    ({"colour": "red"}, "colour"),
]  # fmt: skip


def _fill(value, ids: dict):
    if isinstance(value, str) and value.startswith("$"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("changes", "field"), BAD_CONTACTS, ids=str)
def test_bad_contact_input_is_a_field_error(sales_api, sales_user, world, changes, field):
    ids = {"other": world["other"].pk, "stranger": world["stranger"].pk, "owner": sales_user.pk}
    response = sales_api.post("/contacts", body(world, **_fill(changes, ids)))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Contact.objects.exists()


def test_a_body_that_is_no_object_is_422(sales_api, world):
    assert sales_api.post("/contacts", [1, 2]).status_code == 422
    assert sales_api.post("/contacts", raw="{").status_code == 400


def test_a_deactivated_kind_cannot_be_chosen(sales_api, world):
    kind = world["kinds"]["Fax"]
    kind.is_active = False
    kind.save()
    response = sales_api.post("/contacts", body(world, kind=kind.pk))
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]


def test_an_archived_company_is_refused(sales_api, admin_user, world):
    from merkur.companies import services as company_services

    company_services.company_archive(company=world["other"], by=admin_user)
    response = sales_api.post("/contacts", body(world, company=world["other"].pk, people=[]))
    assert response.status_code == 422
    assert "company" in response.json()["errors"]


def test_unknown_contact_is_404(sales_api, world):
    assert sales_api.get("/contacts/999999").json()["detail"]
    assert sales_api.get("/contacts/999999/attachments/1").status_code == 404
    assert sales_api.patch("/contacts/999999", {"subject": "x"}).status_code == 404
    assert sales_api.delete("/contacts/999999").status_code == 404
    assert sales_api.post("/contacts/999999/follow-up/done").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/contacts/{2**70}",
        "/contacts/abc",
        "/contacts/1.5",
        f"/contacts/{{contact}}/attachments/{2**70}",
        f"/absences/{2**70}",
        "/absences/abc",
    ],
)
def test_odd_ids_in_the_path_are_not_server_errors(readonly_api, contact, path):
    response = readonly_api.get(path.format(contact=contact.pk))
    assert response.status_code in (404, 422), response.content


def test_an_id_beyond_the_column_range_is_404_for_writes(sales_api, contact):
    assert sales_api.delete(f"/contacts/{contact.pk}/links/{2**70}").status_code == 404
    assert sales_api.patch(f"/contacts/{2**70}", {"subject": "x"}).status_code == 404


# --- change and delete ---------------------------------------------------------------------


@pytest.fixture
def contact(world, sales_user):
    return make_contact(world["company"], by=sales_user, people=[world["person"]])


def test_patch_changes_only_what_is_sent(sales_api, contact, sales_user, world):
    response = sales_api.patch(
        f"/contacts/{contact.pk}",
        {
            "subject": "Neu",
            "text": "Zeile eins\n\nZeile zwei",
            "follow_up": {"owner": sales_user.pk, "due": "2030-12-01T09:00:00"},
            "version": 1,
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["subject"] == "Neu"
    assert data["text"] == "<p>Zeile eins</p><p>Zeile zwei</p>"
    assert data["people"][0]["id"] == world["person"].pk
    assert data["follow_up"]["state"] == "open"
    assert data["version"] == 2
    removed = sales_api.patch(f"/contacts/{contact.pk}", {"follow_up": None, "people": []})
    assert removed.status_code == 200
    assert removed.json()["follow_up"] is None
    assert removed.json()["people"] == []


def test_patch_with_a_stale_version_is_409(sales_api, contact):
    first = sales_api.patch(f"/contacts/{contact.pk}", {"subject": "A", "version": 1})
    assert first.status_code == 200
    response = sales_api.patch(f"/contacts/{contact.pk}", {"subject": "B", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert any(change["field"] == "subject" for change in response.json()["changes"])
    contact.refresh_from_db()
    assert contact.subject == "A"


# (patch body, field in the errors)
BAD_PATCHES = [
    ({"company": None}, "company"),
    ({"company": "$other"}, "people"),
    ({"people": ["$stranger"]}, "people"),
    ({"kind": None}, "kind"),
    ({"subject": None}, "subject"),
    ({"follow_up": {"owner": "$owner"}}, "follow_up.due"),
    ({"recurrence_rule": "FREQ=WEEKLY"}, "follow_up.owner"),
    ({"version": "new"}, "version"),
    ({"links": []}, "links"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), BAD_PATCHES, ids=str)
def test_bad_patch_is_a_field_error(sales_api, sales_user, contact, world, changes, field):
    ids = {"other": world["other"].pk, "stranger": world["stranger"].pk, "owner": sales_user.pk}
    response = sales_api.patch(f"/contacts/{contact.pk}", _fill(changes, ids))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    contact.refresh_from_db()
    assert contact.version == 1


def test_only_the_recorder_or_an_administrator_deletes(
    api_as, roles, world, sales_user, marketing_user
):
    own = make_contact(world["company"], by=sales_user)
    foreign = make_contact(world["company"], by=marketing_user)
    sales = api_as(roles.SALES)
    response = sales.delete(f"/contacts/{foreign.pk}")
    assert response.status_code == 403
    assert sales.delete(f"/contacts/{own.pk}").status_code == 204
    assert api_as(roles.ADMIN).delete(f"/contacts/{foreign.pk}").status_code == 204
    assert not Contact.objects.exists()
    assert ChangeRecord.objects.filter(action=ChangeRecord.Action.DELETE).count() == 2


# --- follow-up actions ---------------------------------------------------------------------


def test_follow_up_done_records_who_and_when(sales_api, sales_user, world):
    contact = make_contact(
        world["company"],
        by=sales_user,
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() - datetime.timedelta(days=1),
    )
    assert sales_api.get(f"/contacts/{contact.pk}").json()["follow_up"]["state"] == "overdue"
    response = sales_api.post(f"/contacts/{contact.pk}/follow-up/done")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["next_occurrence"] is None
    assert data["contact"]["follow_up"]["state"] == "done"
    assert data["contact"]["follow_up"]["done_by"]["id"] == sales_user.pk
    assert data["contact"]["follow_up"]["done_at"]
    again = sales_api.post(f"/contacts/{contact.pk}/follow-up/done")
    assert again.status_code == 422
    assert again.json()["detail"]


def test_done_and_skip_of_a_series_return_the_next_occurrence(sales_api, sales_user, world):
    contact = make_contact(
        world["company"],
        by=sales_user,
        follow_up_owner=sales_user,
        follow_up_due=timezone.make_aware(TUESDAY_9),
        recurrence_rule="FREQ=WEEKLY;BYDAY=TU",
    )
    done = sales_api.post(f"/contacts/{contact.pk}/follow-up/done").json()
    following = sales_api.get(f"/contacts/{done['next_occurrence']}").json()
    assert following["series"] == contact.pk
    assert following["follows"] == contact.pk
    assert timezone.localtime(datetime.datetime.fromisoformat(following["follow_up"]["due"])) == (
        timezone.make_aware(TUESDAY_9 + datetime.timedelta(days=7))
    )
    skipped = sales_api.post(f"/contacts/{following['id']}/follow-up/skip")
    assert skipped.status_code == 200
    assert skipped.json()["contact"]["follow_up"]["skipped"] is True
    assert skipped.json()["next_occurrence"] not in (None, following["id"])


def test_skipping_a_contact_that_does_not_recur_is_422(sales_api, sales_user, world):
    contact = make_contact(
        world["company"], by=sales_user, follow_up_owner=sales_user, follow_up_due=timezone.now()
    )
    response = sales_api.post(f"/contacts/{contact.pk}/follow-up/skip")
    assert response.status_code == 422
    no_follow_up = make_contact(world["company"], by=sales_user)
    assert sales_api.post(f"/contacts/{no_follow_up.pk}/follow-up/done").status_code == 422


# --- links ---------------------------------------------------------------------------------


def test_links_are_added_and_removed(sales_api, contact, world):
    url = f"/contacts/{contact.pk}/links"
    response = sales_api.post(url, {"kind": "company", "id": world["other"].pk})
    assert response.status_code == 201, response.content
    link = response.json()
    assert link["kind"] == "company"
    assert link["id"] == world["other"].pk
    assert "Berliner Druck GmbH" in link["label"]
    assert sales_api.post(url, {"kind": "company", "id": world["other"].pk}).status_code == 201
    assert ContactLink.objects.filter(contact=contact).count() == 1
    assert sales_api.get(f"/contacts/{contact.pk}").json()["links"] == [link]
    assert sales_api.delete(f"{url}/{link['link_id']}").status_code == 204
    assert not ContactLink.objects.exists()
    assert sales_api.delete(f"{url}/{link['link_id']}").status_code == 404


def test_a_link_of_another_contact_is_404(sales_api, contact, world, sales_user):
    other = make_contact(world["company"], by=sales_user)
    link = services.link_add(contact=other, kind="company", object_id=world["other"].pk, by=None)
    assert sales_api.delete(f"/contacts/{contact.pk}/links/{link.pk}").status_code == 404
    assert ContactLink.objects.filter(pk=link.pk).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "planet", "id": 1}, "kind"),
        ({"kind": "person", "id": 999999}, "id"),
        ({"kind": "person", "id": 0}, "id"),
        ({"kind": "person"}, "id"),
        ({"id": 1}, "kind"),
    ],
    ids=str,
)
def test_bad_links_are_field_errors(sales_api, contact, payload, field):
    response = sales_api.post(f"/contacts/{contact.pk}/links", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


# --- attachments ---------------------------------------------------------------------------


def test_attachments_are_uploaded_downloaded_and_deleted(sales_api, readonly_api, contact):
    response = upload(sales_api, contact.pk, "Offerte März.pdf", PDF)
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert attachment["name"] == "Offerte März.pdf"
    assert attachment["size"] == len(PDF)
    assert attachment["content_type"] == "application/pdf"
    listed = sales_api.get(f"/contacts/{contact.pk}").json()["attachments"]
    assert listed == [attachment]
    download = readonly_api.client.get(attachment["download_url"], headers=readonly_api.headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert "Offerte" in download["Content-Disposition"]
    path = f"/contacts/{contact.pk}/attachments/{attachment['id']}"
    assert readonly_api.delete(path).status_code == 403
    assert sales_api.delete(path).status_code == 204
    assert not ContactAttachment.objects.exists()
    assert sales_api.get(path).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.exe", b"MZ\x90\x00"),
        ("fake.pdf", b"<html>not a pdf</html>"),
        ("empty.pdf", b""),
        ("noextension", b"%PDF-1.4"),
    ],
)
def test_bad_files_are_refused_with_a_message(sales_api, contact, name, content):
    response = upload(sales_api, contact.pk, name, content)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["file"][0]
    assert not ContactAttachment.objects.exists()


@override_settings(MERKUR_ATTACHMENT_MAX_MB=1)
def test_an_oversize_file_is_refused(sales_api, contact):
    response = upload(sales_api, contact.pk, "big.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 422
    assert "1 MB" in response.json()["errors"]["file"][0]
    assert not ContactAttachment.objects.exists()


def test_an_upload_without_file_is_422(sales_api, contact):
    response = sales_api.client.post(
        f"{API}/contacts/{contact.pk}/attachments", {}, headers=sales_api.headers
    )
    assert response.status_code == 422
    assert "file" in response.json()["errors"]


def test_an_attachment_of_another_contact_is_404(sales_api, contact, world, sales_user):
    other = make_contact(world["company"], by=sales_user)
    attachment = upload(sales_api, other.pk, "a.pdf", PDF).json()
    path = f"/contacts/{contact.pk}/attachments/{attachment['id']}"
    assert sales_api.get(path).status_code == 404
    assert sales_api.delete(path).status_code == 404


# --- list: filters, sorting, paging --------------------------------------------------------


def _at(days_ago: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2030, 6, 30, 12, 0)) - datetime.timedelta(
        days=days_ago
    )


@pytest.fixture
def journal(world, sales_user, marketing_user, admin_user) -> dict:
    """Five contacts with different kinds, types, people, owners and states; ids by name."""
    c, other, person = world["company"], world["other"], world["person"]
    now = timezone.now()
    made = {
        "A": make_contact(c, by=sales_user, people=[person], kind="Telefonat", type="Akquise",
                          subject="Alpha Preisliste", occurred_at=_at(1),
                          text="<p>Rabatt für Zahnräder</p>", follow_up_owner=sales_user,
                          follow_up_due=now + datetime.timedelta(days=3)),
        "B": make_contact(c, by=marketing_user, kind="Brief", type="Reklamation",
                          subject="Beta Reklamation", occurred_at=_at(10),
                          follow_up_owner=marketing_user,
                          follow_up_due=now - datetime.timedelta(days=1)),
        "C": make_contact(other, by=sales_user, kind="E-Mail", type="Support",
                          subject="Charlie Support", occurred_at=_at(20),
                          follow_up_owner=sales_user, follow_up_due=now),
        "D": make_contact(other, by=admin_user, kind="Besuch", type=None,
                          subject="Delta Besuch", occurred_at=_at(40)),
        "E": make_contact(c, by=admin_user, kind="Messe", type="Terminvereinbarung",
                          subject="Epsilon Messe", occurred_at=_at(60)),
    }  # fmt: skip
    services.follow_up_done(contact=made["C"], by=sales_user)
    services.link_add(contact=made["D"], kind="person", object_id=person.pk, by=None)
    ids = {name: contact.pk for name, contact in made.items()}
    ids.update(
        company=c.pk,
        other=other.pk,
        person=person.pk,
        sales=sales_user.pk,
        marketing=marketing_user.pk,
        admin=admin_user.pk,
        telefonat=world["kinds"]["Telefonat"].pk,
        brief=world["kinds"]["Brief"].pk,
        schriftlich=world["kinds"]["Brief"].group_id,
        akquise=world["types"]["Akquise"].pk,
        support=world["types"]["Support"].pk,
        service=world["types"]["Support"].group_id,
    )
    return ids


# (query parameters, expected subjects' first letters in order); "$x" = journal["x"].
CONTACT_FILTERS = [
    ({}, "ABCDE"),
    ({"q": "zahnräder"}, "A"),
    ({"q": "ZAHNRAEDER rabatt"}, "A"),
    ({"q": "zahn alpha"}, "A"),
    ({"q": "zahn beta"}, ""),
    ({"q": "reklamation"}, "B"),
    ({"date_from": "2030-06-15"}, "AB"),
    ({"date_to": "2030-06-10"}, "CDE"),
    ({"date_from": "2030-05-01", "date_to": "2030-06-20"}, "BCDE"),
    ({"date_from": "2030-05-02", "date_to": "2030-06-10"}, "CD"),
    ({"kind": ["$telefonat"]}, "A"),
    ({"kind": ["$telefonat", "$brief"]}, "AB"),
    ({"kind_group": "$schriftlich"}, "BC"),
    ({"kind_group": "$schriftlich", "kind": ["$telefonat"]}, ""),
    ({"type": ["$akquise", "$support"]}, "AC"),
    ({"type_group": "$service"}, "BC"),
    ({"company": "$other"}, "CD"),
    ({"person": "$person"}, "A"),
    ({"recorded_by": "$admin"}, "DE"),
    ({"owner": "$sales"}, "AC"),
    ({"state": "open"}, "AB"),
    ({"state": "overdue"}, "B"),
    ({"state": "done"}, "C"),
    ({"state": "none"}, "DE"),
    ({"link_kind": "person", "link_id": "$person"}, "D"),
    ({"company": "$company", "state": "open"}, "AB"),
    ({"sort": "oldest"}, "EDCBA"),
    ({"sort": "subject"}, "ABCDE"),
    ({"sort": "due"}, "BCA"),
    ({"company": 999999}, ""),
]  # fmt: skip


@pytest.mark.parametrize(("params", "expected"), CONTACT_FILTERS, ids=str)
def test_list_filters(sales_api, journal, params, expected):
    query = {key: _fill(value, journal) for key, value in params.items()}
    response = sales_api.get("/contacts", query)
    assert response.status_code == 200, response.content
    subjects = [item["subject"][0] for item in response.json()["items"]]
    assert "".join(subjects) == expected
    assert response.json()["count"] == len(expected)


def test_the_list_needs_the_same_queries_for_one_or_many_rows(
    sales_api, journal, world, sales_user
):
    def queries_for_list() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert sales_api.get("/contacts").status_code == 200
        return len(captured)

    queries_for_list()  # the token's first use is written down once
    before = queries_for_list()
    for _i in range(5):
        make_contact(
            world["company"], by=sales_user, people=[world["person"]],
            follow_up_owner=sales_user, follow_up_due=timezone.now(),
        )  # fmt: skip
    assert queries_for_list() == before


def test_list_items_are_summaries(sales_api, journal):
    item = sales_api.get("/contacts", {"q": "Alpha"}).json()["items"][0]
    assert item["excerpt"] == "Rabatt für Zahnräder"
    assert item["follow_up"]["state"] == "open"
    assert item["kind"]["group"]["name"] == "Mündlich"
    assert "text" not in item and "attachments" not in item


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"link_kind": "person"}, "link_id"),
        ({"link_id": 3}, "link_kind"),
        ({"link_kind": "planet", "link_id": 3}, "link_kind"),
        ({"state": "lost"}, "state"),
        ({"sort": "random"}, "sort"),
        ({"kind": "Telefonat"}, "kind"),
        ({"company": "x"}, "company"),
        ({"date_from": "gestern"}, "date_from"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"q": "a\x00"}, "q"),
    ],
    ids=str,
)
def test_bad_list_parameters_are_field_errors(sales_api, journal, params, field):
    response = sales_api.get("/contacts", params)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()


def test_a_tampered_cursor_is_400(sales_api, journal):
    response = sales_api.get("/contacts", {"cursor": "bm9uc2Vuc2U"})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize("sort", ["newest", "oldest", "due", "subject"])
def test_keyset_pagination_walks_every_contact_once(sales_api, sales_user, world, sort):
    start = timezone.make_aware(datetime.datetime(2030, 1, 1, 8, 0))
    for i in range(11):
        # Pairs with the same time, subject and due date: the id breaks the tie.
        make_contact(
            world["company"],
            by=sales_user,
            subject=f"Kontakt {i // 2}",
            occurred_at=start + datetime.timedelta(hours=i // 2),
            follow_up_owner=sales_user if i != 10 else None,
            follow_up_due=start + datetime.timedelta(days=i // 2) if i != 10 else None,
        )
    expected_total = 10 if sort == "due" else 11
    fetch = functools.partial(sales_api.get, "/contacts")
    pages, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
        data = fetch(params).json()
        pages.append([item["id"] for item in data["items"]])
        assert data["count"] == expected_total
        cursor = data["next_cursor"]
        if cursor is None:
            break
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) == expected_total
    assert [len(page) for page in pages] == [3, 3, 3, expected_total - 9]
    everything = fetch({"sort": sort, "limit": 200}).json()["items"]
    assert seen == [item["id"] for item in everything]
    # Back from the third page to the second.
    second = fetch({"sort": sort, "limit": 3}).json()["next_cursor"]
    third = fetch({"sort": sort, "limit": 3, "cursor": second}).json()
    back = fetch({"sort": sort, "limit": 3, "cursor": third["previous_cursor"]}).json()
    assert [item["id"] for item in back["items"]] == pages[0]


# --- master tables of kinds and types ------------------------------------------------------


@pytest.mark.parametrize("table", ["contact-kind", "contact-type"])
def test_two_level_master_tables(admin_api, sales_api, table):
    groups, items = f"/master/{table}-groups", f"/master/{table}s"
    first = admin_api.post(groups, {"name": "Digital"})
    second = admin_api.post(groups, {"name": "Analog"})
    assert first.status_code == second.status_code == 201, first.content
    a, b = first.json()["id"], second.json()["id"]
    created = admin_api.post(items, {"name": "Videocall", "group": a})
    assert created.status_code == 201, created.content
    assert created.json()["group"] == {"id": a, "name": "Digital"}
    duplicate = admin_api.post(items, {"name": "videocall", "group": a})
    assert duplicate.status_code == 422, duplicate.content
    assert "name" in duplicate.json()["errors"]
    assert admin_api.post(items, {"name": "Videocall", "group": b}).status_code == 201
    assert admin_api.post(items, {"name": "Chat", "group": 999999}).status_code == 422
    assert admin_api.post(items, {"name": "Chat"}).status_code == 422
    listed = sales_api.get(items, {"q": "video"}).json()
    assert listed["count"] == 2
    assert sales_api.post(items, {"name": "Chat", "group": a}).status_code == 403


def test_the_openapi_describes_the_journal(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}/follow-up/done",
        "/api/v1/contacts/{contact_id}/attachments/{attachment_id}",
        "/api/v1/follow-ups",
        "/api/v1/absences/cycles",
        "/api/v1/absences/{absence_id}",
    ):
        assert path in paths, path
    journal = [
        operation
        for path, operations in paths.items()
        if path.startswith(("/api/v1/contacts", "/api/v1/follow-ups", "/api/v1/absences"))
        for operation in operations.values()
    ]
    assert len(journal) == 19
    for operation in journal:
        assert operation["summary"][0].isupper(), operation["operationId"]
        assert operation["summary"].isascii(), operation["summary"]
    upload = paths["/api/v1/contacts/{contact_id}/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
