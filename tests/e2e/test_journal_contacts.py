"""Recording a contact in a real browser: from the company page, with the text editor."""

import re

import pytest

from merkur.journal.models import Contact
from tests.factories import contact_master, make_company, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_record_contact_with_list_and_follow_up_from_the_company_page(logged_in_page):
    page = logged_in_page
    contact_master()
    company = make_company(name="Journal Test AG")
    person = make_person(company, first_name="Greta", last_name="Gruber")

    page.goto(company.get_absolute_url())
    page.click("#panel-record-contact")
    page.wait_for_url(re.compile(r"/journal/new/\?company="))
    assert page.input_value("input[name=company]") == f"Journal Test AG (#{company.pk})"
    page.check(f"input[name=people][value='{person.pk}']")
    page.select_option("select[name=kind]", label="Telefonat")
    page.fill("input[name=subject]", "Jahresgespräch")

    # The rich-text editor replaces the textarea: a paragraph, then a bullet list.
    assert page.locator("textarea[name=text]").is_hidden()
    editor = page.locator(".richtext-editor")
    editor.click()
    page.keyboard.type("Besprochen wurde:")
    page.keyboard.press("Enter")
    page.click("button[data-command=insertUnorderedList]")
    page.keyboard.type("Preise 2027")
    page.keyboard.press("Enter")
    page.keyboard.type("Lieferzeiten")
    assert editor.locator("ul li").count() == 2

    page.select_option("select[name=follow_up_owner]", label="erika")
    page.fill("input[name=follow_up_due]", "2026-12-01T09:00")
    page.click("#save-contact")
    page.wait_for_url(re.compile(r"/journal/\d+/$"))

    contact = Contact.objects.get(subject="Jahresgespräch")
    assert "<ul><li>Preise 2027</li><li>Lieferzeiten</li></ul>" in contact.text
    assert "Besprochen wurde:" in contact.text
    assert list(contact.people.all()) == [person]
    assert contact.follow_up_owner.username == "erika"
    assert page.locator("#contact-text ul li").count() == 2

    page.goto(company.get_absolute_url())
    entry = page.locator(f"#contact-panel [data-contact='{contact.pk}']")
    assert entry.is_visible()
    assert "Jahresgespräch" in entry.inner_text()
    assert "erika" in entry.inner_text()
