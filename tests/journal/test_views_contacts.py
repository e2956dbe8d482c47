"""The journal's contact pages: list, record, edit, delete, follow-up actions, files, links."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from merkur.core.roles import Role
from merkur.journal import services
from merkur.journal.models import Contact, ContactAttachment, ContactLink
from tests.conftest import client_for
from tests.factories import contact_master, make_company, make_contact, make_person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def user_locale():
    # The pages speak the user's language; the assertions read the English texts.
    return "en"


@pytest.fixture
def master():
    return contact_master()


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def form_data(firm, kinds, types, **overrides) -> dict:
    data = {
        "occurred_at": "2026-11-20T10:30",
        "company": f"{firm.name} (#{firm.pk})",
        "kind": str(kinds["Telefonat"].pk),
        "type": str(types["Akquise"].pk),
        "subject": "Offerte besprochen",
        "text": "",
        "follow_up_owner": "",
        "follow_up_due": "",
        "rec_frequency": "",
        "rec_interval": "1",
        "rec_end": "never",
    }
    data.update(overrides)
    return data


# --- permissions --------------------------------------------------------------------------


@pytest.fixture
def scene(users, sales_user, master):
    company = make_company()
    person = make_person(company)
    contact = make_contact(
        company,
        by=sales_user,
        people=[person],
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() + datetime.timedelta(days=1),
        recurrence_rule="FREQ=WEEKLY",
    )
    attachment = services.attachment_add(
        contact=contact, upload=SimpleUploadedFile("a.pdf", PDF), by=sales_user
    )
    return {"company": company, "person": person, "contact": contact, "attachment": attachment}


def _pages(scene):
    pk = scene["contact"].pk
    return {
        "list": (reverse("journal:list"), "view"),
        "detail": (reverse("journal:contact", args=[pk]), "view"),
        "download": (reverse("journal:attachment", args=[scene["attachment"].pk]), "view"),
        "create": (reverse("journal:contact_create"), "write"),
        "people": (reverse("journal:contact_people"), "write"),
        "edit": (reverse("journal:contact_edit", args=[pk]), "write"),
        "next": (reverse("journal:follow_up_next", args=[pk]), "write"),
        "delete": (reverse("journal:contact_delete", args=[pk]), "delete"),
    }


def _posts(scene):
    pk = scene["contact"].pk
    return {
        "done": reverse("journal:follow_up_done", args=[pk]),
        "skip": reverse("journal:follow_up_skip", args=[pk]),
        "attach": reverse("journal:attachment_add", args=[pk]),
        "link": reverse("journal:link_add", args=[pk]),
        "unattach": reverse("journal:attachment_delete", args=[scene["attachment"].pk]),
    }


def test_anonymous_is_sent_to_login(client, scene):
    for url, _need in _pages(scene).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in _posts(scene).values():
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES, Role.MARKETING, Role.READ_ONLY])
def test_permission_matrix_of_pages(users, scene, role):
    user = users[role]
    client = client_for(user)
    writer = role != Role.READ_ONLY
    for name, (url, need) in _pages(scene).items():
        if need == "view":
            expected = 200
        elif need == "write":
            expected = 200 if writer else 403
        else:  # the recorder (sales) or the journal manager (admin)
            expected = 200 if role in (Role.ADMIN, Role.SALES) else 403
        assert client.get(url).status_code == expected, (name, role)


@pytest.mark.parametrize("role", [Role.MARKETING, Role.READ_ONLY])
def test_read_only_and_other_writers_cannot_change(users, scene, role):
    client = client_for(users[role])
    if role == Role.READ_ONLY:
        for url in _posts(scene).values():
            assert client.post(url).status_code == 403, url
        detail = client.get(reverse("journal:contact", args=[scene["contact"].pk])).content
        for marker in (b'id="edit-contact"', b'id="mark-done"', b'id="link-form"', b"/delete/"):
            assert marker not in detail
    # Neither may delete a contact somebody else recorded.
    url = reverse("journal:contact_delete", args=[scene["contact"].pk])
    assert client.post(url).status_code == 403
    assert Contact.objects.filter(pk=scene["contact"].pk).exists()


# --- the list -----------------------------------------------------------------------------


def test_list_shows_contacts_with_follow_up_state(sales_client, sales_user, master):
    company = make_company(name="Alpha AG")
    person = make_person(company, first_name="Hans", last_name="Huber")
    make_contact(
        company,
        by=sales_user,
        people=[person],
        subject="Überfällig",
        text="<p>Lange Rede kurzer Sinn</p>",
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() - datetime.timedelta(days=2),
    )
    response = sales_client.get(reverse("journal:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Überfällig" in body and "Alpha AG" in body and "Hans Huber" in body
    assert "Lange Rede kurzer Sinn" in body
    assert 'data-state="overdue"' in body and "table-danger" in body


def test_text_preview_keeps_words_apart_and_survives_cut_tags():
    from merkur.journal.templatetags.journal_tags import text_preview

    assert text_preview("<p>Besprochen:</p><ul><li>Preise</li><li>Zeiten</li></ul>") == (
        "Besprochen: • Preise • Zeiten"
    )
    assert text_preview("<p>Eins zwei</p><p>drei <stro") == "Eins zwei drei"
    assert text_preview("<p>" + "Wort " * 30 + "</p>", 3) == "Wort Wort Wort…"


def test_list_export_links_keep_filters(sales_client, master):
    # htmx swaps only the table, which carries the export menu with the new filters.
    response = sales_client.get(
        reverse("journal:list"), {"q": "offerte", "cursor": "x"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and 'id="contact-list"' in body
    export = reverse("journal:export")
    assert f"{export}?q=offerte&amp;format=csv" in body
    assert "cursor=x&amp;format" not in body


def _subjects(client, **params) -> set[str]:
    response = client.get(reverse("journal:list"), params)
    assert response.status_code == 200
    return {c.subject for c in response.context["page"].items}


def test_each_filter_filters(sales_client, sales_user, marketing_user, master):
    kinds, types = master
    alpha, beta = make_company(name="Alpha AG"), make_company(name="Beta GmbH")
    anna = make_person(alpha, first_name="Anna", last_name="Amsel")
    due = timezone.now() + datetime.timedelta(days=3)
    make_contact(
        alpha,
        by=sales_user,
        people=[anna],
        subject="A1",
        text="Maschine defekt",
        occurred_at=local(2026, 3, 1, 9, 0),
        kind="Telefonat",
        type="Reklamation",
        follow_up_owner=marketing_user,
        follow_up_due=due,
    )
    make_contact(
        beta,
        by=marketing_user,
        subject="B1",
        occurred_at=local(2026, 6, 1, 9, 0),
        kind="Brief",
        type="Akquise",
    )
    overdue = make_contact(
        beta,
        by=sales_user,
        subject="B2",
        occurred_at=local(2026, 7, 1, 9, 0),
        kind="E-Mail",
        type="Terminvereinbarung",
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() - datetime.timedelta(hours=1),
    )
    done = make_contact(
        beta,
        by=sales_user,
        subject="B3",
        occurred_at=local(2026, 8, 1, 9, 0),
        follow_up_owner=sales_user,
        follow_up_due=due,
    )
    services.follow_up_done(contact=done, by=sales_user)
    every = {"A1", "B1", "B2", "B3"}
    assert _subjects(sales_client) == every
    assert _subjects(sales_client, date_from="2026-05-01", date_to="2026-07-01") == {"B1", "B2"}
    assert _subjects(sales_client, kind_group=kinds["Brief"].group_id) == {"B1", "B2"}
    assert _subjects(sales_client, kind=kinds["Telefonat"].pk) == {"A1", "B3"}
    assert _subjects(sales_client, type_group=types["Reklamation"].group_id) == {"A1"}
    assert _subjects(sales_client, type=types["Akquise"].pk) == {"B1", "B3"}
    assert _subjects(sales_client, company=alpha.pk) == {"A1"}
    assert _subjects(sales_client, company="Beta GmbH") == {"B1", "B2", "B3"}
    assert _subjects(sales_client, person=f"Anna Amsel (#{anna.pk})") == {"A1"}
    assert _subjects(sales_client, recorded_by=marketing_user.pk) == {"B1"}
    assert _subjects(sales_client, owner=sales_user.pk) == {"B2", "B3"}
    assert _subjects(sales_client, state="open") == {"A1", "B2"}
    assert _subjects(sales_client, state="overdue") == {overdue.subject}
    assert _subjects(sales_client, state="done") == {"B3"}
    assert _subjects(sales_client, state="none") == {"B1"}
    assert _subjects(sales_client, q="maschine") == {"A1"}
    due_sorted = sales_client.get(reverse("journal:list"), {"sort": "due"}).context["page"]
    assert [c.subject for c in due_sorted.items] == ["B2", "A1", "B3"]
    oldest = sales_client.get(reverse("journal:list"), {"sort": "oldest"}).context["page"]
    assert [c.subject for c in oldest.items] == ["A1", "B1", "B2", "B3"]


def test_bad_filter_input_shows_errors(sales_client, master):
    response = sales_client.get(
        reverse("journal:list"),
        {
            "date_from": "2026-13-45",
            "company": "Niemand AG",
            "state": "weird",
            "kind": "99999",
            "sort": "nonsense",
            "cursor": "garbage",
            "owner": "x" * 30,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="filter-errors"' in body
    assert "No Company matches “Niemand AG”." in body
    assert response.context["filter_form"].errors.keys() >= {"date_from", "company", "state"}


def test_period_the_wrong_way_round(sales_client, master):
    response = sales_client.get(
        reverse("journal:list"), {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert "The end of the period is before its start." in response.content.decode()


def test_keyset_next_page(sales_client, sales_user, master):
    company = make_company()
    start = local(2026, 1, 1, 8, 0)
    for i in range(53):
        make_contact(
            company,
            by=sales_user,
            subject=f"K{i:02d}",
            occurred_at=start + datetime.timedelta(hours=i),
        )
    first = sales_client.get(reverse("journal:list"))
    page = first.context["page"]
    assert len(page.items) == 50 and page.items[0].subject == "K52"
    assert first.context["count"].value == 53
    second = sales_client.get(reverse("journal:list"), {"cursor": page.next_cursor})
    assert [c.subject for c in second.context["page"].items] == ["K02", "K01", "K00"]
    assert not second.context["page"].has_next


def test_list_query_count_does_not_grow_with_rows(sales_client, sales_user, master):
    company = make_company()
    people = [make_person(company) for _ in range(3)]
    for _ in range(5):
        make_contact(company, by=sales_user, people=people)
    sales_client.get(reverse("journal:list"))  # the session's first request does more
    with CaptureQueriesContext(connection) as few:
        sales_client.get(reverse("journal:list"))
    for _ in range(10):
        make_contact(company, by=sales_user, people=people)
    with CaptureQueriesContext(connection) as many:
        sales_client.get(reverse("journal:list"))
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- recording ------------------------------------------------------------------------------


def test_record_a_contact(sales_client, sales_user, marketing_user, master):
    kinds, types = master
    company = make_company(name="Gamma AG")
    person = make_person(company)
    data = form_data(
        company,
        kinds,
        types,
        people=[str(person.pk)],
        text="<p>Erster Absatz</p><ul><li>Punkt</li></ul><script>alert(1)</script>",
        follow_up_owner=str(marketing_user.pk),
        follow_up_due="2026-12-01T09:00",
    )
    response = sales_client.post(reverse("journal:contact_create"), data)
    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"] == contact.get_absolute_url()
    assert contact.company == company and list(contact.people.all()) == [person]
    assert contact.recorded_by == sales_user and contact.follow_up_owner == marketing_user
    assert contact.follow_up_due == local(2026, 12, 1, 9, 0)
    assert contact.kind == kinds["Telefonat"] and contact.type == types["Akquise"]
    assert "<ul><li>Punkt</li></ul>" in contact.text and "script" not in contact.text
    detail = sales_client.get(contact.get_absolute_url()).content.decode()
    assert "<li>Punkt</li>" in detail and "<script>alert" not in detail


def test_prefill_from_company_and_person(sales_client, master):
    company = make_company(name="Delta AG")
    person = make_person(company, first_name="Dora", last_name="Dachs")
    make_person(company, first_name="Emil", last_name="Elch")
    response = sales_client.get(reverse("journal:contact_create"), {"person": person.pk})
    form = response.context["form"]
    assert form.initial["company"] == company and form.initial["people"] == [person.pk]
    body = response.content.decode()
    assert f"Delta AG (#{company.pk})" in body
    assert "Dora Dachs" in body and "Emil Elch" in body
    response = sales_client.get(reverse("journal:contact_create"), {"company": company.pk})
    assert response.context["form"].initial["company"] == company
    assert f'href="{company.get_absolute_url()}">Cancel' in response.content.decode()
    assert "people" not in response.context["form"].initial
    # Nonsense is ignored, not an error page.
    response = sales_client.get(
        reverse("journal:contact_create"), {"company": "abc", "person": "9"}
    )
    assert response.status_code == 200


def test_people_of_another_company_are_refused(sales_client, master):
    kinds, types = master
    company, other = make_company(name="Eins AG"), make_company(name="Zwei AG")
    stranger = make_person(other, first_name="Fritz", last_name="Fremd")
    data = form_data(company, kinds, types, people=[str(stranger.pk)])
    response = sales_client.post(reverse("journal:contact_create"), data)
    assert response.status_code == 200
    assert "Fritz Fremd does not work at Eins AG." in response.content.decode()
    assert not Contact.objects.exists()


def test_people_choices_follow_the_company(sales_client, master):
    company, other = make_company(), make_company()
    mine = make_person(company, first_name="Ida", last_name="Igel")
    make_person(other, first_name="Otto", last_name="Otter")
    response = sales_client.get(
        reverse("journal:contact_people"),
        {"company": f"{company.name} (#{company.pk})", "people": [str(mine.pk)]},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "Ida Igel" in body and "Otto Otter" not in body and "checked" in body
    response = sales_client.get(reverse("journal:contact_people"), {"company": ""})
    assert "Choose the company first" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occurred_at", "2026-02-30T10:00", "Enter a valid date/time."),
        ("occurred_at", "", "This field is required."),
        ("follow_up_due", "morgen", "Enter a valid date/time."),
        ("company", "", "This field is required."),
        ("company", "Gibtsnicht", "No Company matches “Gibtsnicht”."),
        ("kind", "abc", "Select a valid choice."),
        ("subject", "", "This field is required."),
    ],
)
def test_bad_input_is_shown_on_the_form(sales_client, master, field, value, message):
    kinds, types = master
    company = make_company()
    data = form_data(company, kinds, types, **{field: value})
    response = sales_client.post(reverse("journal:contact_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Contact.objects.exists()


def test_follow_up_owner_without_due_date(sales_client, sales_user, master):
    kinds, types = master
    data = form_data(make_company(), kinds, types, follow_up_owner=str(sales_user.pk))
    response = sales_client.post(reverse("journal:contact_create"), data)
    assert "A follow-up needs a due date." in response.content.decode()


def test_recurring_contact_form_to_rule_to_description(sales_client, sales_user, master):
    kinds, types = master
    data = form_data(
        make_company(),
        kinds,
        types,
        follow_up_owner=str(sales_user.pk),
        follow_up_due="2026-12-01T09:00",
        rec_frequency="WEEKLY",
        rec_interval="2",
        rec_weekdays=["TU"],
        rec_end="count",
        rec_count="5",
    )
    response = sales_client.post(reverse("journal:contact_create"), data)
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert contact.recurrence_rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=5"
    assert contact.series_id == contact.pk
    detail = sales_client.get(contact.get_absolute_url())
    body = detail.content.decode()
    assert "Every 2 weeks on Tuesday, 5 times" in body
    upcoming = detail.context["recurrence"]["upcoming"]
    assert upcoming[0] == local(2026, 12, 1, 9, 0)
    assert upcoming[1] == local(2026, 12, 15, 9, 0)
    assert 'id="skip"' in body
    # The edit form reads the rule back into its fields.
    form = sales_client.get(reverse("journal:contact_edit", args=[contact.pk])).context["form"]
    assert form.initial["rec_frequency"] == "WEEKLY" and form.initial["rec_weekdays"] == ["TU"]
    assert form.initial["rec_count"] == 5


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"rec_frequency": "QUARTERLY"}, "FREQ=MONTHLY;INTERVAL=3"),
        (
            {"rec_frequency": "MONTHLY", "rec_monthly": "weekday", "rec_week_of_month": "-1",
             "rec_month_weekday": "FR"},
            "FREQ=MONTHLY;BYDAY=-1FR",
        ),
        (
            {"rec_frequency": "MONTHLY", "rec_monthly": "day", "rec_month_day": "15",
             "rec_end": "until", "rec_until": "2027-06-30"},
            "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20270630T235959",
        ),
        ({"rec_frequency": "YEARLY"}, "FREQ=YEARLY"),
        ({"rec_frequency": "DAILY", "rec_interval": "3"}, "FREQ=DAILY;INTERVAL=3"),
    ],
)  # fmt: skip
def test_recurrence_fields_make_rules(sales_client, sales_user, master, fields, rule):
    kinds, types = master
    data = form_data(
        make_company(),
        kinds,
        types,
        follow_up_owner=str(sales_user.pk),
        follow_up_due="2026-12-01T09:00",
        **fields,
    )
    response = sales_client.post(reverse("journal:contact_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Contact.objects.get().recurrence_rule == rule


def test_recurrence_needs_a_follow_up_and_complete_fields(sales_client, sales_user, master):
    kinds, types = master
    company = make_company()
    data = form_data(company, kinds, types, rec_frequency="WEEKLY")
    body = sales_client.post(reverse("journal:contact_create"), data).content.decode()
    assert "A recurring contact needs somebody who follows up." in body
    data = form_data(
        company,
        kinds,
        types,
        follow_up_owner=str(sales_user.pk),
        follow_up_due="2026-12-01T09:00",
        rec_frequency="MONTHLY",
        rec_monthly="day",
    )
    body = sales_client.post(reverse("journal:contact_create"), data).content.decode()
    assert "Enter the day of the month." in body
    assert not Contact.objects.exists()


# --- attachments --------------------------------------------------------------------------


def test_attachments_on_create(sales_client, master, media):
    kinds, types = master
    data = form_data(
        make_company(),
        kinds,
        types,
        attachments=[
            SimpleUploadedFile("Offerte.pdf", PDF, content_type="application/pdf"),
            SimpleUploadedFile("notiz.txt", b"Hallo", content_type="text/plain"),
        ],
    )
    response = sales_client.post(reverse("journal:contact_create"), data)
    assert response.status_code == 302
    names = sorted(ContactAttachment.objects.values_list("name", flat=True))
    assert names == ["Offerte.pdf", "notiz.txt"]
    stored = ContactAttachment.objects.get(name="Offerte.pdf").file.path
    assert stored.startswith(str(media))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "Files of type “exe” cannot be attached."),
        ("fake.pdf", b"<html>not a pdf</html>", "“fake.pdf” is not a real PDF file."),
        ("big.pdf", PDF + b"0" * (1024 * 1024), "“big.pdf” is larger than 1 MB."),
        ("leer.txt", b"", "The submitted file is empty."),
    ],
)
def test_refused_attachments_on_create(sales_client, master, settings, name, content, message):
    settings.MERKUR_ATTACHMENT_MAX_MB = 1
    kinds, types = master
    upload = SimpleUploadedFile(name, content)
    data = form_data(make_company(), kinds, types, attachments=[upload])
    response = sales_client.post(reverse("journal:contact_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Contact.objects.exists() and not ContactAttachment.objects.exists()


def test_attachments_on_the_detail_page(sales_client, scene, settings):
    settings.MERKUR_ATTACHMENT_MAX_MB = 1
    contact = scene["contact"]
    url = reverse("journal:attachment_add", args=[contact.pk])
    response = sales_client.post(
        url,
        {
            "files": [
                SimpleUploadedFile("Bericht.pdf", PDF),
                SimpleUploadedFile("falsch.pdf", b"nope"),
            ]
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Attached: Bericht.pdf" in body and "“falsch.pdf” is not a real PDF file." in body
    assert contact.attachments.filter(name="Bericht.pdf").exists()
    assert not contact.attachments.filter(name="falsch.pdf").exists()


def test_download_sends_the_file_with_its_name(readonly_client, scene):
    attachment = scene["attachment"]
    response = readonly_client.get(reverse("journal:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="a.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    assert readonly_client.get(reverse("journal:attachment", args=[999999])).status_code == 404


def test_attachment_remove(sales_client, scene):
    attachment = scene["attachment"]
    response = sales_client.post(reverse("journal:attachment_delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert not ContactAttachment.objects.filter(pk=attachment.pk).exists()


# --- edit and delete ------------------------------------------------------------------------


def _edit_data(client, contact, **changes) -> dict:
    form = client.get(reverse("journal:contact_edit", args=[contact.pk])).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, datetime.datetime):
            data[name] = value.strftime("%Y-%m-%dT%H:%M")
        else:
            data[name] = field.prepare_value(value) if name == "company" else value
    data.update(changes)
    return data


def test_edit_and_conflict_on_stale_version(sales_client, marketing_user, scene):
    contact = scene["contact"]
    data = _edit_data(sales_client, contact, subject="Mein neuer Betreff")
    services.contact_update(
        contact=contact,
        data={"subject": "Anderer Betreff"},
        expected_version=contact.version,
        by=marketing_user,
    )
    url = reverse("journal:contact_edit", args=[contact.pk])
    response = sales_client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="edit-conflict"' in body
    assert "Anderer Betreff" in body
    contact.refresh_from_db()
    assert contact.subject == "Anderer Betreff"
    # A second save is a conscious decision and goes through.
    data["version"] = str(contact.version)
    response = sales_client.post(url, data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.subject == "Mein neuer Betreff"
    assert list(contact.people.all()) == [scene["person"]]


def test_delete_by_recorder_and_manager(sales_client, admin_client, sales_user, scene):
    contact = scene["contact"]
    url = reverse("journal:contact_delete", args=[contact.pk])
    assert b"confirm-delete" in sales_client.get(url).content
    response = sales_client.post(url)
    assert (
        response.status_code == 302 and response["Location"] == scene["company"].get_absolute_url()
    )
    assert not Contact.objects.filter(pk=contact.pk).exists()
    other = make_contact(scene["company"], by=sales_user)
    assert admin_client.post(reverse("journal:contact_delete", args=[other.pk])).status_code == 302
    assert not Contact.objects.filter(pk=other.pk).exists()


# --- follow-up actions --------------------------------------------------------------------


def test_mark_done(marketing_user, scene):
    contact = scene["contact"]
    client = client_for(marketing_user)
    response = client.post(reverse("journal:follow_up_done", args=[contact.pk]), follow=True)
    contact.refresh_from_db()
    assert contact.follow_up_done_by == marketing_user and contact.follow_up_done_at
    body = response.content.decode()
    assert "Follow-up marked as done." in body and 'id="done-by"' in body
    # The weekly series goes on with a new open occurrence.
    following = Contact.objects.get(follows=contact)
    assert following.is_open and following.series_id == contact.pk
    again = client.post(reverse("journal:follow_up_done", args=[contact.pk]), follow=True)
    assert "This follow-up is already done." in again.content.decode()
    assert client.get(reverse("journal:follow_up_done", args=[contact.pk])).status_code == 405


def test_skip_occurrence(sales_client, scene, sales_user):
    contact = scene["contact"]
    sales_client.post(reverse("journal:follow_up_skip", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.follow_up_skipped
    plain = make_contact(
        scene["company"],
        by=sales_user,
        follow_up_owner=sales_user,
        follow_up_due=timezone.now(),
    )
    response = sales_client.post(reverse("journal:follow_up_skip", args=[plain.pk]), follow=True)
    assert "Only an occurrence of a recurring contact can be skipped." in response.content.decode()


def test_done_and_schedule_next(marketing_user, scene, master):
    kinds, _types = master
    contact = scene["contact"]
    client = client_for(marketing_user)
    url = reverse("journal:follow_up_next", args=[contact.pk])
    form = client.get(url).context["form"]
    assert form.initial["subject"] == contact.subject
    assert form.initial["follow_up_owner"] == marketing_user.pk
    assert form.initial["people"] == [scene["person"]]
    data = {
        "occurred_at": "2026-11-25T14:00",
        "people": [str(scene["person"].pk)],
        "kind": str(kinds["Besuch"].pk),
        "type": "",
        "subject": contact.subject,
        "text": "Besucht.",
        "follow_up_owner": str(marketing_user.pk),
        "follow_up_due": "2026-12-10T08:00",
        "rec_end": "never",
    }
    response = client.post(url, data)
    created = Contact.objects.get(follows=contact, kind=kinds["Besuch"])
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.company == contact.company and created.recorded_by == marketing_user
    assert created.text == "<p>Besucht.</p>"
    contact.refresh_from_db()
    assert contact.follow_up_done_by == marketing_user
    # Nothing left to do: the page says so instead of offering the form.
    response = client.get(url, follow=True)
    assert "This contact has no open follow-up." in response.content.decode()


# --- links --------------------------------------------------------------------------------


def test_link_add_and_remove(sales_client, scene):
    contact = scene["contact"]
    target = make_company(name="Partner AG")
    url = reverse("journal:link_add", args=[contact.pk])
    response = sales_client.post(url, {"kind": "company", "record": f"Partner AG (#{target.pk})"})
    assert response.status_code == 302
    link = ContactLink.objects.get(contact=contact)
    assert (link.kind, link.object_id) == ("company", target.pk)
    detail = sales_client.get(contact.get_absolute_url()).content.decode()
    assert f'href="{target.get_absolute_url()}"' in detail
    # The linked company's page lists the contact too.
    panel = sales_client.get(target.get_absolute_url()).content.decode()
    assert f'data-contact="{contact.pk}"' in panel
    response = sales_client.post(url, {"kind": "company", "record": "Niemand"})
    assert response.status_code == 400
    assert "No Company matches “Niemand”." in response.content.decode()
    response = sales_client.post(url, {"kind": "spaceship", "record": "1"})
    assert response.status_code == 400
    sales_client.post(reverse("journal:link_remove", args=[link.pk]))
    assert not ContactLink.objects.exists()


# --- panels on the company and person pages ------------------------------------------------


def test_company_and_person_panels(sales_client, readonly_client, sales_user, master):
    company = make_company()
    person = make_person(company)
    contact = make_contact(
        company,
        by=sales_user,
        people=[person],
        follow_up_owner=sales_user,
        follow_up_due=timezone.now() + datetime.timedelta(days=1),
    )
    scene = {"contact": contact}
    body = sales_client.get(company.get_absolute_url()).content.decode()
    assert 'id="contacts"' in body and f'data-contact="{scene["contact"].pk}"' in body
    assert f"{reverse('journal:contact_create')}?company={company.pk}" in body
    assert f"{reverse('journal:list')}?company={company.pk}" in body
    assert "list-group-item-warning" in body  # an open follow-up stands out
    body = sales_client.get(person.get_absolute_url()).content.decode()
    assert f"{reverse('journal:contact_create')}?person={person.pk}" in body
    assert f'data-contact="{scene["contact"].pk}"' in body
    body = readonly_client.get(company.get_absolute_url()).content.decode()
    assert 'id="contacts"' in body and 'id="panel-record-contact"' not in body


def test_company_page_after_an_attachment(sales_client, scene):
    response = sales_client.get(scene["company"].get_absolute_url())
    assert response.status_code == 200


def test_panel_costs_two_queries(rf, sales_user, scene):
    from django.template import Context, Template

    for _ in range(12):
        make_contact(scene["company"], by=sales_user, people=[scene["person"]])
    request = rf.get("/")
    request.user = sales_user
    template = Template("{% load journal_tags %}{% contact_panel company %}")
    context = Context({"request": request, "company": scene["company"]})
    with CaptureQueriesContext(connection) as queries:
        html = template.render(context)
    assert len(queries) <= 2
    assert html.count("data-contact=") == 10


def test_only_uploader_recorder_or_manager_removes_an_attachment(
    sales_user, marketing_user, master, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from merkur.journal import services as journal_services
    from merkur.journal.models import ContactAttachment

    settings.MEDIA_ROOT = tmp_path
    contact = make_contact(make_company(), by=sales_user)
    attachment = journal_services.attachment_add(
        contact=contact, upload=SimpleUploadedFile("notiz.txt", b"Hallo"), by=sales_user
    )
    url = reverse("journal:attachment_delete", args=[attachment.pk])
    assert client_for(marketing_user).post(url).status_code == 403
    assert ContactAttachment.objects.filter(pk=attachment.pk).exists()
    assert client_for(sales_user).post(url).status_code == 302
    assert not ContactAttachment.objects.filter(pk=attachment.pk).exists()
