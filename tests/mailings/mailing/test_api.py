"""``/api/v1/mailings``: drafts, preview, start, items, field errors, permissions."""

import base64
import json

from merkur.jobs.worker import Worker
from merkur.mailings.models import Mailing
from tests.conftest import client_for
from tests.factories import contact_master
from tests.mailings.mailing.conftest import EMAIL_OPTIONS, make_run
from tests.mailings.mailing.test_views import docx_bytes

BASE = "/api/v1/mailings"


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def body(source_run, **extra) -> dict:
    _kinds, types = contact_master()
    data = {
        "name": "Einladung Hausmesse 2026",
        "run": source_run.pk,
        "contact_type": types["Akquise"].pk,
        "channels": ["email"],
        "options": EMAIL_OPTIONS,
    }
    data.update(extra)
    return data


def test_create_preview_start_and_items(people, marketing_user, smtp):
    client = client_for(marketing_user)
    created = post(client, BASE, body(make_run(people, by=marketing_user)))
    assert created.status_code == 201, created.content
    mailing = created.json()
    assert mailing["status"] == "draft" and mailing["version"] == 1

    preview = client.get(f"{BASE}/{mailing['id']}/preview?number=1")
    assert preview.status_code == 200
    data = preview.json()
    assert data["email"]["text"].startswith(f"Guten Tag {data['fields']['first_name']}")
    assert client.get(f"{BASE}/{mailing['id']}/preview?number=50").status_code == 422

    changed = client.patch(
        f"{BASE}/{mailing['id']}",
        json.dumps({"name": "Einladung Messe", "version": 1}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(
        f"{BASE}/{mailing['id']}", json.dumps({"name": "X", "version": 1}),
        content_type="application/json",
    )  # fmt: skip
    assert stale.status_code == 409

    started = post(client, f"{BASE}/{mailing['id']}/start", {})
    assert started.status_code == 202
    assert post(client, f"{BASE}/{mailing['id']}/start", {}).status_code == 422
    Worker(threaded=False).run(burst=True)
    result = client.get(f"{BASE}/{mailing['id']}").json()
    assert result["status"] == "done"
    assert result["counts"] == {"email": {"sent": 2, "skipped": 2}}
    skipped = client.get(f"{BASE}/{mailing['id']}/items?state=skipped").json()
    assert len(skipped["items"]) == 2 and all(item["reason"] for item in skipped["items"])
    assert len(smtp.sink.envelopes) == 2


def test_bad_input_gets_field_errors(people, marketing_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client = client_for(marketing_user)
    run = make_run(people, by=marketing_user)
    unknown = post(client, BASE, body(run, run=999_999))
    assert unknown.status_code == 422 and "run" in unknown.json()["errors"]
    bad_field = post(
        client, BASE, body(run, options={"email": {"subject": "x", "text": "{{ nope }}"}})
    )
    assert bad_field.status_code == 422 and "email" in bad_field.json()["errors"]
    letters = {"letters": {"template_base64": base64.b64encode(b"no word").decode()}}
    bad_docx = post(client, BASE, body(run, channels=["letters_docx"], options=letters))
    assert bad_docx.status_code == 422
    good = {
        "letters": {"template_base64": base64.b64encode(docx_bytes("{{ full_name }}")).decode()}
    }
    created = post(client, BASE, body(run, channels=["letters_docx"], options=good))
    assert created.status_code == 201, created.content
    stored = created.json()["options"]["letters"]["template"]
    assert (tmp_path / "mailings" / stored).exists()
    assert post(client, BASE, body(run, channels=["pigeon"])).status_code == 422


def test_read_only_users_may_read_but_not_write(people, marketing_user, readonly_user):
    run = make_run(people, by=marketing_user)
    created = post(client_for(marketing_user), BASE, body(run)).json()
    client = client_for(readonly_user)
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}/{created['id']}/items").status_code == 200
    assert client.get(f"{BASE}/fields").status_code == 200
    assert post(client, BASE, body(run)).status_code == 403
    assert post(client, f"{BASE}/{created['id']}/start", {}).status_code == 403
    assert client.delete(f"{BASE}/{created['id']}").status_code == 403
    assert Mailing.objects.get().job_id is None


def test_nul_characters_in_the_options_are_a_field_error(people, marketing_user):
    """PostgreSQL cannot store NUL in JSON: a 422, not a DataError."""
    client = client_for(marketing_user)
    run = make_run(people, by=marketing_user)
    for options in (
        {"email": {**EMAIL_OPTIONS["email"], "subject": "Einladung\x00"}},
        {**EMAIL_OPTIONS, "fields": {"booth": "Halle\x003"}},
        {**EMAIL_OPTIONS, "x\x00": 1},
    ):
        response = post(client, BASE, body(run, options=options))
        assert response.status_code == 422, response.content
        assert "options" in response.json()["errors"]
    assert not Mailing.objects.exists()
    created = post(client, BASE, body(run)).json()
    changed = client.patch(
        f"{BASE}/{created['id']}",
        json.dumps({"options": {"email": {**EMAIL_OPTIONS["email"], "text": "a\x00"}}}),
        content_type="application/json",
    )
    assert changed.status_code == 422, changed.content


def test_templates_that_are_not_text_are_field_errors(people, marketing_user):
    client = client_for(marketing_user)
    run = make_run(people, by=marketing_user)
    email = post(client, BASE, body(run, options={"email": {"subject": 5, "text": ["x"]}}))
    assert email.status_code == 422 and "email" in email.json()["errors"], email.content
    for pdf in ({"body": 5}, {"body": "Guten Tag", "subject": 7}):
        response = post(client, BASE, body(run, channels=["letters_pdf"], options={"pdf": pdf}))
        assert response.status_code == 422 and "pdf" in response.json()["errors"], response.content
