"""``/api/v1/imports``: upload → settings → dry run → run as jobs → counts and refused rows;
4xx with a message per field for bad input, never 500; the screens' permissions."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from merkur.business import services as business
from merkur.companies.models import Company, CompanyRole, Person
from merkur.jobs.models import Job
from merkur.jobs.worker import Worker
from merkur.transfer.models import AddressImport, DocumentContact, ImportProfile
from tests.api.conftest import token_key
from tests.factories import make_company

URL = "/api/v1/imports"

FILE = (
    "Kundennummer;Firma;Straße;PLZ;Ort;Vorname;Nachname;E-Mail\r\n"
    "K-1;Müller Bau GmbH;Hauptstr. 1;80331;München;Hans;Müller;hans@mueller.de\r\n"
    "N-2;Schmidt AG;Am Markt 3;04109;Leipzig;Anna;Schmidt;\r\n"
    "N-3;Kaputt KG;Weg 9;04109;Leipzig;Karl;Kaputt;kein-at-zeichen\r\n"
).encode("cp1252")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20


@pytest.fixture
def user_locale():
    return "en"


class Api:
    """A token client: JSON for most routes, multipart for the upload."""

    def __init__(self, user):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_key(user)}"}

    def upload(self, data: bytes | None = FILE, name: str = "adressen.csv", **fields):
        body = {key: value for key, value in fields.items()}
        if data is not None:
            body["file"] = SimpleUploadedFile(name, data)
        return self.client.post(URL, body, headers=self.headers)

    def get(self, path: str = "", **params):
        return self.client.get(URL + path, params, headers=self.headers)

    def post(self, path: str, data=None):
        body = "" if data is None else json.dumps(data)
        return self.client.post(
            URL + path, body, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, data, *, raw: str | None = None):
        body = raw if raw is not None else json.dumps(data)
        return self.client.patch(
            URL + path, body, content_type="application/json", headers=self.headers
        )

    def delete(self, path: str):
        return self.client.delete(URL + path, headers=self.headers)


def work() -> None:
    Worker(threaded=False, purge_after=None).run(burst=True)


@pytest.fixture
def api(sales_user):
    return Api(sales_user)


@pytest.fixture
def uploaded(api) -> dict:
    response = api.upload()
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def order(db):
    document, _created = business.document_save(
        kind="order",
        number="A-2026-1",
        data={
            "company": make_company(name="Kunde GmbH"),
            "date": datetime.date(2026, 3, 1),
            "currency": "EUR",
        },
        lines=[],
    )
    return document


def fields_of(answer: dict) -> dict[str, str | None]:
    return {column["header"]: column["field"] for column in answer["columns"]}


# --- the whole way ------------------------------------------------------------------------------


def test_upload_detects_the_file_and_suggests_a_mapping(uploaded):
    assert uploaded["status"] == "uploaded"
    assert uploaded["file_name"] == "adressen.csv"
    assert uploaded["detected"]["encoding"] == "cp1252"
    assert uploaded["detected"]["encoding_label"] == "Windows-1252"
    assert (uploaded["reading"]["separator"], uploaded["reading"]["has_header"]) == (";", True)
    assert fields_of(uploaded)["Firma"] == "company.name"
    assert fields_of(uploaded)["E-Mail"] == "person.email"
    assert uploaded["columns"][1]["samples"][0] == "Müller Bau GmbH"
    assert uploaded["settings"]["mode"] == "all_or_nothing"
    assert uploaded["job"] is None and uploaded["dry_run"] is None


def test_upload_takes_the_reading_settings(api):
    answer = api.upload(FILE, has_header="false", separator=";").json()
    assert answer["reading"]["has_header"] is False
    assert answer["detected"]["has_header"] is True  # what detection found stays visible
    assert [column["field"] for column in answer["columns"]] == [None] * 8
    assert answer["columns"][1]["samples"][:2] == ["Firma", "Müller Bau GmbH"]


def test_from_upload_through_dry_run_and_run_to_linked_records(api, uploaded, event, sales_user):
    url = f"/{uploaded['id']}"
    response = api.patch(
        url,
        {
            "mode": "good_rows",
            "roles": ["customer"],
            "link": {"kind": "event", "reference": "Hausmesse 2026", "status": "invited"},
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["link"]["status"] == "invited"
    # The real run waits for a dry run, as on the screens.
    assert api.post(f"{url}/run").status_code == 409

    response = api.post(f"{url}/dry-run")
    assert response.status_code == 202
    job = Job.objects.get()
    assert response.json() == {
        "job": job.pk,
        "status": "queued",
        "url": f"/api/v1/jobs/{job.pk}",
        "import_url": f"/api/v1/imports/{uploaded['id']}",
    }
    assert api.get(url).json()["status"] == "queued"
    assert api.patch(url, {"mode": "all_or_nothing"}).status_code == 409  # while it runs
    work()
    checked = api.get(url).json()
    assert checked["status"] == "checked"
    assert checked["job"]["status"] == "done"
    dry = checked["dry_run"]
    assert (dry["dry_run"], dry["created"], dry["refused"], dry["linked"]) == (True, 2, 1, 2)
    assert not Company.objects.exists()

    response = api.post(f"{url}/run")
    assert response.status_code == 202
    work()
    done = api.get(url).json()
    assert done["status"] == "done"
    result = done["result"]
    assert (result["created"], result["refused"], result["linked"], result["written"]) == (
        2,
        1,
        2,
        True,
    )
    assert result["people_created"] == 2
    assert CompanyRole.from_mask(Company.objects.get(name="Schmidt AG").roles) == ["customer"]
    assert set(event.members.values_list("status", flat=True)) == {"invited"}
    assert event.members.count() == 2
    assert Company.objects.get(name="Schmidt AG").created_by == sales_user
    assert Person.objects.filter(last_name="Schmidt").exists()

    refused = api.get(f"{url}/refused-rows").json()
    assert (refused["count"], refused["listed"], refused["next_cursor"]) == (1, 1, None)
    [row] = refused["items"]
    assert row["line"] == 4
    [problem] = row["problems"]
    assert (problem["column"], problem["value"]) == ("E-Mail", "kein-at-zeichen")
    assert problem["reason"]
    csv = api.get(f"{url}/refused-rows/csv")
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv"
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "Kaputt KG" in text and "Müller Bau" not in text
    # Imported: no more changes, no second run.
    assert api.patch(url, {"mode": "good_rows"}).status_code == 409
    assert api.post(f"{url}/dry-run").status_code == 409


def test_a_sales_order_link_makes_document_contacts(api, uploaded, order):
    url = f"/{uploaded['id']}"
    api.patch(url, {"mode": "good_rows", "link": {"kind": "sales_order", "reference": "A-2026-1"}})
    api.post(f"{url}/dry-run")
    work()
    api.post(f"{url}/run")
    work()
    contacts = DocumentContact.objects.filter(document=order)
    assert contacts.count() == 2
    assert {contact.source_id for contact in contacts} == {uploaded["id"]}


def test_all_or_nothing_refuses_the_file_with_a_bad_row(api, uploaded):
    url = f"/{uploaded['id']}"
    api.post(f"{url}/dry-run")
    work()
    api.post(f"{url}/run")
    work()
    answer = api.get(url).json()
    assert answer["status"] == "refused"
    assert answer["result"]["written"] is False
    assert not Company.objects.exists()


def test_changing_the_reading_reads_the_file_again(api, uploaded):
    url = f"/{uploaded['id']}"
    answer = api.patch(url, {"separator": ","}).json()
    assert len(answer["columns"]) == 1  # the semicolon file has one column read with commas
    assert answer["reading"]["separator"] == ","
    response = api.patch(url, {"mapping": {"5": "company.name"}})
    assert response.status_code == 422 and "no column" in response.json()["errors"]["mapping"][0]
    # Without a column for the company name the dry run cannot start.
    response = api.post(f"{url}/dry-run")
    assert response.status_code == 422
    assert "mapping" in response.json()["errors"]
    answer = api.patch(url, {"separator": ";", "encoding": "cp1252"}).json()
    assert fields_of(answer)["Firma"] == "company.name"


def test_the_mapping_changes_by_column_name_or_number(api, uploaded):
    url = f"/{uploaded['id']}"
    answer = api.patch(url, {"mapping": {"E-Mail": "", "1": "company.name2"}}).json()
    assert fields_of(answer)["E-Mail"] is None
    assert fields_of(answer)["Kundennummer"] == "company.name2"
    answer = api.patch(
        url,
        {"mapping": {"Firma": "company.name", "Ort": "address.city"}, "replace_mapping": True},
    ).json()
    assert [field for field in fields_of(answer).values() if field] == [
        "company.name",
        "address.city",
    ]


def test_a_changed_setting_asks_for_a_new_dry_run_but_decisions_do_not(api, uploaded):
    url = f"/{uploaded['id']}"
    api.post(f"{url}/dry-run")
    work()
    answer = api.patch(url, {"decisions": {"number": "update"}, "row_decisions": {"2": "create"}})
    assert answer.json()["status"] == "checked"
    assert answer.json()["settings"]["row_decisions"] == {"2": "create"}
    assert api.patch(url, {"similarity": 95}).json()["status"] == "uploaded"
    assert api.post(f"{url}/run").status_code == 409


def test_a_profile_gives_mapping_and_reading(api, sales_user, admin_user):
    rules = [{"target": "company.name", "sources": [0]}, {"target": "address.city", "sources": [1]}]
    mapping = {"version": 1, "headers": ["Firma", "Ort"], "rules": rules}
    mine = ImportProfile.objects.create(name="Händler", owner=sales_user, mapping=mapping)
    ImportProfile.objects.create(
        name="Geteilt", owner=admin_user, mapping=mapping, shared=True, delimiter=","
    )
    ImportProfile.objects.create(name="Privat", owner=admin_user, mapping=mapping)
    listed = api.get("/profiles").json()
    assert [(p["name"], p["mine"]) for p in listed["items"]] == [
        ("Geteilt", False),
        ("Händler", True),
    ]
    assert listed["items"][1]["mapping"][0] == {
        "number": 1,
        "header": "Firma",
        "field": "company.name",
        "samples": [],
    }
    data = b"Ort;Firma\nBerlin;Alpha GmbH\n"
    answer = api.upload(data, profile="händler").json()
    assert answer["profile"] == {"id": mine.pk, "name": "Händler"}
    assert fields_of(answer) == {"Ort": "address.city", "Firma": "company.name"}
    # By id in PATCH; a colleague's private profile is no profile.
    response = api.patch(f"/{answer['id']}", {"profile": "Privat"})
    assert response.status_code == 422 and "profile" in response.json()["errors"]


def test_list_fields_and_delete(api, uploaded):
    keys = [field["key"] for field in api.get("/fields").json()]
    assert "company.name" in keys and "address.postal_code_city" in keys
    listed = api.get("").json()
    assert [item["id"] for item in listed["items"]] == [uploaded["id"]]
    assert api.get("", status="done").json()["items"] == []
    record = AddressImport.objects.get()
    assert api.delete(f"/{uploaded['id']}").status_code == 204
    assert not AddressImport.objects.exists()
    assert not record.stored_path.exists()
    assert api.get(f"/{uploaded['id']}").status_code == 404


def test_an_import_is_not_deleted_while_it_runs(api, uploaded):
    api.post(f"/{uploaded['id']}/dry-run")
    assert api.delete(f"/{uploaded['id']}").status_code == 409


def test_refused_rows_are_paged(api):
    rows = "".join(f"N-{n};Firma {n};Weg {n};04109;Leipzig;;;bad{n}\r\n" for n in range(5))
    data = ("Kundennummer;Firma;Straße;PLZ;Ort;Vorname;Nachname;E-Mail\r\n" + rows).encode()
    url = f"/{api.upload(data).json()['id']}"
    api.post(f"{url}/dry-run")
    work()
    first = api.get(f"{url}/refused-rows", limit=2).json()
    assert [row["line"] for row in first["items"]] == [2, 3]
    assert (first["count"], first["previous_cursor"]) == (5, None)
    second = api.get(f"{url}/refused-rows", limit=2, cursor=first["next_cursor"]).json()
    assert [row["line"] for row in second["items"]] == [4, 5]
    back = api.get(f"{url}/refused-rows", limit=2, cursor=second["previous_cursor"]).json()
    assert [row["line"] for row in back["items"]] == [2, 3]
    last = api.get(f"{url}/refused-rows", limit=2, cursor=second["next_cursor"]).json()
    assert ([row["line"] for row in last["items"]], last["next_cursor"]) == ([6], None)
    bad = api.get(f"{url}/refused-rows", cursor="nonsense")
    assert bad.status_code == 400 and "cursor" in bad.json()["errors"]


def test_without_refused_rows_there_is_no_csv(api, uploaded):
    assert uploaded["refused_rows_csv_url"] is None
    assert api.get(f"/{uploaded['id']}/refused-rows/csv").status_code == 404
    assert api.get(f"/{uploaded['id']}/refused-rows").json()["items"] == []


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fields", "field", "message"),
    [
        (None, {}, "file", ""),
        (b"", {}, "file", "The file is empty."),
        (PNG, {}, "file", "not a text file"),
        (FILE, {"encoding": "klingon"}, "encoding", ""),
        (FILE, {"separator": "x"}, "separator", ""),
        (FILE, {"encoding": "utf-16-le"}, "encoding", ""),
        (FILE, {"profile": "Gibt es nicht"}, "profile", "No import profile"),
        ("Firma;Ort\n".encode("utf-16-le"), {"encoding": "utf-8"}, "encoding", "null characters"),
    ],
)
def test_bad_uploads_are_field_errors(api, data, fields, field, message):
    response = api.upload(data, **fields)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in errors
    assert message in " ".join(errors[field])
    assert not AddressImport.objects.exists()


@override_settings(MERKUR_IMPORT_MAX_MB=1)
def test_an_upload_over_the_limit_is_413(api):
    response = api.upload(b"Firma;Ort\n" + b"x;y\n" * 300_000)
    assert response.status_code == 413
    assert "larger than 1 MB" in response.json()["errors"]["file"][0]
    assert not AddressImport.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"mapping": {"Firma": "company.colour"}}, "mapping", "not a field"),
        ({"mapping": {"Gibt es nicht": "company.name"}}, "mapping", "no column"),
        ({"mapping": {"99": "company.name"}}, "mapping", "no column"),
        ({"mapping": "Firma"}, "mapping", ""),
        ({"link": {"kind": "event", "reference": "Gibt es nicht"}}, "link.reference", "not exist"),
        ({"link": {"kind": "event", "reference": "999999"}}, "link.reference", "not exist"),
        ({"link": {"kind": "sales_order", "reference": "X-1"}}, "link.reference", "not exist"),
        ({"link": {"kind": "planet", "reference": "1"}}, "link.kind", "sales_order"),
        ({"link": {"kind": "event", "reference": ""}}, "link.reference", ""),
        (
            {"link": {"kind": "event", "reference": "Hausmesse 2026", "status": "x"}},
            "link.status",
            "invited",
        ),
        ({"mode": "sometimes"}, "mode", ""),
        ({"decisions": {"number": "merge"}}, "decisions.number", ""),
        ({"decisions": {"colour": "skip"}}, "decisions.colour.[key]", ""),
        ({"row_decisions": {"zwei": "skip"}}, "row_decisions.zwei.[key]", ""),
        (
            {"row_decisions": {"9" * 40: "skip"}},
            "row_decisions.9999999999999999999999999999999999999999.[key]",
            "",
        ),
        ({"roles": []}, "roles", ""),
        ({"roles": ["pirate"]}, "roles", ""),
        ({"country": "XX"}, "country", "not a country code"),
        ({"similarity": 10}, "similarity", ""),
        ({"encoding": "ebcdic"}, "encoding", ""),
        ({"profile": "Kunden\x00"}, "profile", ""),
        ({"colour": "red"}, "colour", ""),
    ],
)
def test_bad_settings_are_field_errors(api, uploaded, event, body, field, message):
    before = AddressImport.objects.get().options
    response = api.patch(f"/{uploaded['id']}", body)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert AddressImport.objects.get().options == before


def test_a_file_not_readable_in_another_encoding_keeps_the_old_reading(api):
    data = "Straße;Ort\nWeg 1;Köln\n".encode("cp1252")
    url = f"/{api.upload(data).json()['id']}"
    response = api.patch(url, {"encoding": "utf-8"})
    assert response.status_code == 422
    assert "as utf-8" in response.json()["errors"]["encoding"][0]
    assert api.get(url).json()["reading"]["encoding"] == "cp1252"


def test_a_header_read_with_null_characters_is_refused(api):
    # UTF-16 read as UTF-8: every other byte is a null character, which no text can hold.
    data = "Firma;Ort\nAlpha;Köln\n".encode("utf-16-le")
    url = f"/{api.upload(data).json()['id']}"
    response = api.patch(url, {"encoding": "utf-8"})
    assert response.status_code == 422
    assert "encoding" in response.json()["errors"]
    assert api.get(url).json()["reading"]["encoding"] == "utf-16-le"


def test_malformed_json_is_400(api, uploaded):
    response = api.patch(f"/{uploaded['id']}", None, raw="{mode")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"mapping": {"\x00": "company.name"}},
        {"mapping": {"x" * 5000: None}},
        {"mapping": {"=": "="}},
        {"link": {"kind": "event", "reference": "\x00"}},
        {"link": {"kind": "event", "reference": "9" * 90}},
        {"row_decisions": {"9" * 40: "skip"}},
        {"similarity": 2**70},
        {"country": "\x00"},
        {"profile": 2**70},
        {"profile": "9" * 30},
        [],
        "null",
    ],
)
def test_garbage_is_never_a_server_error(api, uploaded, body):
    response = api.patch(f"/{uploaded['id']}", body)
    assert 400 <= response.status_code < 500, response.content


# --- who may ------------------------------------------------------------------------------------


def routes(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", ""),
        ("get", "/fields"),
        ("get", "/profiles"),
        ("get", f"/{pk}"),
        ("patch", f"/{pk}"),
        ("delete", f"/{pk}"),
        ("post", f"/{pk}/dry-run"),
        ("post", f"/{pk}/run"),
        ("get", f"/{pk}/refused-rows"),
        ("get", f"/{pk}/refused-rows/csv"),
        ("get", f"/{pk}/duplicates"),
    ]


def call(api: Api, method: str, path: str):
    if method == "patch":
        return api.patch(path, {"mode": "good_rows"})
    if method == "post":
        return api.post(path)
    return getattr(api, method)(path)


def test_without_the_edit_permission_every_route_is_403(uploaded, readonly_user):
    reader = Api(readonly_user)
    assert reader.upload().status_code == 403
    for method, path in routes(uploaded["id"]):
        assert call(reader, method, path).status_code == 403, (method, path)
    assert AddressImport.objects.count() == 1


def test_somebody_elses_import_is_404_but_administrators_see_it(uploaded, marketing_user, users):
    other = Api(marketing_user)
    for method, path in routes(uploaded["id"])[3:]:
        assert call(other, method, path).status_code == 404, (method, path)
    assert other.get("").json()["items"] == []
    admin = Api(users["admin"])
    assert admin.get(f"/{uploaded['id']}").status_code == 200
    assert [item["id"] for item in admin.get("").json()["items"]] == [uploaded["id"]]


def test_anonymous_callers_get_401(db):
    assert Client().get(URL).status_code == 401
    assert Client().post(URL, {"file": SimpleUploadedFile("a.csv", FILE)}).status_code == 401


# --- review fixes -------------------------------------------------------------------------------


def test_the_api_modules_use_no_private_view_helpers():
    """The API shares the screens' steps through ``importing.services``, not the views."""
    import ast
    from pathlib import Path

    from merkur.transfer import importing

    folder = Path(importing.__file__).parent
    for name in ("api.py", "api_services.py", "api_schemas.py"):
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "merkur.transfer.importing.views", name
                assert not any(alias.name.startswith("_") for alias in node.names), name


