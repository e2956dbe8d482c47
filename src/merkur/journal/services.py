"""Changing the journal: every write goes through here (forms, API, demo, mailings).

Contacts are validated, their text sanitised, changes recorded in the history
(also on the company's history) and edits checked against the version the
editor started from.
"""

import datetime
import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.companies.models import Company, Person
from merkur.core import linkable
from merkur.core.audit import diff, record_change, snapshot
from merkur.core.locking import lock_for_update
from merkur.core.models import ChangeRecord
from merkur.core.text import search_words
from merkur.journal import recurrence, richtext
from merkur.journal.models import Absence, Contact, ContactAttachment, ContactLink

Action = ChangeRecord.Action

CONTACT_FIELDS = [
    "occurred_at", "company", "kind", "type", "subject", "text", "follow_up_owner",
    "follow_up_due", "recurrence_rule", "recurrence_start",
]  # fmt: skip
ABSENCE_FIELDS = ["user", "starts_on", "ends_on", "reason", "deputy", "note"]
# The search index holds the start of very long reports only; the text itself is kept whole.
SEARCH_TEXT_LIMIT = 20_000
TEXT_LIMIT = 200_000


def _snapshot(contact: Contact) -> dict:
    values = snapshot(contact, CONTACT_FIELDS)
    # The history shows the start of the text as plain words, not a whole report's HTML.
    plain = richtext.to_plain(contact.text)
    values["text"] = plain if len(plain) <= 300 else plain[:300] + " …"
    values["people"] = sorted(str(p) for p in contact.people.all()) if contact.pk else []
    return values


def _check_people(company: Company, people: list[Person]) -> None:
    strangers = [p for p in people if p.company_id != company.pk]
    if strangers:
        raise ValidationError(
            {
                "people": _("%(name)s does not work at %(company)s.")
                % {"name": strangers[0], "company": company}
            }
        )


def _check_follow_up(contact: Contact) -> None:
    errors = {}
    if contact.follow_up_owner_id and not contact.follow_up_due:
        errors["follow_up_due"] = _("A follow-up needs a due date.")
    if contact.follow_up_due and not contact.follow_up_owner_id:
        errors["follow_up_owner"] = _("Choose who follows up.")
    if contact.follow_up_owner_id and not contact.follow_up_owner.is_active:
        errors["follow_up_owner"] = _("%(user)s is no longer active.") % {
            "user": contact.follow_up_owner
        }
    if contact.recurrence_rule:
        try:
            contact.recurrence_rule = recurrence.normalise(contact.recurrence_rule)
        except ValidationError as error:
            errors["recurrence_rule"] = error.messages
        else:
            if not contact.follow_up_owner_id:
                errors.setdefault(
                    "follow_up_owner", _("A recurring contact needs somebody who follows up.")
                )
            if not contact.recurrence_start:
                contact.recurrence_start = contact.follow_up_due
    else:
        contact.recurrence_start = None
    if errors:
        raise ValidationError(errors)


def _prepare(contact: Contact) -> None:
    if len(contact.text or "") > TEXT_LIMIT:
        raise ValidationError(
            {"text": _("The text is longer than %(limit)d characters.") % {"limit": TEXT_LIMIT}}
        )
    contact.text = richtext.sanitize(contact.text)
    contact.subject = (contact.subject or "").strip()
    _check_follow_up(contact)
    contact.full_clean(exclude=["people", "recorded_by"])
    plain = richtext.to_plain(contact.text)[:SEARCH_TEXT_LIMIT]
    contact.search_text = search_words(f"{contact.subject} {plain}")


def _assign(contact: Contact, data: dict) -> None:
    for name in CONTACT_FIELDS:
        if name in data:
            setattr(contact, name, data[name])


