"""The fax channel: the person's or the company's number, the PDF letter per recipient."""

from email import message_from_bytes, policy

import pytest

from merkur.companies.models import Company, Person
from merkur.jobs.services import run_inline
from merkur.journal.models import Contact
from merkur.mailings.models import ItemState, MailingItem
from tests.factories import make_company, make_person
from tests.mailings.email.smtp_sink import smtp  # noqa: F401  (the fixture)
from tests.mailings.mailing.conftest import make_mailing, make_run

OPTIONS = {"pdf": {"subject": "Einladung", "body": "{{ salutation_line }}\n\nwir laden ein."}}


@pytest.fixture
def recipients(db):
    with_fax = make_company(name="Fax GmbH", fax="030 1234567")
    without = make_company(name="Ohne Fax GmbH")
    return {
        "own": make_person(with_fax, first_name="Eigen", fax="+49 40 7654321"),
        "company": make_person(with_fax, first_name="Firma"),
        "none": make_person(without, first_name="Keins"),
        "invalid": make_person(without, first_name="Falsch"),
    }


def by_name(mailing):
    return {
        item.person.first_name: item
        for item in MailingItem.objects.filter(mailing=mailing).select_related("person")
    }


def test_fax_numbers_are_normalised_when_saved(recipients):
    assert Company.objects.get(name="Fax GmbH").fax == "+49 30 1234567"
    assert recipients["own"].fax == "+49 40 7654321"


def test_faxes_go_through_the_e_mail_gateway_with_the_pdf_letter(
    recipients,
    sales_user,
    settings,
    smtp,  # noqa: F811
):
    settings.MERKUR_EMAIL_URL = smtp.url
    settings.MERKUR_EMAIL_PER_MINUTE = 0
    settings.MERKUR_FAX_URL = "smtp-gateway://gw.example?domain=fax.example"
    # A number that cannot be dialled (stored unchecked, as an import might).
    Person.objects.filter(pk=recipients["invalid"].pk).update(fax="12")
    mailing = make_mailing(
        make_run(recipients.values()), by=sales_user, channels=["fax"], options=OPTIONS
    )
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)

    assert summary["items"] == {"sent": 2, "skipped": 2}
    received = sorted(envelope.rcpt_tos[0] for envelope in smtp.handler.envelopes)
    assert received == ["49301234567@fax.example", "49407654321@fax.example"]
    message = message_from_bytes(smtp.handler.envelopes[0].content, policy=policy.default)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")

    items = by_name(mailing)
    assert items["Eigen"].state == items["Firma"].state == ItemState.SENT
    assert "+494076543" in items["Eigen"].detail and "+4930123" in items["Firma"].detail
    assert items["Keins"].state == ItemState.SKIPPED
    assert items["Keins"].reason and items["Falsch"].reason
    assert items["Falsch"].state == ItemState.SKIPPED and "12" in items["Falsch"].reason
    assert items["Keins"].reason != items["Falsch"].reason
    contacts = Contact.objects.order_by("id")
    assert [c.kind.name for c in contacts] == ["Fax", "Fax"]
    assert all(item.contact_id for item in (items["Eigen"], items["Firma"]))


def test_with_fax_switched_off_each_fax_is_failed_with_the_reason(recipients, sales_user, settings):
    settings.MERKUR_FAX_URL = "none://"
    mailing = make_mailing(
        make_run([recipients["own"]]), by=sales_user, channels=["fax"], options=OPTIONS
    )
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    assert summary["items"] == {"failed": 1}
    item = MailingItem.objects.get(mailing=mailing)
    assert "none://" in item.detail and item.reason
    assert not Contact.objects.exists()
