"""The file channels of a mailing: DOCX and PDF letters, data sources, labels."""

import csv
import io
import zipfile

import pytest
from docx import Document
from pypdf import PdfReader

from merkur.jobs.registry import JobError
from merkur.jobs.services import run_inline
from merkur.journal.models import Contact, ContactLink
from merkur.mailings import services
from merkur.mailings.models import ItemState, MailingItem
from tests.mailings.mailing.conftest import make_mailing, make_run
from tests.mailings.mailing.test_views import docx_bytes

LETTER = ("{{ address_block }}", "{{ salutation_line }}", "wir laden Sie ein.")
PDF = {"subject": "Einladung {{ last_name }}", "body": "{{ salutation_line }}\n\nwir laden ein."}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def run_job(mailing, user, tmp_path):
    out = tmp_path / "out"
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=user, result_dir=out)
    return summary, out


def item_states(mailing, channel):
    return {
        item.person.first_name: item.state
        for item in MailingItem.objects.filter(mailing=mailing, channel=channel).select_related(
            "person"
        )
    }


def docx_mailing(people, user, *, one_file=True, **fields):
    template = services.store_template(docx_bytes(*LETTER))
    options = {"letters": {"template": template, "one_file": one_file}}
    return make_mailing(
        make_run(people), by=user, channels=["letters_docx"], options=options, **fields
    )


def test_docx_letters_in_one_file_are_produced_and_recorded_as_letters(
    people, sales_user, data_dir, tmp_path
):
    mailing = docx_mailing(people, sales_user)
    summary, out = run_job(mailing, sales_user, tmp_path)

    assert summary["files"] == ["letters.docx"]
    assert summary["items"] == {"produced": 3, "skipped": 1}  # Dora objected
    text = "\n".join(p.text for p in Document(out / "letters.docx").paragraphs)
    assert text.count("Müller Maschinenbau GmbH") == 3
    assert "Anna Ärger" in text and "Bernd Brot" in text and "Clara Ohnemail" in text
    assert "Widerspruch" not in text
    body = Document(out / "letters.docx").element.body.xml
    assert body.count('w:type="page"') + body.count("<w:sectPr") - 1 >= 2  # 3 letters, 3 pages

    assert item_states(mailing, "letters_docx") == {
        "Anna": "produced", "Bernd": "produced", "Clara": "produced", "Dora": "skipped"
    }  # fmt: skip
    contacts = Contact.objects.filter(company=people[0].company)
    assert [c.kind.name for c in contacts] == ["Brief"] * 3
    assert all("Einladung Hausmesse 2026" in c.subject for c in contacts)
    assert ContactLink.objects.filter(contact__in=contacts, kind="mailing").count() == 3
    produced = MailingItem.objects.filter(mailing=mailing, state=ItemState.PRODUCED)
    assert all(item.contact_id and item.done_at for item in produced)


def test_docx_one_file_per_recipient_is_a_zip_and_a_second_run_records_nothing_twice(
    people, sales_user, data_dir, tmp_path
):
    mailing = docx_mailing(people[:2], sales_user, one_file=False)
    summary, out = run_job(mailing, sales_user, tmp_path)
    assert summary["files"] == ["letters.zip"]
    with zipfile.ZipFile(out / "letters.zip") as archive:
        names = archive.namelist()
        assert len(names) == 2
        texts = [
            "\n".join(p.text for p in Document(io.BytesIO(archive.read(n))).paragraphs)
            for n in names
        ]
    assert sum("Anna Ärger" in t for t in texts) == 1
    assert sum("Bernd Brot" in t for t in texts) == 1
    run_job(mailing, sales_user, tmp_path)
    assert Contact.objects.count() == 2


def test_pdf_letters_and_several_files_in_one_zip(people, sales_user, data_dir, tmp_path):
    options = {
        "pdf": PDF,
        "labels": {"format": "3474", "start": 4},
        "fields": {"stand": "Halle 3"},
    }
    channels = ["letters_pdf", "labels", "datasource_csv", "datasource_xlsx"]
    mailing = make_mailing(make_run(people[:2]), by=sales_user, channels=channels, options=options)
    summary, out = run_job(mailing, sales_user, tmp_path)

    assert summary["files"] == ["letters.pdf", "data-source.csv", "data-source.xlsx", "labels.pdf"]
    assert summary["items"] == {"produced": 8}
    with zipfile.ZipFile(out / "Einladung Hausmesse 2026.zip") as archive:
        assert sorted(archive.namelist()) == sorted(summary["files"])

    letters = PdfReader(out / "letters.pdf")
    assert len(letters.pages) == 2
    first = letters.pages[0].extract_text()
    assert "Anna Ärger" in first and "Einladung Ärger" in first
    assert "Bernd Brot" in letters.pages[1].extract_text()

    labels = PdfReader(out / "labels.pdf")
    assert len(labels.pages) == 1
    label_text = labels.pages[0].extract_text()
    assert "Anna Ärger" in label_text and "Bernd Brot" in label_text

    with open(out / "data-source.csv", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert len(rows) == 3
    header = rows[0]
    assert [row[header.index("Nachname")] for row in rows[1:]] == ["Ärger", "Brot"]
    assert "stand" in header and rows[1][header.index("stand")] == "Halle 3"

    # Only the letters are journal contacts: data source and labels are not letters sent.
    contacts = Contact.objects.all()
    assert [c.kind.name for c in contacts] == ["Brief", "Brief"]
    assert MailingItem.objects.filter(mailing=mailing, contact__isnull=False).count() == 2


def test_a_lost_template_fails_the_job_with_a_message(people, sales_user, data_dir, tmp_path):
    mailing = docx_mailing(people[:1], sales_user)
    services.template_path(mailing.options["letters"]["template"]).unlink()
    with pytest.raises(JobError):
        run_job(mailing, sales_user, tmp_path)
    assert not Contact.objects.exists()
    assert set(MailingItem.objects.values_list("state", flat=True)) == {ItemState.PENDING}