@transaction.atomic
def contact_create(
    *,
    data: dict,
    by,
    people: list[Person] = (),
    links: list[tuple[str, int]] = (),
    follows: Contact | None = None,
) -> Contact:
    """Record a contact. ``data`` holds the fields of ``CONTACT_FIELDS``."""
    contact = Contact(recorded_by=by, follows=follows)
    _assign(contact, data)
    if contact.company_id is None:
        raise ValidationError({"company": _("Choose a company.")})
    if contact.company.archived_at is not None:
        raise ValidationError({"company": _("This company is archived.")})
    people = list(people)
    _check_people(contact.company, people)
    _prepare(contact)
    contact.save()
    contact.people.set(people)
    if contact.is_recurring and contact.series_id is None:
        Contact.objects.filter(pk=contact.pk).update(series=contact)
        contact.series_id = contact.pk
    for kind, object_id in links:
        link_add(contact=contact, kind=kind, object_id=object_id, by=None)
    record_change(
        obj=contact,
        action=Action.CREATE,
        user=by,
        company=contact.company,
        changes={k: [None, v] for k, v in _snapshot(contact).items() if v not in (None, "", [])},
    )
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    data: dict,
    expected_version: int | None,
    by,
    people: list[Person] | None = None,
) -> Contact:
    contact = lock_for_update(Contact, contact.pk, expected_version)
    before = _snapshot(contact)
    old_company = contact.company_id
    _assign(contact, data)
    if contact.company_id != old_company and contact.company.archived_at is not None:
        raise ValidationError({"company": _("This company is archived.")})
    if people is not None:
        people = list(people)
        _check_people(contact.company, people)
    elif "company" in data:
        _check_people(contact.company, list(contact.people.all()))
    _prepare(contact)
    contact.version += 1
    contact.updated_at = timezone.now()
    contact.save()
    if people is not None:
        contact.people.set(people)
    if contact.is_recurring and contact.series_id is None:  # made recurring by this edit
        Contact.objects.filter(pk=contact.pk).update(series=contact)
        contact.series_id = contact.pk
    changes = diff(before, _snapshot(contact))
    if changes:
        record_change(
            obj=contact, action=Action.UPDATE, user=by, company=contact.company, changes=changes
        )
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, by) -> None:
    contact = lock_for_update(Contact, contact.pk, None)
    record_change(
        obj=contact,
        action=Action.DELETE,
        user=by,
        company=contact.company,
        changes={"subject": [contact.subject, None]},
    )
    files = [a.file for a in contact.attachments.all()]
    contact.delete()
    # The files go only once the deletion is committed.
    transaction.on_commit(lambda: [f.delete(save=False) for f in files])


# --- follow-ups ---------------------------------------------------------------------------


def _check_open(contact: Contact) -> None:
    if not contact.has_follow_up:
        raise ValidationError(_("This contact has no follow-up."), code="no_follow_up")
    if contact.follow_up_done_at is not None:
        raise ValidationError(_("This follow-up is already done."), code="already_done")


def _next_occurrence(contact: Contact, by) -> Contact | None:
    """The series' next occurrence as a new contact with an open follow-up, if any."""
    due = recurrence.next_after(
        contact.recurrence_rule, contact.recurrence_start, contact.follow_up_due
    )
    if due is None:
        return None
    owner = contact.follow_up_owner
    if not owner.is_active:  # left the company: whoever closed this one carries on
        owner = by
    following = Contact.objects.create(
        occurred_at=due,
        company=contact.company,
        kind=contact.kind,
        type=contact.type,
        subject=contact.subject,
        text="",
        recorded_by=by,
        follow_up_owner=owner,
        follow_up_due=due,
        recurrence_rule=contact.recurrence_rule,
        recurrence_start=contact.recurrence_start,
        series_id=contact.series_id or contact.pk,
        follows=contact,
        search_text=search_words(contact.subject),
    )
    following.people.set(contact.people.all())
    ContactLink.objects.bulk_create(
        ContactLink(contact=following, kind=link.kind, object_id=link.object_id)
        for link in contact.links.all()
    )
    record_change(
        obj=following,
        action=Action.CREATE,
        user=by,
        company=contact.company,
        changes={"follow_up_due": [None, snapshot(following, ["follow_up_due"])["follow_up_due"]]},
    )
    return following


def _close(contact: Contact, *, by, skipped: bool, now=None) -> Contact | None:
    contact = lock_for_update(Contact, contact.pk, None)
    _check_open(contact)
    contact.follow_up_done_at = now or timezone.now()
    contact.follow_up_done_by = by
    contact.follow_up_skipped = skipped
    contact.version += 1
    contact.save(
        update_fields=[
            "follow_up_done_at",
            "follow_up_done_by",
            "follow_up_skipped",
            "version",
        ]
    )
    record_change(
        obj=contact,
        action=Action.UPDATE,
        user=by,
        company=contact.company,
        changes={
            "follow_up_done_at": [
                None,
                snapshot(contact, ["follow_up_done_at"])["follow_up_done_at"],
            ],
            **({"follow_up_skipped": [False, True]} if skipped else {}),
        },
    )
    return _next_occurrence(contact, by) if contact.is_recurring else None