@pytest.mark.parametrize(
    "body",
    [
        {"mapping": {"Firma": "company.name"}},
        {"encoding": "utf-8"},
        {"separator": ","},
        {"quotechar": "'"},
        {"has_header": False},
        {"profile": "Händler"},
    ],
)
def test_changing_the_reading_of_a_gone_file_is_409(api, uploaded, sales_user, body):
    mapping = {"version": 1, "headers": ["Firma"], "rules": []}
    ImportProfile.objects.create(name="Händler", owner=sales_user, mapping=mapping)
    record = AddressImport.objects.get()
    before = record.options
    record.stored_path.unlink()
    response = api.patch(f"/{uploaded['id']}", body)
    assert response.status_code == 409, response.content
    assert response.json()["detail"] == "The uploaded file is gone; upload it again."
    assert AddressImport.objects.get().options == before
    # What does not read the file still changes.
    assert api.patch(f"/{uploaded['id']}", {"mode": "good_rows"}).status_code == 200


def test_a_new_dry_run_after_a_refused_run_drops_the_old_result(api, uploaded):
    url = f"/{uploaded['id']}"
    api.post(f"{url}/dry-run")
    work()
    api.post(f"{url}/run")
    work()
    refused = api.get(url).json()
    assert (refused["status"], refused["result"]["refused"]) == ("refused", 1)
    assert refused["finished_at"] is not None
    # Without the e-mail column line 4 is no longer bad.
    assert api.patch(url, {"mapping": {"E-Mail": ""}}).status_code == 200
    assert api.post(f"{url}/dry-run").status_code == 202
    queued = api.get(url).json()
    assert (queued["result"], queued["finished_at"]) == (None, None)
    work()
    checked = api.get(url).json()
    assert (checked["status"], checked["dry_run"]["refused"]) == ("checked", 0)
    assert (checked["result"], checked["finished_at"]) == (None, None)
    rows = api.get(f"{url}/refused-rows").json()
    assert (rows["count"], rows["items"]) == (0, [])


