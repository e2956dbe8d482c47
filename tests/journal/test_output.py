"""Journal output: list export, a contact as DOCX letter and as e-mail (real SMTP)."""

import csv
import datetime
import email
import email.policy
import io
import socket

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from docx import Document

from merkur.companies.models import Salutation, Title
from merkur.companies.services import person_set_address
from merkur.core.roles import Role
from merkur.journal.models import Contact, ContactKind
from tests.conftest import client_for
from tests.core.test_listexport import pdf_text
from tests.factories import contact_master, make_company, make_contact, make_person

pytestmark = pytest.mark.django_db

TEXT = "<p>Guten Tag, wir haben über Ihre Anfrage gesprochen.</p><ul><li>Preis: 5 €</li><li>Lieferung ab März</li></ul><p>Grüße</p>"  # noqa: E501


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


@pytest.fixture
def master(db):
    return contact_master()


@pytest.fixture
def salutations(db):
    frau = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    herr = Salutation.objects.create(name="Herr", letter_salutation="Sehr geehrter Herr")
    doctor = Title.objects.create(name="Dr.", in_letter_salutation=True)
    return {"Frau": frau, "Herr": herr, "Dr.": doctor}


def content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.getvalue()


# --- list export ---------------------------------------------------------------------------


@pytest.fixture
def journal(sales_user, admin_user, master):
    """Two companies' contacts: one that matches the filter, two that don't."""
    saar = make_company(name="Saarwerk Müller GmbH", address={"postal_code": "66111"})
    berlin = make_company(name="Berliner Bau AG")
    person = make_person(saar, first_name="Jörg", last_name="Öztürk")
    when = timezone.make_aware(datetime.datetime(2026, 11, 2, 10, 15))
    shown = make_contact(
        saar,
        by=sales_user,
        people=[person],
        kind="Besuch",
        subject='=HYPERLINK("http://x","Angebot")',
        text=TEXT,
        occurred_at=when,
        follow_up_owner=admin_user,
        follow_up_due=when + datetime.timedelta(days=7),
    )
    other_company = make_contact(berlin, by=sales_user, kind="Besuch", subject="Anderswo")
    other_kind = make_contact(saar, by=sales_user, kind="Telefonat", subject="Nur telefoniert")
    return {"shown": shown, "hidden": [other_company, other_kind], "company": saar}


def export_url(fmt: str, journal, master) -> str:
    kinds, _types = master
    company = journal["company"]
    return (
        reverse("journal:export") + f"?company={company.pk}&kind={kinds['Besuch'].pk}&format={fmt}"
    )