@transaction.atomic
def follow_up_done(*, contact: Contact, by, now=None) -> Contact | None:
    """Mark the follow-up done (who, when). Returns the next occurrence of a series."""
    return _close(contact, by=by, skipped=False, now=now)


@transaction.atomic
def follow_up_skip(*, contact: Contact, by) -> Contact | None:
    """Skip this occurrence of a recurring contact; the next one becomes due."""
    if not contact.is_recurring:
        raise ValidationError(_("Only an occurrence of a recurring contact can be skipped."))
    return _close(contact, by=by, skipped=True)


@transaction.atomic
def follow_up_done_and_next(
    *, contact: Contact, data: dict, by, people: list[Person] = ()
) -> tuple[Contact, Contact | None]:
    """Mark the follow-up done and record the next contact, in one step.

    ``data`` is the new contact (company is the old one's); returns it and the
    next occurrence if the old one was part of a series.
    """
    occurrence = _close(contact, by=by, skipped=False)
    data = {**data, "company": contact.company}
    created = contact_create(data=data, by=by, people=people, follows=contact)
    return created, occurrence


# --- links --------------------------------------------------------------------------------


def _target(kind: str, object_id: int):
    target = linkable.kind(kind)
    if target is None:
        raise ValidationError({"links": _("Unknown kind of record: %(kind)s") % {"kind": kind}})
    record = target.model.objects.filter(pk=object_id).first()
    if record is None:
        raise ValidationError(
            {
                "links": _("%(kind)s %(id)s does not exist.")
                % {"kind": target.label, "id": object_id}
            }
        )
    return record


@transaction.atomic
def link_add(*, contact: Contact, kind: str, object_id: int, by) -> ContactLink:
    record = _target(kind, object_id)
    link, created = ContactLink.objects.get_or_create(
        contact=contact, kind=kind, object_id=object_id
    )
    if created and by is not None:
        record_change(
            obj=contact,
            action=Action.UPDATE,
            user=by,
            company=contact.company,
            changes={"links": [None, f"{linkable.kind(kind).label}: {record}"]},
        )
    return link


@transaction.atomic
def link_remove(*, link: ContactLink, by) -> None:
    contact = link.contact
    target = linkable.kind(link.kind)
    label = target.label if target else link.kind
    link.delete()
    record_change(
        obj=contact,
        action=Action.UPDATE,
        user=by,
        company=contact.company,
        changes={"links": [f"{label}: {link.object_id}", None]},
    )


def linked_contacts(kind: str, object_id: int):
    """Contacts linked to a record (by ``ContactLink``), newest first."""
    return Contact.objects.filter(
        pk__in=ContactLink.objects.filter(kind=kind, object_id=object_id).values("contact")
    )


# --- attachments --------------------------------------------------------------------------

