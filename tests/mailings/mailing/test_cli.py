"""``merkur mailing``: create from JSON, preview, start, status; bad input exits with 2."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from merkur.jobs.worker import Worker
from merkur.mailings.models import Mailing, MailingStatus
from tests.factories import contact_master
from tests.mailings.mailing.conftest import EMAIL_OPTIONS, make_run


def run(*args) -> str:
    out = io.StringIO()
    call_command("mailing", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_preview_start_and_status(people, marketing_user, smtp, tmp_path):
    _kinds, types = contact_master()
    spec = tmp_path / "mailing.json"
    spec.write_text(
        json.dumps(
            {
                "name": "Einladung Hausmesse 2026",
                "run": make_run(people, by=marketing_user).pk,
                "contact_type": types["Akquise"].pk,
                "channels": ["email"],
                "options": EMAIL_OPTIONS,
            }
        ),
        encoding="utf-8",
    )
    pk = int(run("create", str(spec), "--user", marketing_user.username))
    assert Mailing.objects.get(pk=pk).status == MailingStatus.DRAFT
    assert f"{pk}\tdraft" in run("list")

    preview = json.loads(run("preview", str(pk), "--number", "2"))
    assert preview["email"]["text"].startswith(f"Guten Tag {preview['fields']['first_name']}")

    assert run("start", str(pk), "--user", marketing_user.username).startswith("job ")
    Worker(threaded=False).run(burst=True)
    status = run("status", str(pk))
    assert f"{pk}\tdone" in status and "email: sent 2, skipped 2" in status
    assert len(smtp.sink.envelopes) == 2


def test_bad_input_ends_with_status_2(people, marketing_user, readonly_user, tmp_path):
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({"name": "X", "channels": ["email"]}), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run("create", str(spec), "--user", marketing_user.username)
    assert refused.value.returncode == 2 and "run" in str(refused.value)
    with pytest.raises(CommandError) as not_allowed:
        run("create", str(spec), "--user", readonly_user.username)
    assert not_allowed.value.returncode == 2
    with pytest.raises(CommandError):
        run("status", "999999")
    spec.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        run("create", str(spec), "--user", marketing_user.username)
