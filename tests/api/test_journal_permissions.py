"""Who may do what in the journal API: every route × every role (and anonymous).

Reads need "view journal" (every role), writes "write journal" (not read-only);
deleting somebody else's contact and anything about another user's absence
need "manage journal" (administrators).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from merkur.core.roles import ROLE_CAPABILITIES, Capability, Role
from merkur.journal import services
from tests.api.conftest import API, ApiClient
from tests.factories import contact_master, make_absence, make_company, make_contact

pytestmark = pytest.mark.django_db

VIEW, WRITE, MANAGE = Capability.VIEW_JOURNAL, Capability.WRITE_JOURNAL, Capability.MANAGE_JOURNAL
RECORDS, MASTER = Capability.VIEW_RECORDS, Capability.MANAGE_MASTER_DATA
FILE = object()  # stands for a multipart upload of a small PDF
PDF = b"%PDF-1.4\n"


def _day(n: int) -> str:
    return str(timezone.localdate() + datetime.timedelta(days=n))


NEW_CONTACT = {"company": "{company}", "kind": "{kind}", "subject": "Anruf"}
OWN_ABSENCE = {"starts_on": _day(10), "ends_on": _day(12), "deputy": "{other}"}
OTHERS_ABSENCE = {**OWN_ABSENCE, "user": "{other}", "deputy": "{third}"}

# (method, path, body, capability needed, status on success). Ids in {braces}
# come from the ``records`` fixture (made for the caller); bodies may use them too.
ENDPOINTS = [
    ("GET", "/contacts", None, VIEW, 200),
    ("GET", "/contacts?state=open&sort=due", None, VIEW, 200),
    ("POST", "/contacts", NEW_CONTACT, WRITE, 201),
    ("GET", "/contacts/{contact}", None, VIEW, 200),
    ("PATCH", "/contacts/{contact}", {"subject": "Neu", "version": 1}, WRITE, 200),
    ("DELETE", "/contacts/{own_contact}", None, WRITE, 204),
    ("DELETE", "/contacts/{foreign_contact}", None, MANAGE, 204),
    ("POST", "/contacts/{contact}/links", {"kind": "company", "id": "{company}"}, WRITE, 201),
    ("DELETE", "/contacts/{contact}/links/{link}", None, WRITE, 204),
    ("POST", "/contacts/{open}/follow-up/done", None, WRITE, 200),
    ("POST", "/contacts/{recurring}/follow-up/skip", None, WRITE, 200),
    ("POST", "/contacts/{contact}/attachments", FILE, WRITE, 201),
    ("GET", "/contacts/{contact}/attachments/{attachment}", None, VIEW, 200),
    ("DELETE", "/contacts/{contact}/attachments/{attachment}", None, WRITE, 204),
    ("GET", "/follow-ups", None, VIEW, 200),
    ("GET", "/follow-ups?scope=due", None, VIEW, 200),
    ("GET", "/follow-ups?scope=deputy", None, VIEW, 200),
    ("GET", "/follow-ups?scope=all", None, VIEW, 200),
    ("GET", "/follow-ups?user={caller}", None, VIEW, 200),
    ("GET", "/follow-ups?user={other}", None, MANAGE, 200),
    ("GET", "/absences", None, VIEW, 200),
    ("GET", "/absences?user={other}", None, VIEW, 200),
    ("POST", "/absences", OWN_ABSENCE, VIEW, 201),
    ("POST", "/absences", OTHERS_ABSENCE, MANAGE, 201),
    ("GET", "/absences/cycles", None, VIEW, 200),
    ("GET", "/absences/{own_absence}", None, VIEW, 200),
    ("GET", "/absences/{deputy_absence}", None, VIEW, 200),
    ("GET", "/absences/{foreign_absence}", None, MANAGE, 200),
    ("PATCH", "/absences/{own_absence}", {"note": "Kurs"}, VIEW, 200),
    ("PATCH", "/absences/{deputy_absence}", {"note": "Kurs"}, MANAGE, 200),
    ("PATCH", "/absences/{foreign_absence}", {"note": "Kurs"}, MANAGE, 200),
    ("DELETE", "/absences/{own_absence}", None, VIEW, 204),
    ("DELETE", "/absences/{foreign_absence}", None, MANAGE, 204),
    ("GET", "/master/contact-kind-groups", None, RECORDS, 200),
    ("POST", "/master/contact-kind-groups", {"name": "Digital"}, MASTER, 201),
    ("GET", "/master/contact-kinds", None, RECORDS, 200),
    ("GET", "/master/contact-type-groups", None, RECORDS, 200),
    ("POST", "/master/contact-type-groups", {"name": "Intern"}, MASTER, 201),
    ("GET", "/master/contact-types", None, RECORDS, 200),
]  # fmt: skip


@pytest.fixture
def records(users, role, admin_user) -> dict:
    """Records seen from the caller: their own contact and absence, somebody else's …"""
    kinds, _types = contact_master()
    caller = users[role] if role else users[Role.READ_ONLY]
    other, third = [user for user in users.values() if user != caller][:2]
    company = make_company(by=admin_user)
    contact = make_contact(company, by=admin_user)
    # Uploaded by the caller: removing an attachment is for its uploader (or the
    # contact's recorder, or an administrator).
    attachment = services.attachment_add(
        contact=contact, upload=SimpleUploadedFile("a.pdf", PDF), by=caller
    )
    due = timezone.now() + datetime.timedelta(days=1)
    return {
        "caller": caller.pk,
        "other": other.pk,
        "third": third.pk,
        "company": company.pk,
        "kind": kinds["Telefonat"].pk,
        "contact": contact.pk,
        "own_contact": make_contact(company, by=caller).pk,
        "foreign_contact": make_contact(company, by=other).pk,
        "link": services.link_add(
            contact=contact, kind="company", object_id=company.pk, by=None
        ).pk,
        "attachment": attachment.pk,
        "open": make_contact(company, by=other, follow_up_owner=caller, follow_up_due=due).pk,
        "recurring": make_contact(
            company,
            by=other,
            follow_up_owner=other,
            follow_up_due=due,
            recurrence_rule="FREQ=WEEKLY",
        ).pk,
        "own_absence": make_absence(caller, other, starts_on=_day(1), ends_on=_day(3)).pk,
        "deputy_absence": make_absence(other, caller, starts_on=_day(1), ends_on=_day(3)).pk,
        "foreign_absence": make_absence(third, other, starts_on=_day(1), ends_on=_day(3)).pk,
    }


