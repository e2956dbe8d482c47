"""The export page and the profile pages: who may do what, downloads, jobs, profiles."""

import csv
import io

import pytest
from django.urls import reverse

from merkur.jobs.models import Job
from merkur.selections.runs import freeze
from merkur.transfer.export import profiles
from merkur.transfer.models import ExportProfile
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

COMPANIES = reverse("transfer:export", args=["companies"])
PEOPLE = reverse("transfer:export", args=["people"])


def form(**overrides) -> dict:
    data = {
        "format": "csv",
        "header": "de",
        "separator": ";",
        "quoting": "minimal",
        "encoding": "utf-8-sig",
        "on_unencodable": "refuse",
        "line_ending": "crlf",
        "value_format": "locale",
        "formula_protection": "on",
        "list_separator": ", ",
        "structure": "flat",
        "columns": ["company.number", "company.name"],
        "export": "1",
    }
    data.update(overrides)
    return data


def content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ["admin", "sales", "marketing", "read_only"])
def test_every_role_may_export(world, users, role):
    client = client_for(users[role])
    assert client.get(COMPANIES).status_code == 200
    response = client.post(COMPANIES + "?country=AT", form())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="firmen-')
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Kundennummer", "Firma"], ["K-200", "Wiener Werkstätten AG"]]


def test_anonymous_and_roleless_users_are_refused(world, client, django_user_model):
    response = client.get(COMPANIES)
    assert response.status_code == 302 and "login" in response["Location"]
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert client_for(nobody).get(COMPANIES).status_code == 403
    assert client_for(nobody).post(COMPANIES, form()).status_code == 403


def test_the_page_shows_the_source_and_its_count(world, admin_client):
    response = admin_client.get(PEOPLE + "?q=erika")
    text = response.content.decode()
    assert "1 Datensatz" in text or "1 record" in text
    assert 'name="columns" value="person.last_name"' in text  # the default columns
    assert 'value="company.attr.lizenzen"' in text  # attributes can be added


def test_bad_options_come_back_at_their_fields(world, admin_client):
    response = admin_client.post(COMPANIES, form(columns=["company.nope"], separator="x"))
    assert response.status_code == 422
    assert "company.nope" in response.content.decode()
    response = admin_client.post(COMPANIES, form(format="template", template_row="{{ x"))
    assert response.status_code == 422
    assert "Zeile 1" in response.content.decode() or "line 1" in response.content.decode()


def test_a_profile_name_with_a_nul_character_is_no_profile(world, admin_client):
    # PostgreSQL refuses NUL in a query: the page shows without a profile, not a 500
    response = admin_client.get(reverse("transfer:export", args=["companies"]) + "?profile=%00")
    assert response.status_code == 200


def test_bad_filters_and_unknown_records_say_so(world, admin_client):
    assert admin_client.get(COMPANIES + "?colour=red").status_code == 400
    assert admin_client.get(reverse("transfer:export_record", args=["run", 999])).status_code == 404
    assert admin_client.get(reverse("transfer:export", args=["planets"])).status_code == 404


def test_xlsx_runs_as_a_job_with_a_download(world, admin_client, admin_user):
    response = admin_client.post(COMPANIES + "?country=DE", form(format="xlsx"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.kind == "transfer.export_addresses"
    assert job.params["source"] == "companies"
    assert job.params["params"] == {"country": ["DE"]}
    assert job.created_by == admin_user


def test_large_exports_run_as_a_job(world, admin_client, settings):
    settings.MERKUR_EXPORT_STREAM_MAX_ROWS = 1
    response = admin_client.post(COMPANIES, form())
    assert response.status_code == 302
    assert Job.objects.count() == 1


def test_a_run_exports_from_its_page(world, admin_client, admin_user):
    run = freeze(
        {
            "version": 1,
            "target": "people",
            "where": {"criterion": "address.country", "op": "in", "value": ["AT"]},
        },
        by=admin_user,
    )
    url = reverse("transfer:export_record", args=["run", run.pk])
    response = admin_client.post(url, form(columns=["person.last_name", "address.city"]))
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [["Huber", "Wien"]]


def test_saving_a_profile_from_the_page(world, sales_user):
    client = client_for(sales_user)
    response = client.post(
        COMPANIES + "?country=AT",
        form(save_profile="1", profile_name="Nur Wien", profile_shared="on", format="json"),
    )
    profile = ExportProfile.objects.get()
    assert response.status_code == 302
    assert f"profile={profile.pk}" in response["Location"] and "country=AT" in response["Location"]
    assert profile.owner == sales_user and profile.shared and profile.format == "json"
    assert profile.options["columns"] == ["company.number", "company.name"]
    page = client.get(response["Location"])
    assert 'value="json" selected' in page.content.decode()


def make_profile(owner, name="Lettershop", shared=True) -> ExportProfile:
    return profiles.profile_save(
        data={"name": name, "shared": shared, "options": {"format": "csv", "separator": "|"}},
        by=owner,
    )


@pytest.mark.parametrize(
    ("role", "status"), [("sales", 302), ("admin", 302), ("marketing", 403), ("read_only", 403)]
)
def test_only_owner_and_administrators_change_a_shared_profile(world, users, role, status):
    profile = make_profile(users["sales"])
    client = client_for(users[role])
    url = reverse("transfer:export_profile_edit", args=[profile.pk])
    data = {**form(), "profile_name": "Neu", "target": "companies"}
    assert client.post(url, data).status_code == status
    delete = client.post(reverse("transfer:export_profile_delete", args=[profile.pk]))
    assert delete.status_code == status
    assert ExportProfile.objects.filter(pk=profile.pk).exists() == (status == 403)


def test_private_profiles_are_invisible_to_colleagues(world, users):
    private = make_profile(users["sales"], name="Privat", shared=False)
    client = client_for(users["marketing"])
    assert client.get(reverse("transfer:export_profile_edit", args=[private.pk])).status_code == 404
    assert "Privat" not in client.get(reverse("transfer:export_profiles")).content.decode()
    page = client.get(COMPANIES + f"?profile={private.pk}")
    assert 'value="|"' not in page.content.decode() or "Privat" not in page.content.decode()


def test_profile_pages_create_and_edit(world, readonly_client, readonly_user):
    new = reverse("transfer:export_profile_new")
    assert readonly_client.get(new).status_code == 200
    response = readonly_client.post(
        new, {**form(format="vcard4"), "profile_name": "Adressbuch", "target": "people"}
    )
    assert response.status_code == 302
    profile = ExportProfile.objects.get(name="Adressbuch")
    assert profile.owner == readonly_user and profile.format == "vcard4"
    edit = reverse("transfer:export_profile_edit", args=[profile.pk])
    response = readonly_client.post(
        edit, {**form(), "profile_name": "Adressbuch", "version": "99", "target": "people"}
    )
    assert response.status_code == 422  # somebody else saved in between (stale version)
    listing = readonly_client.get(reverse("transfer:export_profiles")).content.decode()
    assert "Adressbuch" in listing


def test_the_list_pages_link_to_the_export(world, admin_client):
    page = admin_client.get(reverse("companies:list") + "?country=DE").content.decode()
    assert reverse("transfer:export", args=["companies"]) in page
    page = admin_client.get(reverse("companies:people")).content.decode()
    assert reverse("transfer:export", args=["people"]) in page