# The first bytes of the file types whose content we can recognise: a file
# whose name promises a PDF must be one.
_SIGNATURES = {
    "pdf": [b"%PDF-"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "gif": [b"GIF87a", b"GIF89a"],
    "zip": [b"PK\x03\x04", b"PK\x05\x06"],
    "docx": [b"PK\x03\x04"],
    "xlsx": [b"PK\x03\x04"],
    "pptx": [b"PK\x03\x04"],
    "odt": [b"PK\x03\x04"],
    "ods": [b"PK\x03\x04"],
    "odp": [b"PK\x03\x04"],
    "doc": [b"\xd0\xcf\x11\xe0"],
    "xls": [b"\xd0\xcf\x11\xe0"],
    "ppt": [b"\xd0\xcf\x11\xe0"],
    "msg": [b"\xd0\xcf\x11\xe0"],
    "rtf": [b"{\\rtf"],
}


def check_upload(upload) -> str:
    """The file's extension if it may be attached; a ``ValidationError`` saying why not."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    allowed = [t.lower() for t in settings.MERKUR_ATTACHMENT_TYPES]
    if extension not in allowed:
        raise ValidationError(
            _("Files of type “%(type)s” cannot be attached. Allowed: %(allowed)s.")
            % {"type": extension or "?", "allowed": ", ".join(allowed)},
            code="file_type",
        )
    limit = settings.MERKUR_ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)d MB.")
            % {"name": name, "limit": settings.MERKUR_ATTACHMENT_MAX_MB},
            code="file_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    signatures = _SIGNATURES.get(extension)
    if signatures:
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(s) for s in signatures):
            raise ValidationError(
                _("“%(name)s” is not a real %(type)s file.")
                % {"name": name, "type": extension.upper()},
                code="file_content",
            )
    return extension


@transaction.atomic
def attachment_add(*, contact: Contact, upload, by) -> ContactAttachment:
    check_upload(upload)
    name = PurePath(upload.name).name[:255]
    attachment = ContactAttachment(
        contact=contact,
        name=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=upload.size,
        uploaded_by=by,
    )
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    record_change(
        obj=contact,
        action=Action.UPDATE,
        user=by,
        company=contact.company,
        changes={"attachments": [None, name]},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: ContactAttachment, by) -> None:
    contact = attachment.contact
    stored = attachment.file
    attachment.delete()
    record_change(
        obj=contact,
        action=Action.UPDATE,
        user=by,
        company=contact.company,
        changes={"attachments": [attachment.name, None]},
    )
    transaction.on_commit(lambda: stored.delete(save=False))


# --- absences -----------------------------------------------------------------------------


def _check_absence(absence: Absence) -> None:
    """Readable messages first; then the model's own rules (which say less)."""
    errors = {}
    if absence.starts_on and absence.ends_on and absence.ends_on < absence.starts_on:
        errors["ends_on"] = _("The absence cannot end before it starts.")
    if absence.deputy_id and absence.deputy_id == absence.user_id:
        errors["deputy"] = _("Choose somebody else as deputy.")
    elif absence.deputy_id and not absence.deputy.is_active:
        errors["deputy"] = _("%(user)s is no longer active.") % {"user": absence.deputy}
    if errors:
        raise ValidationError(errors)
    absence.full_clean()
    clash = (
        Absence.objects.filter(
            user_id=absence.user_id,
            starts_on__lte=absence.ends_on,
            ends_on__gte=absence.starts_on,
        )
        .exclude(pk=absence.pk)
        .first()
    )
    if clash:
        raise ValidationError(
            {
                "starts_on": _("%(user)s is already recorded as absent from %(start)s to %(end)s.")
                % {
                    "user": absence.user,
                    "start": clash.starts_on.strftime("%d.%m.%Y"),
                    "end": clash.ends_on.strftime("%d.%m.%Y"),
                }
            }
        )


def _lock_user(user_id: int) -> None:
    # Two overlapping absences saved at once must not both pass the check.
    get_user_model().objects.select_for_update().filter(pk=user_id).first()


@transaction.atomic
def absence_create(*, data: dict, by) -> Absence:
    absence = Absence(recorded_by=by)
    for name in ABSENCE_FIELDS:
        if name in data:
            setattr(absence, name, data[name])
    if absence.user_id:
        _lock_user(absence.user_id)
    _check_absence(absence)
    absence.save()
    record_change(
        obj=absence,
        action=Action.CREATE,
        user=by,
        changes={k: [None, v] for k, v in snapshot(absence, ABSENCE_FIELDS).items() if v},
    )
    return absence


@transaction.atomic
def absence_update(*, absence: Absence, data: dict, expected_version: int | None, by) -> Absence:
    absence = lock_for_update(Absence, absence.pk, expected_version)
    _lock_user(absence.user_id)
    before = snapshot(absence, ABSENCE_FIELDS)
    for name in ABSENCE_FIELDS:
        if name in data and name != "user":
            setattr(absence, name, data[name])
    _check_absence(absence)
    absence.version += 1
    absence.updated_at = timezone.now()
    absence.save()
    changes = diff(before, snapshot(absence, ABSENCE_FIELDS))
    if changes:
        record_change(obj=absence, action=Action.UPDATE, user=by, changes=changes)
    return absence


@transaction.atomic
def absence_delete(*, absence: Absence, by) -> None:
    record_change(
        obj=absence,
        action=Action.DELETE,
        user=by,
        changes={k: [v, None] for k, v in snapshot(absence, ["starts_on", "ends_on"]).items()},
    )
    absence.delete()


def end_absence_today(*, absence: Absence, by) -> Absence:
    """Back early: the absence ends yesterday (or is removed if it has not started)."""
    today = timezone.localdate()
    if absence.starts_on >= today:
        absence_delete(absence=absence, by=by)
        return absence
    return absence_update(
        absence=absence,
        data={"ends_on": today - datetime.timedelta(days=1)},
        expected_version=None,
        by=by,
    )