def test_csv_export_applies_the_journal_filters(readonly_client, journal, master):
    response = readonly_client.get(export_url("csv", journal, master))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-{timezone.localdate():%Y-%m-%d}.csv"')
    data = content(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    values = list(row.values())
    assert "02.11.2026 10:15" in values
    assert "Saarwerk Müller GmbH" in values
    assert "Jörg Öztürk" in values
    assert "Mündlich › Besuch" in values
    assert '\'=HYPERLINK("http://x","Angebot")' in values
    text = next(v for v in values if v.startswith("Guten Tag"))
    assert "• Preis: 5 €" in text and "<" not in text
    assert "Anderswo" not in data and "Nur telefoniert" not in data


def test_xlsx_export_has_dates_and_plain_text(readonly_client, journal, master):
    response = readonly_client.get(export_url("xlsx", journal, master))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(content(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == datetime.datetime(2026, 11, 2, 10, 15)
    column = rows[1].index('=HYPERLINK("http://x","Angebot")')  # as text, see below
    assert sheet.cell(row=2, column=column + 1).data_type == "s"
    assert isinstance(rows[1][9], datetime.datetime)  # follow-up due


def test_pdf_export_describes_the_filter(readonly_client, journal, master):
    response = readonly_client.get(export_url("pdf", journal, master))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(content(response))
    kind, company = gettext("Kind"), gettext("Company")
    assert f"{kind}: Besuch · {company}: Saarwerk Müller GmbH · " in text  # the filter
    assert "Mündlich ›" in text  # the row (its kind, wrapped in the narrow column)
    assert "Jörg Öztürk" in text
    assert "Nur telefoniert" not in text
    assert "1 of 1" in text or "1 von 1" in text


def test_export_without_format_is_a_clear_400(readonly_client, master):
    response = readonly_client.get(reverse("journal:export") + "?format=doc")
    assert response.status_code == 400
    assert "csv" in response.content.decode()


def test_export_with_a_bad_filter_value_does_not_fail(readonly_client, journal):
    response = readonly_client.get(reverse("journal:export") + "?date_from=gestern&format=csv")
    assert response.status_code == 200
    assert content(response).decode("utf-8-sig").count("\r\n") == 4  # header + 3 contacts


# --- letter --------------------------------------------------------------------------------


def letter(client, contact, **params):
    response = client.get(reverse("journal:contact_letter", args=[contact.pk]), params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    document = Document(io.BytesIO(response.getvalue()))
    return response, [(p.style.name, p.text) for p in document.paragraphs]


def texts(paragraphs) -> list[str]:
    return [text for _style, text in paragraphs]


def test_letter_to_a_german_person(readonly_client, sales_user, master, salutations):
    company = make_company(name="Saarwerk GmbH", address={"street": "Am Hafen 3",
                           "postal_code": "66111", "city": "Saarbrücken"})  # fmt: skip
    person = make_person(
        company,
        salutation=salutations["Frau"],
        title=salutations["Dr."],
        first_name="Erika",
        last_name="Muster",
    )
    contact = make_contact(
        company, by=sales_user, people=[person], subject="Angebot für Öfen", text=TEXT
    )
    response, paragraphs = letter(readonly_client, contact)
    assert 'filename="brief-angebot-fur-ofen.docx"' in response["Content-Disposition"]
    lines = texts(paragraphs)
    block = lines[lines.index("Saarwerk GmbH") : lines.index("Saarwerk GmbH") + 4]
    assert block == ["Saarwerk GmbH", "Frau Dr. Erika Muster", "Am Hafen 3", "66111 Saarbrücken"]
    assert "Sehr geehrte Frau Dr. Muster," in lines
    assert "Angebot für Öfen" in lines
    assert ("List Bullet", "Preis: 5 €") in paragraphs
    assert ("List Bullet", "Lieferung ab März") in paragraphs
    assert "Guten Tag, wir haben über Ihre Anfrage gesprochen." in lines
    today = timezone.localdate()
    assert any(line.startswith("Berlin, ") and str(today.year) in line for line in lines)
    header = Document(io.BytesIO(response.getvalue())).sections[0].first_page_header
    assert [p.text for p in header.paragraphs][:3] == [
        "Merkur Demo AG", "Musterstrasse 1", "10115 Berlin",
    ]  # fmt: skip
    assert lines[0] == "Merkur Demo AG · Musterstrasse 1 · 10115 Berlin"  # the return line


def test_letter_abroad_ends_with_the_country(readonly_client, sales_user, master, salutations):
    swiss = make_company(
        name="Alpen AG",
        address={"street": "Bahnhofstrasse 1", "postal_code": "8001", "city": "Zürich",
                 "country": "CH"},
    )  # fmt: skip
    contact = make_contact(swiss, by=sales_user, subject="Offerte")
    _response, paragraphs = letter(readonly_client, contact)
    lines = texts(paragraphs)
    start = lines.index("Alpen AG")
    assert lines[start : start + 4] == ["Alpen AG", "Bahnhofstrasse 1", "CH-8001 Zürich", "SCHWEIZ"]
    assert "Sehr geehrte Damen und Herren," in lines  # no person: to the company

    french = make_company(
        name="Lumière SARL",
        address={"street": "12 Rue de la Paix", "postal_code": "75002", "city": "Paris",
                 "country": "FR"},
    )  # fmt: skip
    contact = make_contact(french, by=sales_user, subject="Devis")
    lines = texts(letter(readonly_client, contact)[1])
    start = lines.index("Lumière SARL")
    assert lines[start + 1] == "12 Rue de la Paix"
    assert lines[start + 2].startswith("75002 PARIS")
    assert lines[start + 3] == "FRANKREICH"


def test_letter_to_a_chosen_person_uses_their_own_address(
    readonly_client, sales_user, master, salutations
):
    company = make_company(name="Saarwerk GmbH")
    first = make_person(company, salutation=salutations["Frau"], first_name="Anna",
                        last_name="Adler")  # fmt: skip
    second = make_person(company, salutation=salutations["Herr"], first_name="Bernd",
                         last_name="Zander")  # fmt: skip
    person_set_address(
        person=second,
        address={"street": "Heimweg 2", "postal_code": "66111", "city": "Saarbrücken",
                 "country": "DE"},
        by=None,
    )  # fmt: skip
    contact = make_contact(company, by=sales_user, people=[first, second], subject="Termin")
    lines = texts(letter(readonly_client, contact)[1])
    assert "Frau Anna Adler" in lines and "Sehr geehrte Frau Adler," in lines
    lines = texts(letter(readonly_client, contact, person=second.pk)[1])
    start = lines.index("Saarwerk GmbH")
    assert lines[start : start + 4] == [
        "Saarwerk GmbH", "Herr Bernd Zander", "Heimweg 2", "66111 Saarbrücken",
    ]  # fmt: skip
    assert "Sehr geehrter Herr Zander," in lines


def test_letter_for_a_stranger_person_is_404(readonly_client, sales_user, master):
    company = make_company()
    stranger = make_person(make_company())
    contact = make_contact(company, by=sales_user)
    url = reverse("journal:contact_letter", args=[contact.pk])
    assert readonly_client.get(url, {"person": stranger.pk}).status_code == 404
    assert readonly_client.get(url, {"person": "x"}).status_code == 404
    assert readonly_client.get(reverse("journal:contact_letter", args=[999999])).status_code == 404


# --- e-mail --------------------------------------------------------------------------------


class Handler:
    def __init__(self, refuse: str = ""):
        self.refuse = refuse
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server in this process; ``smtp.handler.refuse`` makes it say no."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Merkur <merkur@example.com>"
    yield controller
    controller.stop()


@pytest.fixture
def mail_contact(sales_user, master, salutations):
    company = make_company(name="Saarwerk GmbH")
    person = make_person(
        company, salutation=salutations["Frau"], first_name="Jördis", last_name="Größ",
        email="joerdis@example.com",
    )  # fmt: skip
    mute = make_person(company, first_name="Ohne", last_name="Mail")
    contact = make_contact(
        company, by=sales_user, people=[person, mute], subject="Angebot für Öfen", text=TEXT
    )
    return contact, person


def test_email_form_is_prefilled(sales_client, mail_contact):
    contact, _person = mail_contact
    response = sales_client.get(reverse("journal:contact_email", args=[contact.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "joerdis@example.com" in page
    assert "Angebot für Öfen" in page
    assert "• Preis: 5 €" in page
    assert "Ohne Mail" in page  # named as not reachable
    assert "E-Mail" in page  # the kind it will be recorded as


def test_sending_an_email(sales_user, sales_client, mail_contact, smtp):
    sales_user.first_name, sales_user.last_name, sales_user.email = "Vera", "Käufer", "vera@x.de"
    sales_user.save()
    contact, person = mail_contact
    body = "Liebe Frau Größ,\n\nanbei die Übersicht.\n\nGrüße"
    response = sales_client.post(
        reverse("journal:contact_email", args=[contact.pk]),
        {"recipient": person.pk, "subject": "Ihr Angebot für Öfen", "body": body},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [envelope] = smtp.handler.envelopes
    assert envelope.rcpt_tos == ["joerdis@example.com"]
    raw = envelope.original_content
    assert b"=?utf-8?" in raw.lower()  # the umlaut subject is encoded on the wire
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Ihr Angebot für Öfen"
    assert message["From"] == "Merkur <merkur@example.com>"
    assert message["To"].addresses[0].addr_spec == "joerdis@example.com"
    assert message["To"].addresses[0].display_name == "Jördis Größ"
    assert message["Reply-To"].addresses[0].addr_spec == "vera@x.de"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "anbei die Übersicht." in plain
    assert "anbei die Übersicht." in html and "<p>" in html

    recorded = Contact.objects.exclude(pk=contact.pk).get()
    assert response["Location"] == recorded.get_absolute_url()
    assert recorded.kind == ContactKind.objects.get(name="E-Mail")
    assert recorded.follows == contact
    assert list(recorded.people.all()) == [person]
    assert recorded.subject == "Ihr Angebot für Öfen"
    assert "anbei die Übersicht." in recorded.text
    assert recorded.recorded_by == sales_user


def test_unchanged_text_keeps_its_formatting(sales_client, mail_contact, smtp):
    contact, person = mail_contact
    page = sales_client.get(reverse("journal:contact_email", args=[contact.pk]))
    body = page.context["form"].initial["body"]
    sales_client.post(
        reverse("journal:contact_email", args=[contact.pk]),
        {"recipient": person.pk, "subject": "Angebot", "body": body},
    )
    message = email.message_from_bytes(
        smtp.handler.envelopes[0].original_content, policy=email.policy.default
    )
    assert "<li>Preis: 5 €</li>" in message.get_body(("html",)).get_content()


def test_a_refused_email_records_nothing_and_keeps_the_text(sales_client, mail_contact, smtp):
    smtp.handler.refuse = "550 Mailbox unavailable"
    contact, person = mail_contact
    response = sales_client.post(
        reverse("journal:contact_email", args=[contact.pk]),
        {"recipient": person.pk, "subject": "Betreff", "body": "Mein langer Text über Öfen"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "550" in page and "Mailbox unavailable" in page
    assert "Mein langer Text über Öfen" in page
    assert Contact.objects.count() == 1


def test_unreachable_server_is_a_form_error(sales_client, mail_contact, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    contact, person = mail_contact
    response = sales_client.post(
        reverse("journal:contact_email", args=[contact.pk]),
        {"recipient": person.pk, "subject": "Betreff", "body": "Text"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Contact.objects.count() == 1


def test_recipient_must_be_one_of_the_contact_people(sales_client, mail_contact, smtp):
    contact, _person = mail_contact
    stranger = make_person(make_company(), email="fremd@example.com")
    mute = contact.people.get(last_name="Mail")
    for pk in (stranger.pk, mute.pk, "abc"):
        response = sales_client.post(
            reverse("journal:contact_email", args=[contact.pk]),
            {"recipient": pk, "subject": "Betreff", "body": "Text"},
        )
        assert response.status_code == 200
        assert "recipient" in response.context["form"].errors
    assert smtp.handler.envelopes == []


def test_opted_out_recipient_is_warned_about(sales_client, mail_contact):
    contact, person = mail_contact
    person.marketing_opt_out_at = timezone.now()
    person.save()
    page = sales_client.get(reverse("journal:contact_email", args=[contact.pk])).content.decode()
    assert "alert-warning" in page and "Jördis Größ" in page


def test_without_email_kind_the_contacts_kind_is_used(sales_client, mail_contact, smtp):
    ContactKind.objects.filter(name="E-Mail").update(is_active=False)
    contact, person = mail_contact
    page = sales_client.get(reverse("journal:contact_email", args=[contact.pk])).content.decode()
    assert "Telefonat" in page
    sales_client.post(
        reverse("journal:contact_email", args=[contact.pk]),
        {"recipient": person.pk, "subject": "Betreff", "body": "Text"},
    )
    recorded = Contact.objects.exclude(pk=contact.pk).get()
    assert recorded.kind == contact.kind


def test_contact_without_email_people(sales_client, sales_user, master):
    contact = make_contact(make_company(), by=sales_user)
    response = sales_client.get(reverse("journal:contact_email", args=[contact.pk]))
    assert response.status_code == 200
    assert 'name="body"' not in response.content.decode()


# --- permissions ---------------------------------------------------------------------------


def test_permissions_per_role(users, master, client):
    company = make_company()
    person = make_person(company, email="p@example.com")
    contact = make_contact(company, by=users[Role.SALES], people=[person])
    export = reverse("journal:export") + "?format=csv"
    letter_url = reverse("journal:contact_letter", args=[contact.pk])
    email_url = reverse("journal:contact_email", args=[contact.pk])
    for url in (export, letter_url, email_url):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    expected_email = {Role.ADMIN: 200, Role.SALES: 200, Role.MARKETING: 200, Role.READ_ONLY: 403}
    for role, user in users.items():
        logged_in = client_for(user)
        assert logged_in.get(export).status_code == 200, role
        assert logged_in.get(letter_url).status_code == 200, role
        assert logged_in.get(email_url).status_code == expected_email[role], role
        posted = logged_in.post(email_url, {"recipient": person.pk, "subject": "x", "body": "y"})
        if role == Role.READ_ONLY:
            assert posted.status_code == 403
    assert Contact.objects.count() == 1 + 3  # the locmem backend took the three allowed mails


def test_email_preselects_the_person_asked_for(sales_client, mail_contact, sales_user):
    contact, person = mail_contact
    other = make_person(contact.company, first_name="Zora", last_name="Zweite", email="z@x.de")
    contact.people.add(other)
    url = reverse("journal:contact_email", args=[contact.pk])
    assert sales_client.get(url, {"person": other.pk}).context["form"].initial["recipient"] == (
        other.pk
    )
    first = sales_client.get(url, {"person": "999"}).context["form"].initial["recipient"]
    assert first == person.pk  # Größ sorts before Zweite


def test_letter_without_sender_settings(readonly_client, sales_user, master, settings):
    settings.MERKUR_SENDER = {"name": "", "street": "", "postal_code": "", "city": ""}
    contact = make_contact(make_company(name="Leer GmbH"), by=sales_user, subject="Ohne Absender")
    lines = texts(letter(readonly_client, contact)[1])
    assert lines[0] == "Leer GmbH"


def test_a_subject_with_a_line_break_is_refused_not_sent(sales_client, mail_contact, smtp):
    contact, person = mail_contact
    response = sales_client.post(
        reverse("journal:contact_email", args=[contact.pk]),
        {"recipient": person.pk, "subject": "Hallo\r\nBcc: alle@example.com", "body": "Text"},
    )
    assert response.status_code == 200
    assert "subject" in response.context["form"].errors
    assert smtp.handler.envelopes == []
