"""The import screens: upload → settings → dry run → decisions → import, and who may use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from merkur.companies.models import Company
from merkur.jobs.models import Job
from merkur.jobs.worker import Worker
from merkur.transfer.models import AddressImport, ImportProfile
from tests.conftest import client_for
from tests.factories import make_company

FILE = (
    "Kundennummer;Firma;Straße;PLZ;Ort;Vorname;Nachname;E-Mail\r\n"
    "K-1;Müller Bau GmbH;Hauptstr. 1;80331;München;Hans;Müller;hans@mueller.de\r\n"
    "N-2;Schmidt AG;Am Markt 3;04109;Leipzig;Anna;Schmidt;\r\n"
).encode("cp1252")


def upload(client, data: bytes = FILE, name: str = "adressen.csv", **extra):
    return client.post(
        reverse("transfer:imports"), {"file": SimpleUploadedFile(name, data), **extra}
    )


def work() -> None:
    Worker(threaded=False, purge_after=None).run(burst=True)


@pytest.fixture
def user_locale():
    return "en"


@pytest.fixture
def client(sales_user):
    return client_for(sales_user)


@pytest.fixture
def uploaded(client) -> AddressImport:
    response = upload(client)
    assert response.status_code == 302
    return AddressImport.objects.get()


def settings_data(record: AddressImport, **changes) -> dict:
    """The settings form as the page fills it: the suggestions, the defaults."""
    data = {
        "check": "1",
        "mode": "all_or_nothing",
        "roles": ["prospect"],
        "number_format": "de",
        "date_format": "dmy",
        "similarity": "88",
        "link_matches": "on",
    }
    targets = ["company.number", "company.name", "address.street", "address.postal_code",
               "address.city", "person.first_name", "person.last_name", "person.email"]  # fmt: skip
    data |= {f"column_{index}": target for index, target in enumerate(targets)}
    data |= changes
    return data


def test_upload_detects_and_suggests(client, uploaded):
    assert uploaded.detection["encoding"] == "cp1252"
    assert uploaded.stored_path.read_bytes() == FILE
    assert uploaded.stored_path.name != "adressen.csv"  # a random name
    page = client.get(reverse("transfer:import_settings", args=[uploaded.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Windows-1252" in text
    assert "Müller Bau GmbH" in text  # the preview
    assert '<option value="company.name" selected>' in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"PK\x03\x04" + bytes(range(256)) * 20, "not a text file"),
    ],
)
def test_unreadable_uploads_are_refused_on_the_form(client, data, message):
    response = upload(client, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AddressImport.objects.exists()


@override_settings(MERKUR_IMPORT_MAX_MB=1)
def test_uploads_over_the_limit_are_refused(client):
    response = upload(client, b"Firma;Ort\n" + b"x;y\n" * 300_000)
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()


def test_changing_the_separator_reads_the_file_again(client, uploaded):
    url = reverse("transfer:import_settings", args=[uploaded.pk])
    client.post(url, {"apply_reading": "1", "encoding": "cp1252", "delimiter": ",",
                      "quotechar": '"', "has_header": "yes"})  # fmt: skip
    uploaded.refresh_from_db()
    assert uploaded.options["detection"]["delimiter"] == ","
    # Read with commas, the semicolon file has one column.
    assert client.get(url).content.decode().count('name="column_') == 1


def test_the_whole_way_from_upload_to_imported_records(client, uploaded, sales_user):
    url = reverse("transfer:import_settings", args=[uploaded.pk])
    response = client.post(url, settings_data(uploaded, profile_name="Händler"))
    assert response.status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.status == "queued"
    assert ImportProfile.objects.get().name == "Händler"
    work()
    uploaded.refresh_from_db()
    assert uploaded.status == "checked"
    assert uploaded.dry_run["actions"]["create"] == 2
    assert not Company.objects.exists()
    page = client.get(uploaded.get_absolute_url()).content.decode()
    assert "Dry run: what would happen" in page
    response = client.post(
        reverse("transfer:import_decide", args=[uploaded.pk]),
        {"import": "1", "rule_number": "skip", "rule_email": "skip", "rule_name": "skip",
         "rule_file": "skip"},
    )  # fmt: skip
    job = Job.objects.latest("pk")
    assert response.url == job.get_absolute_url()
    work()
    uploaded.refresh_from_db()
    assert uploaded.status == "done"
    assert Company.objects.count() == 2
    assert Company.objects.get(name="Schmidt AG").created_by == sales_user
    job.refresh_from_db()
    assert job.result["created"] == 2
    assert "To the import" in client.get(job.get_absolute_url()).content.decode()


def test_duplicates_are_listed_with_a_decision_per_row(client, uploaded):
    known = make_company(name="Müller Bau GmbH", number="K-1")
    client.post(reverse("transfer:import_settings", args=[uploaded.pk]), settings_data(uploaded))
    work()
    page = client.get(uploaded.get_absolute_url()).content.decode()
    assert 'id="match-list"' in page
    assert f'href="/companies/{known.pk}/"' in page
    response = client.post(
        reverse("transfer:import_decide", args=[uploaded.pk]),
        {"import": "1", "rule_number": "skip", "rule_email": "skip", "rule_name": "skip",
         "rule_file": "skip", "row_2": "update"},
    )  # fmt: skip
    assert response.status_code == 302
    work()
    uploaded.refresh_from_db()
    assert uploaded.options["row_decisions"] == {"2": "update"}
    assert uploaded.result["actions"]["update"] == 1
    assert known.people.get().last_name == "Müller"


def test_bad_rows_are_shown_and_downloadable(client):
    upload(client, FILE + "X-3;Kaputt;Weg 1;123;Berlin;;Y;y@\r\n".encode("cp1252"))
    record = AddressImport.objects.get()
    client.post(reverse("transfer:import_settings", args=[record.pk]), settings_data(record))
    work()
    page = client.get(record.get_absolute_url()).content.decode()
    assert "all or nothing: it will write nothing" in page
    response = client.get(reverse("transfer:import_bad_rows", args=[record.pk]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[1].startswith("X-3;Kaputt;Weg 1;123;Berlin;;Y;y@;")


def test_a_mapping_without_company_name_is_refused_on_the_form(client, uploaded):
    response = client.post(
        reverse("transfer:import_settings", args=[uploaded.pk]),
        settings_data(uploaded, column_1=""),
    )
    assert response.status_code == 400
    assert "Map a column to each of: Company name." in response.content.decode()


def test_importing_before_the_dry_run_is_refused(client, uploaded):
    response = client.post(reverse("transfer:import_decide", args=[uploaded.pk]), {"import": "1"})
    assert response.status_code == 302
    assert not Job.objects.exists()


def test_others_imports_are_not_found_and_admins_see_them(uploaded, marketing_user, admin_user):
    url = uploaded.get_absolute_url()
    assert client_for(marketing_user).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("transfer:imports", "get"),
        ("transfer:imports", "post"),
        ("transfer:import_profiles", "get"),
        ("transfer:import_detail", "get"),
        ("transfer:import_settings", "get"),
        ("transfer:import_decide", "post"),
        ("transfer:import_bad_rows", "get"),
        ("transfer:import_delete", "post"),
    ],
)
def test_read_only_users_are_refused(uploaded, readonly_user, name, method):
    args = [] if name in ("transfer:imports", "transfer:import_profiles") else [uploaded.pk]
    response = getattr(client_for(readonly_user), method)(reverse(name, args=args))
    assert response.status_code == 403


def test_deleting_an_import_removes_its_file(client, uploaded):
    path = uploaded.stored_path
    client.post(reverse("transfer:import_delete", args=[uploaded.pk]))
    assert not AddressImport.objects.exists()
    assert not path.exists()


def test_profiles_are_listed_and_deleted_by_their_owner(client, sales_user, marketing_user):
    mine = ImportProfile.objects.create(name="Meins", owner=sales_user, mapping={})
    theirs = ImportProfile.objects.create(
        name="Geteilt", owner=marketing_user, mapping={}, shared=True
    )
    page = client.get(reverse("transfer:import_profiles")).content.decode()
    assert "Meins" in page and "Geteilt" in page
    url = reverse("transfer:import_profiles")
    assert client.post(url, {"delete": theirs.pk}).status_code == 403
    assert client.post(url, {"delete": mine.pk}).status_code == 302
    assert list(ImportProfile.objects.all()) == [theirs]


def test_a_profile_chosen_at_upload_maps_the_columns(client, sales_user):
    from merkur.transfer.importing.prepare import mapping_for

    header = ["Kunde", "Anschrift", "Postleitzahl", "Stadt"]
    profile = ImportProfile.objects.create(
        name="Händler X",
        owner=sales_user,
        mapping=mapping_for(header, {0: "company.name"}).to_dict(),
    )
    upload(client, b"Anschrift;Kunde;Stadt;Postleitzahl\nRing 1;Alpha GmbH;Berlin;10115\n",
           profile=profile.pk)  # fmt: skip
    record = AddressImport.objects.get()
    assert record.profile == profile
    page = client.get(reverse("transfer:import_settings", args=[record.pk])).content.decode()
    assert page.count('value="company.name" selected') == 1


def test_deleting_a_profile_with_other_digits_is_a_404(client):
    assert client.post(reverse("transfer:import_profiles"), {"delete": "²"}).status_code == 404


IMPORT_NOW = {"import": "1", "rule_number": "skip", "rule_email": "skip", "rule_name": "skip",
              "rule_file": "skip"}  # fmt: skip


# --- review fixes -------------------------------------------------------------------------------


def test_a_header_read_with_null_characters_is_refused_on_the_settings_screen(client):
    # UTF-16 read as UTF-8: PostgreSQL cannot store the null characters of the header.
    upload(client, "Firma;Ort\nAlpha;Köln\n".encode("utf-16-le"))
    record = AddressImport.objects.get()
    url = reverse("transfer:import_settings", args=[record.pk])
    response = client.post(url, {"apply_reading": "1", "encoding": "utf-8", "delimiter": ";",
                                 "quotechar": '"', "has_header": "yes"}, follow=True)  # fmt: skip
    assert response.status_code == 200
    assert (
        "Read as utf-8 the header has null characters; choose another encoding."
        in response.content.decode()
    )
    record.refresh_from_db()
    assert record.options["detection"]["encoding"] == "utf-16-le"


def test_a_gone_file_sends_the_settings_screen_to_the_import_with_a_message(client, uploaded):
    uploaded.stored_path.unlink()
    url = reverse("transfer:import_settings", args=[uploaded.pk])
    before = uploaded.options
    for data in (None, {"apply_reading": "1", "encoding": "utf-8", "delimiter": ",",
                        "quotechar": '"', "has_header": "yes"}):  # fmt: skip
        response = client.post(url, data, follow=True) if data else client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == uploaded.get_absolute_url()
        assert "The uploaded file is gone; upload it again." in response.content.decode()
    uploaded.refresh_from_db()
    assert uploaded.options == before


def test_a_new_dry_run_after_a_refused_run_shows_the_dry_run(client):
    upload(client, FILE + "X-3;Kaputt;Weg 1;12345;Berlin;;Y;y@\r\n".encode("cp1252"))
    record = AddressImport.objects.get()
    url = reverse("transfer:import_settings", args=[record.pk])
    client.post(url, settings_data(record))
    work()
    client.post(reverse("transfer:import_decide", args=[record.pk]), IMPORT_NOW)
    work()
    record.refresh_from_db()
    assert record.status == "refused"
    # Without the e-mail column the bad row is good: check again.
    assert client.post(url, settings_data(record, column_7="")).status_code == 302
    work()
    record.refresh_from_db()
    assert (record.status, record.result, record.finished_at) == ("checked", {}, None)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "Dry run: what would happen" in page
    assert 'id="bad-rows"' not in page


def test_a_second_start_from_a_stale_page_is_refused(client, uploaded, monkeypatch):
    """Two submits that both saw the import checked: the second finds it claimed."""
    from merkur.transfer.importing import views

    client.post(reverse("transfer:import_settings", args=[uploaded.pk]), settings_data(uploaded))
    work()
    seen = AddressImport.objects.get()
    decide = reverse("transfer:import_decide", args=[uploaded.pk])
    assert client.post(decide, IMPORT_NOW).status_code == 302
    monkeypatch.setattr(views, "get_import_for", lambda request, pk: seen)
    response = client.post(decide, IMPORT_NOW, follow=True)
    assert "The import is running; wait until it has finished." in response.content.decode()
    assert Job.objects.count() == 2  # the dry run and one run


def test_adding_to_master_tables_is_offered_to_who_maintains_them(uploaded, admin_user, client):
    url = reverse("transfer:import_settings", args=[uploaded.pk])
    assert "add_to_master_tables" not in client.get(url).content.decode()
    # A sales user who sends the field anyway has it ignored.
    client.post(url, settings_data(uploaded, add_to_master_tables="on"))
    uploaded.refresh_from_db()
    assert uploaded.options.get("add_to_master_tables") is False

    admin = client_for(admin_user)
    text = (
        "Firma;Straße;PLZ;Ort;Nachname;Position\r\nAlpha GmbH;Weg 1;10115;Berlin;Alt;Pförtner\r\n"
    )
    assert upload(admin, text.encode()).status_code == 302
    record = AddressImport.objects.latest("pk")
    url = reverse("transfer:import_settings", args=[record.pk])
    assert "Add unknown functions and titles" in admin.get(url).content.decode()
    data = settings_data(record, add_to_master_tables="on")
    data = {k: v for k, v in data.items() if not k.startswith("column_")}
    data |= {"column_0": "company.name", "column_1": "address.street",
             "column_2": "address.postal_code", "column_3": "address.city",
             "column_4": "person.last_name", "column_5": "person.functions"}  # fmt: skip
    assert admin.post(url, data).status_code == 302
    work()
    page = admin.get(record.get_absolute_url()).content.decode()
    assert 'id="new-functions"' in page
    assert "Pförtner" in page
