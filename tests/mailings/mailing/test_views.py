"""The mailing pages: wizard, field list, preview, start, the page with counts and items."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from docx import Document

from merkur.jobs.models import Job
from merkur.jobs.worker import Worker
from merkur.mailings.models import ItemState, Mailing, MailingItem, MailingStatus
from tests.conftest import client_for
from tests.factories import contact_master
from tests.mailings.mailing.conftest import make_mailing, make_run


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def docx_bytes(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def wizard_data(source_run, **extra) -> dict:
    _kinds, types = contact_master()
    data = {
        "name": "Einladung Hausmesse 2026",
        "run": source_run.pk,
        "contact_type": types["Akquise"].pk,
        "channels": ["email"],
        "email_subject": "Einladung, {{ first_name }}",
        "email_text": "{{ salutation_line }}\nwir laden Sie ein. {{ booth }}",
        "email_html": "<p>{{ salutation_line }}</p>",
        "free_fields": "booth = Halle 3",
        "label_start": "1",
    }
    data.update(extra)
    return data


def test_the_wizard_saves_a_draft_with_the_channels_settings(people, marketing_user):
    run = make_run(people, by=marketing_user)
    client = client_for(marketing_user)
    page = client.get(reverse("mailings:mailing_new"))
    assert page.status_code == 200
    assert b"salutation_line" in page.content  # the list of merge fields

    response = client.post(reverse("mailings:mailing_new"), wizard_data(run))
    assert response.status_code == 302, response.context["form"].errors
    mailing = Mailing.objects.get()
    assert response.status_code == 302 and response.url == mailing.get_absolute_url()
    assert mailing.status == MailingStatus.DRAFT and mailing.run == run
    assert mailing.channels == ["email"]
    assert mailing.channel_settings("email")["subject"] == "Einladung, {{ first_name }}"
    assert mailing.channel_settings("fields") == {"booth": "Halle 3"}
    assert mailing.created_by == marketing_user


def test_the_wizard_refuses_an_unknown_field_and_a_missing_source(people, marketing_user):
    run = make_run(people, by=marketing_user)
    client = client_for(marketing_user)
    response = client.post(
        reverse("mailings:mailing_new"), wizard_data(run, email_text="Hallo {{ nickname }}")
    )
    assert response.status_code == 422
    assert "nickname" in response.context["form"].errors["email_text"][0]
    response = client.post(reverse("mailings:mailing_new"), wizard_data(run, run=""))
    assert response.status_code == 422
    assert response.context["form"].errors["run"]
    assert not Mailing.objects.exists()


def test_a_word_template_is_checked_and_stored(people, marketing_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    run = make_run(people, by=marketing_user)
    client = client_for(marketing_user)
    bad = io.BytesIO(b"not a word file")
    bad.name = "brief.docx"
    response = client.post(
        reverse("mailings:mailing_new"),
        wizard_data(run, channels=["letters_docx"], template=bad),
    )
    assert response.status_code == 422
    assert "DOCX" in " ".join(response.context["form"].errors["template"])

    good = io.BytesIO(docx_bytes("{{ address_block }}", "{{ salutation_line }}", "{{ booth }}"))
    good.name = "brief.docx"
    response = client.post(
        reverse("mailings:mailing_new"),
        wizard_data(run, channels=["letters_docx"], template=good),
    )
    assert response.status_code == 302
    name = Mailing.objects.get().channel_settings("letters")["template"]
    assert (tmp_path / "mailings" / name).read_bytes()[:2] == b"PK"

    mailing = Mailing.objects.get()
    download = client.get(
        reverse("mailings:mailing_preview_file", args=[mailing.pk, "docx"]) + "?number=2"
    )
    assert download.status_code == 200
    letter = Document(io.BytesIO(b"".join(download.streaming_content)))
    text = "\n".join(paragraph.text for paragraph in letter.paragraphs)
    assert "Halle 3" in text and "Brot" in text


def test_the_preview_shows_one_recipients_e_mail(people, marketing_user):
    mailing = Mailing.objects.get(
        pk=client_for(marketing_user)
        .post(reverse("mailings:mailing_new"), wizard_data(make_run(people, by=marketing_user)))
        .url.strip("/")
        .split("/")[-1]
    )
    client = client_for(marketing_user)
    page = client.get(reverse("mailings:mailing_preview", args=[mailing.pk]) + "?number=1")
    assert page.status_code == 200
    email = page.context["email"]
    first = page.context["preview"].row["person_first_name"]
    assert email.subject == f"Einladung, {first}"
    assert "Halle 3" in email.text
    assert b'id="preview-fields"' in page.content
    missing = client.get(reverse("mailings:mailing_preview", args=[mailing.pk]) + "?number=99")
    assert b'id="preview-none"' in missing.content


def test_starting_enqueues_the_job_once_and_the_page_shows_counts_and_reasons(
    people, marketing_user, smtp
):
    client = client_for(marketing_user)
    response = client.post(
        reverse("mailings:mailing_new"), wizard_data(make_run(people, by=marketing_user))
    )
    mailing = Mailing.objects.get()
    response = client.post(reverse("mailings:mailing_start", args=[mailing.pk]))
    assert response.status_code == 302
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.RUNNING and mailing.job.kind == "mailings.run"
    client.post(reverse("mailings:mailing_start", args=[mailing.pk]))
    assert Job.objects.count() == 1  # a second start is refused

    Worker(threaded=False).run(burst=True)
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE
    page = client.get(mailing.get_absolute_url())
    assert page.status_code == 200
    sent_row = dict(
        zip([s for s, _l in ItemState.choices], page.context["counts"][0][1], strict=True)
    )
    assert sent_row["sent"] == 2 and sent_row["skipped"] == 2
    reasons = set(MailingItem.objects.filter(mailing=mailing).values_list("reason", flat=True))
    assert len(reasons - {""}) == 2
    for reason in reasons - {""}:
        assert reason.encode() in page.content

    skipped = client.get(
        mailing.get_absolute_url() + "?state=skipped&part=items", HTTP_HX_REQUEST="true"
    )
    assert skipped.status_code == 200
    states = {item.state for item in skipped.context["page"].items}
    assert states == {ItemState.SKIPPED}
    # A started mailing is not editable any more.
    edit = client.get(reverse("mailings:mailing_edit", args=[mailing.pk]))
    assert edit.status_code == 302
    assert MailingItem.objects.filter(mailing=mailing).count() == 4


def test_editing_a_draft_checks_the_version(people, marketing_user):
    run = make_run(people, by=marketing_user)
    mailing = make_mailing(run, by=marketing_user, options={})
    client = client_for(marketing_user)
    data = wizard_data(run, name="Neu", version=mailing.version)
    assert client.post(reverse("mailings:mailing_edit", args=[mailing.pk]), data).status_code == 302
    mailing.refresh_from_db()
    assert mailing.name == "Neu" and mailing.version == 2
    stale = client.post(reverse("mailings:mailing_edit", args=[mailing.pk]), data)
    assert stale.status_code == 409


def test_read_only_users_see_but_cannot_change(people, marketing_user, readonly_user):
    mailing = make_mailing(make_run(people, by=marketing_user), by=marketing_user)
    client = client_for(readonly_user)
    assert client.get(reverse("mailings:mailings")).status_code == 200
    assert client.get(mailing.get_absolute_url()).status_code == 200
    assert client.get(reverse("mailings:mailing_new")).status_code == 403
    assert client.post(reverse("mailings:mailing_start", args=[mailing.pk])).status_code == 403
    assert client.post(reverse("mailings:mailing_delete", args=[mailing.pk])).status_code == 403
    assert client.get(reverse("mailings:mailing_edit", args=[mailing.pk])).status_code == 403
    mailing.refresh_from_db()
    assert mailing.job_id is None


def test_a_draft_can_be_deleted(people, marketing_user):
    mailing = make_mailing(make_run(people, by=marketing_user), by=marketing_user)
    client = client_for(marketing_user)
    response = client.post(reverse("mailings:mailing_delete", args=[mailing.pk]))
    assert response.status_code == 302
    assert not Mailing.objects.exists()


def test_the_marketing_menu_leads_to_the_mailings(db, marketing_user):
    page = client_for(marketing_user).get(reverse("home")).content.decode()
    assert 'id="nav-mailings"' in page
    assert f'href="{reverse("mailings:mailings")}"' in page


@pytest.mark.parametrize("query", ["?number=²", "?number=%C2%B2"])
def test_a_number_with_other_digits_is_not_a_500(people, marketing_user, query):
    mailing = make_mailing(make_run(people, by=marketing_user), by=marketing_user)
    client = client_for(marketing_user)
    page = client.get(reverse("mailings:mailing_preview", args=[mailing.pk]) + query)
    assert page.status_code == 200 and page.context["number"] == 1
    letter = client.get(reverse("mailings:mailing_preview_file", args=[mailing.pk, "pdf"]) + query)
    assert letter.status_code == 302  # this mailing has no PDF letter: back to the preview


def test_the_wizard_ignores_a_run_or_event_with_other_digits(people, marketing_user):
    client = client_for(marketing_user)
    page = client.get(reverse("mailings:mailing_new") + "?run=²&event=³")
    assert page.status_code == 200