def test_a_header_with_an_equals_sign_maps_by_name(api):
    data = b"Firma;a=b;Ort\nAlpha GmbH;x;Berlin\n"
    url = f"/{api.upload(data).json()['id']}"
    response = api.patch(url, {"mapping": {"a=b": "company.name2"}})
    assert response.status_code == 200, response.content
    assert fields_of(response.json())["a=b"] == "company.name2"
    response = api.patch(url, {"mapping": {"a=b": "company.colour"}})
    assert response.json()["errors"]["mapping"] == [
        "company.colour is not a field an address import can fill."
    ]
    response = api.patch(url, {"mapping": {"a=c": "company.name"}})
    assert response.json()["errors"]["mapping"] == ["The file has no column “a=c”."]


def test_the_list_loads_the_jobs_of_a_page_in_one_query(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get("")
        assert response.status_code == 200
        return len(captured.captured_queries)

    def add_import_with_job() -> None:
        answer = api.upload().json()
        assert api.post(f"/{answer['id']}/dry-run").status_code == 202

    add_import_with_job()
    one = queries()
    for _n in range(3):
        add_import_with_job()
    assert queries() == one
    listed = api.get("").json()["items"]
    assert len(listed) == 4
    assert all(item["job"]["status"] == "queued" for item in listed)


def test_a_second_start_of_the_same_run_is_409(api, uploaded, monkeypatch):
    """Two requests that both saw the import checked: the second one finds it claimed."""
    from merkur.transfer.importing import api as module

    url = f"/{uploaded['id']}"
    api.post(f"{url}/dry-run")
    work()
    seen = AddressImport.objects.get()  # what the second request read before the first ran
    assert api.post(f"{url}/run").status_code == 202
    monkeypatch.setattr(module, "_import", lambda request, import_id: seen)
    for path in ("/run", "/dry-run"):
        response = api.post(f"{url}{path}")
        assert response.status_code == 409, response.content
        assert response.json()["detail"] == "The import is running; wait until it has finished."
    assert Job.objects.count() == 2  # the dry run and one run


def test_a_change_from_a_stale_read_does_not_undo_a_start(api, uploaded, monkeypatch):
    from merkur.transfer.importing import api as module

    url = f"/{uploaded['id']}"
    seen = AddressImport.objects.get()  # read before the dry run below was started
    assert api.post(f"{url}/dry-run").status_code == 202
    monkeypatch.setattr(module, "_import", lambda request, import_id: seen)
    response = api.patch(url, {"similarity": 95})
    assert response.status_code == 409, response.content
    stored = AddressImport.objects.get()
    assert (stored.status, stored.job_id) == ("queued", Job.objects.get().pk)
    assert stored.options["similarity"] == 88


def duplicates_file() -> bytes:
    return FILE + "N-2;Schmidt AG;Am Markt 3;04109;Leipzig;Eva;Schmidt;\r\n".encode("cp1252")


def test_the_dry_runs_duplicates_are_listed_with_their_decision(api):
    known = make_company(name="Müller Bau GmbH", number="K-1")
    url = f"/{api.upload(duplicates_file()).json()['id']}"
    assert api.get(f"{url}/duplicates").json()["items"] == []  # no dry run yet
    api.post(f"{url}/dry-run")
    work()
    listed = api.get(f"{url}/duplicates").json()
    assert (listed["count"], listed["count_exact"]) == (2, True)
    first, second = listed["items"]
    assert first == {
        "line": 2,
        "name": "Müller Bau GmbH",
        "person": "Hans Müller",
        "place": "80331 München",
        "rule": "number",
        "rule_label": "Same customer number",
        "matched": {"kind": "company", "id": known.pk, "name": "Müller Bau GmbH", "person": None},
        "action": "skip",
        "decision": "skip",
        "row_decision": None,
    }
    assert (second["line"], second["rule"], second["action"]) == (5, "file", "skip")
    assert second["matched"] == {"kind": "line", "id": 3, "name": "", "person": None}
    # The lines are the ones row_decisions takes.
    api.patch(url, {"decisions": {"file": "update"}, "row_decisions": {"2": "update"}})
    listed = api.get(f"{url}/duplicates").json()["items"]
    assert [(row["decision"], row["row_decision"]) for row in listed] == [
        ("update", "update"),
        ("update", None),
    ]
    assert [row["action"] for row in listed] == ["skip", "skip"]  # the dry run's, until rerun
    page = api.get(f"{url}/duplicates", limit=1).json()
    assert [row["line"] for row in page["items"]] == [2]
    after = api.get(f"{url}/duplicates", limit=1, cursor=page["next_cursor"]).json()
    assert ([row["line"] for row in after["items"]], after["next_cursor"]) == ([5], None)
    bad = api.get(f"{url}/duplicates", cursor="x:1")
    assert bad.status_code == 400


def test_the_api_describes_the_refused_rows_with_the_kept_number(api):
    from merkur.transfer.importing.result import KEPT

    schema = Client().get("/api/v1/openapi.json").json()
    described = schema["paths"]["/api/v1/imports/{import_id}/refused-rows"]["get"]["description"]
    assert f"The first {KEPT} are listed" in described
    assert "/api/v1/imports/{import_id}/duplicates" in schema["paths"]


def test_only_who_maintains_master_tables_may_have_entries_added(api, uploaded):
    response = api.patch(f"/{uploaded['id']}", {"add_to_master_tables": True})
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]["add_to_master_tables"]
    assert "maintain the master tables" in " ".join(errors)
    assert not AddressImport.objects.get().options.get("add_to_master_tables")


def test_new_master_entries_are_set_and_reported(admin_user):
    api = Api(admin_user)
    text = (
        "Firma;PLZ;Ort;Straße;Nachname;Position\r\nAlpha GmbH;10115;Berlin;Weg 1;Alt;Pförtner\r\n"
    )
    created = api.upload(text.encode()).json()
    response = api.patch(f"/{created['id']}", {"add_to_master_tables": True})
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["add_to_master_tables"] is True
    assert api.post(f"/{created['id']}/dry-run").status_code == 202
    work()
    answer = api.get(f"/{created['id']}").json()
    assert answer["dry_run"]["new_entries"] == {"titles": [], "functions": ["Pförtner"]}
