"""An address import in a real browser: upload, columns, dry run with a duplicate, import."""

import pytest
from playwright.sync_api import expect

from merkur.companies.models import Company
from merkur.jobs.worker import Worker
from tests.factories import make_company

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FILE = (
    "Firma;Straße;PLZ;Ort;Vorname;Nachname\r\n"
    "Müller Bau GmbH;Hauptstr. 1;80331;München;Hans;Müller\r\n"
    "Neue Firma AG;Am Markt 3;04109;Leipzig;Anna;Schmidt\r\n"
).encode("cp1252")


def work() -> None:
    Worker(threaded=False, purge_after=None).run(burst=True)


def test_a_file_goes_from_upload_to_imported_records(logged_in_page, tmp_path):
    page = logged_in_page
    known = make_company(
        name="Mueller Bau KG", address={"street": "Hauptstraße 1", "postal_code": "80331",
                                        "city": "München"},
    )  # fmt: skip
    path = tmp_path / "adressen.csv"
    path.write_bytes(FILE)

    page.click("#nav-import")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload-submit")
    # Detection and the suggested columns, with the first rows.
    expect(page.locator("#detection-notes")).to_contain_text("Windows-1252")
    expect(page.locator("#preview")).to_contain_text("Müller Bau GmbH")
    expect(page.locator("select[name=column_0]")).to_have_value("company.name")
    page.click("#check")

    # The dry run runs in the worker; the page reloads itself when it is done.
    work()
    expect(page.locator("#count-create")).to_have_text("1", timeout=15_000)
    expect(page.locator("#count-skip")).to_have_text("1")
    row = page.locator("#match-list tr[data-line='2']")
    expect(row).to_contain_text("Mueller Bau KG")
    row.locator("select").select_option("update")
    page.click("#run-import")

    # The job page, then back to the import.
    expect(page.locator("#job-status")).to_be_visible()
    work()
    page.reload()
    expect(page.locator("#import-back")).to_be_visible()
    page.click("#import-back")
    expect(page.locator("[data-import-status]").first).to_have_attribute(
        "data-import-status", "done"
    )
    assert Company.objects.count() == 2
    assert sorted(known.people.values_list("last_name", flat=True)) == ["Müller"]
