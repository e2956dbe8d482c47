"""The mailing wizard in a real browser: a marketing user creates a mailing from a frozen
run with the e-mail and CSV data-source channels, using a merge field from the wizard's
field list, previews recipient 1's e-mail, starts it; the worker runs the job here and
the reloaded page shows what was sent and what was skipped, and why."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from merkur.jobs.worker import Worker
from merkur.mailings.email import sender
from merkur.mailings.models import Channel, ItemState, Mailing, MailingStatus
from merkur.selections import runs
from merkur.selections.services import selection_save
from tests.factories import make_company, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GERMANY = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}
BUSY = ".htmx-request, .htmx-swapping, .htmx-settling"
STATES = [value for value, _label in ItemState.choices]


@pytest.fixture
def marketing_page(page, transactional_db):
    from tests.conftest import PASSWORD, _user

    user = _user("mia", "marketing")
    page.goto("/login/")
    page.fill("input[name=username]", "mia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.user = user
    return page


@pytest.fixture
def memory_mail(settings, tmp_path):
    settings.MERKUR_EMAIL_URL = "memory://"
    settings.MERKUR_EMAIL_PER_MINUTE = 0
    settings.DEFAULT_FROM_EMAIL = "Merkur <merkur@example.com>"
    settings.DATA_DIR = tmp_path
    sender.outbox.clear()
    yield sender.outbox
    sender.outbox.clear()


@pytest.fixture
def frozen_run(marketing_page):
    company = make_company(name="Müller Maschinenbau GmbH")
    make_person(company, first_name="Anna", last_name="Ärger", email="anna@example.com")
    make_person(company, first_name="Bernd", last_name="Brot", email="bernd@example.com")
    make_person(company, first_name="Clara", last_name="Ohnemail", email="")
    make_person(
        company,
        first_name="Dora",
        last_name="Widerspruch",
        email="dora@example.com",
        marketing_opt_out_at=timezone.now(),
    )
    selection = selection_save(
        data={"name": "Kunden Deutschland", "definition": GERMANY}, by=marketing_page.user
    )
    return runs.freeze(selection.definition, by=marketing_page.user, selection=selection)


def counts_of(page, row: int) -> dict[str, int]:
    cells = page.locator("#mailing-counts tbody tr").nth(row).locator("td")
    return {state: int(cells.nth(i).inner_text()) for i, state in enumerate(STATES)}


def test_wizard_preview_start_and_counts(marketing_page, frozen_run, memory_mail):
    page = marketing_page
    page.goto(reverse("mailings:mailings"))
    assert page.locator("#no-mailings").is_visible()
    page.click("#mailing-new")
    page.wait_for_url("**/mailings/new/")

    # The field list names the merge fields; the subject uses one of them.
    keys = page.locator("#field-list dt code").all_inner_texts()
    assert "first_name" in keys and "last_name" in keys
    page.fill("#id_name", "Einladung Hausmesse")
    page.select_option("#id_run", str(frozen_run.pk))
    page.check("#channel-choice input[value=email]")
    page.check("#channel-choice input[value=datasource_csv]")
    page.fill("#id_email_subject", "Einladung für {{ first_name }}")
    page.fill("#id_email_text", "Guten Tag {{ first_name }} {{ last_name }},\nwir laden ein.")
    # An unknown field is refused with the field named.
    page.fill("#id_email_html", "<p>{{ nickname }}</p>")
    page.click("#mailing-save")
    page.wait_for_selector("#id_email_html.is-invalid, .invalid-feedback")
    assert "nickname" in page.locator("#mailing-form").inner_text()
    assert not Mailing.objects.exists()
    assert page.locator("#channel-choice input[value=email]").is_checked()
    page.fill("#id_email_html", "")
    page.click("#mailing-save")
    page.wait_for_url(re.compile(r"/mailings/\d+/$"))
    mailing = Mailing.objects.get()
    assert mailing.status == MailingStatus.DRAFT and mailing.run == frozen_run
    assert set(mailing.channels) == {Channel.EMAIL, Channel.DATASOURCE_CSV}
    assert page.locator("#no-items").is_visible()

    # Recipient 1's e-mail, rendered.
    page.click("#mailing-preview")
    page.wait_for_url(f"**/mailings/{mailing.pk}/preview/")
    assert page.locator("#preview-number").input_value() == "1"
    subject = page.locator("#preview-subject").inner_text()
    match = re.fullmatch(r"Einladung für (\w+)", subject)
    assert match and match.group(1) in {"Anna", "Bernd", "Clara", "Dora"}, subject
    text = page.locator("#preview-text").inner_text()
    assert text.startswith(f"Guten Tag {match.group(1)} ") and "{{" not in text
    assert page.locator("#preview-fields").is_visible()

    # Started; the worker runs the job in this process.
    page.goto(mailing.get_absolute_url())
    with page.expect_navigation():
        page.click("#mailing-start")
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.RUNNING and mailing.job is not None
    assert page.locator("#mailing-start").count() == 0
    Worker(threaded=False, purge_after=None).run(burst=True)
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE, mailing.job.error

    page.reload()
    assert page.locator("#mailing-error").count() == 0
    labels = page.locator("#mailing-counts tbody th").all_inner_texts()
    with translation.override("de"):
        email_label, csv_label = str(Channel.EMAIL.label), str(Channel.DATASOURCE_CSV.label)
        no_address = gettext("No e-mail address.")
        opted_out = gettext("objected to marketing (opt-out)")
    rows = {label: index for index, label in enumerate(labels)}
    email = counts_of(page, rows[email_label])
    assert frozen_run.count == 4
    assert email == {**dict.fromkeys(STATES, 0), "sent": 2, "skipped": 2}
    data_source = counts_of(page, rows[csv_label])
    assert data_source["produced"] >= 1
    assert data_source["produced"] + data_source["skipped"] == frozen_run.count
    assert page.locator("#mailing-download").is_visible()
    assert sorted(message["To"].addresses[0].addr_spec for message in memory_mail) == [
        "anna@example.com",
        "bernd@example.com",
    ]
    assert {message["Subject"] for message in memory_mail} == {
        "Einladung für Anna",
        "Einladung für Bernd",
    }

    # The skipped e-mails with their reasons.
    with page.expect_response(re.compile(r"state=skipped")):
        page.select_option("#item-filter select[name=state]", "skipped")
    page.wait_for_function(f"!document.querySelector({BUSY!r})")
    csv_skipped = counts_of(page, rows[csv_label])["skipped"]
    assert page.locator("#item-list tbody tr").count() == email["skipped"] + csv_skipped
    with page.expect_response(
        re.compile(r"state=skipped.*channel=email|channel=email.*state=skipped")
    ):
        page.select_option("#item-filter select[name=channel]", "email")
    page.wait_for_function(f"!document.querySelector({BUSY!r})")
    skipped = page.locator("#item-list tbody tr")
    assert skipped.count() == email["skipped"]
    reasons = page.locator("#item-list .item-reason").all_inner_texts()
    assert sorted(reasons) == sorted([no_address, opted_out])
    table = page.locator("#item-list").inner_text()
    assert "Ohnemail" in table and "Widerspruch" in table and "Brot" not in table