def _fill(value, ids: dict):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


# Somebody else's absence is not even shown to those who may not manage it (as on the pages).
HIDDEN = "{foreign_absence}"


def _expected(role: str | None, capability: str | None, success: int, path: str = "") -> int:
    if role is None:
        return 401
    if capability in ROLE_CAPABILITIES[role]:
        return success
    return 404 if HIDDEN in path else 403


def _send(client: ApiClient, method: str, path: str, body):
    if body is FILE:
        upload = SimpleUploadedFile("offerte.pdf", PDF)
        return client.client.post(API + path, {"file": upload}, headers=client.headers)
    return client.request(method, path, body)


@pytest.mark.parametrize("role", [*Role.values, None], ids=[*Role.values, "anonymous"])
@pytest.mark.parametrize(
    ("method", "path", "body", "capability", "success"),
    ENDPOINTS,
    ids=[f"{method} {path}" for method, path, *_ in ENDPOINTS],
)
def test_permission_matrix(api_as, records, role, method, path, body, capability, success):
    client = api_as(role) if role else ApiClient()
    response = _send(client, method, path.format(**records), _fill(body, records))
    assert response.status_code == _expected(role, capability, success, path), response.content
    if response.status_code >= 400:
        assert "detail" in response.json()


def test_every_journal_route_is_in_the_matrix():
    """A new route must be added to ``ENDPOINTS`` (and so be checked for every role)."""
    from merkur.journal.api import contacts, followups

    routes = set()
    for router, prefix in ((contacts.router, "/contacts"), (followups.router, "")):
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.add((method, prefix + path))
    covered = {
        (method, path.split("?")[0].replace("{", "<").replace("}", ">"))
        for method, path, *_ in ENDPOINTS
    }
    normalised = {
        (method, path.replace("{", "<").replace("}", ">").rstrip("/") or "/")
        for method, path in routes
    }
    names = {
        "<contact>": "<contact_id>",
        "<own_contact>": "<contact_id>",
        "<foreign_contact>": "<contact_id>",
        "<open>": "<contact_id>",
        "<recurring>": "<contact_id>",
        "<link>": "<link_id>",
        "<attachment>": "<attachment_id>",
        "<own_absence>": "<absence_id>",
        "<deputy_absence>": "<absence_id>",
        "<foreign_absence>": "<absence_id>",
    }
    renamed = set()
    for method, path in covered:
        for placeholder, name in names.items():
            path = path.replace(placeholder, name)
        renamed.add((method, path))
    assert {route for route in normalised if not route[1].startswith("/master")} <= renamed


def test_a_session_needs_the_csrf_token_for_writes(sales_user):
    from tests.conftest import client_for

    client = client_for(sales_user)
    client.handler.enforce_csrf_checks = True
    read = client.get(f"{API}/contacts")
    assert read.status_code == 200
    write = client.post(f"{API}/absences", {}, content_type="application/json")
    assert write.status_code == 403
