"""Creating, changing, previewing and starting mailings — every write in one place.

- ``store_template(data) -> str``: check an uploaded Word template (a real DOCX with
  usable merge fields, at most ``MAX_TEMPLATE_BYTES``) and keep it under
  ``MERKUR_DATA_DIR/mailings/`` with a random name; the name goes into the
  mailing's ``options["letters"]["template"]``.
- ``check_options(channels, options) -> dict``: the channels' settings checked
  (``ValidationError`` with a message per field: templates that do not compile or
  use an unknown field, a bad free field name, a missing template …).
- ``mailing_create`` / ``mailing_update`` (optimistic locking; drafts only) /
  ``mailing_delete`` (drafts only).
- ``mailing_start(mailing, by) -> Job``: enqueue the job ``mailings.run`` once.
- ``retry_failed(mailing, by) -> (Job, int)``: e-mail/fax items that failed only for
  now (``retryable``) back to pending, the job enqueued again.
- ``preview_rows`` / ``preview_fields`` / ``preview_email``: the recipients of a
  mailing in order, and for the one at position ``number`` (1-based) its merge
  fields and its rendered e-mail — the same fields the job uses.
"""

import datetime
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.core.locking import lock_for_update
from merkur.core.templating import TemplateProblem
from merkur.mailings import fields as merge_fields
from merkur.mailings.models import Channel, ItemState, Mailing, MailingItem, MailingStatus
from merkur.selections.models import SelectionRunMember
from merkur.selections.recipients import COLUMNS, recipients

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024
TEMPLATE_NAME = re.compile(r"^[0-9a-f]{32}\.docx$")
LABEL_FORMATS = ("3474", "3475", "3490", "L7163")
EDITABLE = ("name", "run", "selection", "event", "channels", "options", "contact_type")


def template_dir() -> Path:
    return Path(settings.DATA_DIR) / "mailings"


def template_path(name: str) -> Path:
    """The stored template ``name`` (``ValueError`` for a name that is not one of ours)."""
    if not TEMPLATE_NAME.match(name or ""):
        raise ValueError(_("“%(name)s” is not a stored template.") % {"name": name})
    return template_dir() / name


def _docx_letter(source, free: dict | None):
    from merkur.mailings.documents.docx import DocxLetter

    return DocxLetter(source, known=merge_fields.catalogue(free))


def store_template(data: bytes, *, free: dict | None = None) -> str:
    """Check a Word template and store it; its stored name. ``ValidationError`` if unusable."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ValidationError(
            _("The Word template is larger than %(size)s MB.")
            % {"size": MAX_TEMPLATE_BYTES // (1024 * 1024)}
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError(_("The file is not a Word document (DOCX)."))
    try:
        _docx_letter(data, free)
    except TemplateProblem as problem:
        raise ValidationError(str(problem)) from None
    folder = template_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ".docx"
    (folder / name).write_bytes(data)
    return name


def check_options(channels: list[str], options: dict) -> dict:
    """The channels' settings checked; ``ValidationError`` naming each problem."""
    from merkur.mailings.email.message import EmailTemplates

    errors: dict[str, list[str]] = {}
    if not isinstance(options, dict):
        raise ValidationError({"options": [_("The settings must be an object.")]})
    if _has_nul(options):  # PostgreSQL cannot store NUL in JSON
        raise ValidationError({"options": [_("Null characters are not allowed.")]})
    options = dict(options or {})
    unknown = [c for c in channels if c not in Channel.values]
    if unknown or not channels:
        errors.setdefault("channels", []).append(
            _("Choose at least one channel of: %(names)s.") % {"names": ", ".join(Channel.values)}
        )
    try:
        free = merge_fields.check_free(options.get("fields"))
    except ValueError as error:
        errors.setdefault("fields", []).append(str(error))
        free = {}
    options["fields"] = free
    known = set(merge_fields.catalogue(free))
    if Channel.EMAIL in channels:
        email = options.get("email") if isinstance(options.get("email"), dict) else {}
        try:
            if not all(isinstance(email.get(k, ""), str) for k in ("subject", "text", "html")):
                raise TemplateProblem(_("The e-mail templates must be text."))
            templates = EmailTemplates(
                subject=email.get("subject", ""),
                text=email.get("text", ""),
                html=email.get("html", ""),
            )
            from merkur.mailings.documents.templates import unknown_names

            for part, template in (
                ("subject", templates.subject),
                ("text", templates.text),
                ("html", templates.html),
            ):
                if template is None:
                    continue
                missing = unknown_names(template, known)
                if missing:
                    name, line = missing[0]
                    raise TemplateProblem(
                        _("The field “%(name)s” does not exist (line %(line)s).")
                        % {"name": name, "line": line},
                        part=part,
                    )
        except TemplateProblem as problem:
            errors.setdefault("email", []).append(str(problem))
    if Channel.LETTERS_DOCX in channels:
        letters = options.get("letters") if isinstance(options.get("letters"), dict) else {}
        try:
            _docx_letter(template_path(letters.get("template", "")), free)
        except (ValueError, OSError):
            errors.setdefault("letters", []).append(_("Upload a Word template (DOCX)."))
        except TemplateProblem as problem:
            errors.setdefault("letters", []).append(str(problem))
    if Channel.LETTERS_PDF in channels or Channel.FAX in channels:  # a fax is the PDF letter
        from merkur.mailings.documents.pdf import PdfLetter

        pdf = options.get("pdf") if isinstance(options.get("pdf"), dict) else {}
        if not all(isinstance(pdf.get(k, ""), str) for k in ("subject", "body")):
            errors.setdefault("pdf", []).append(
                _("The PDF letter's subject and body must be text.")
            )
        elif not (pdf.get("body") or "").strip():
            errors.setdefault("pdf", []).append(_("The PDF letter needs a body text."))
        else:
            try:
                PdfLetter(pdf["body"], subject=pdf.get("subject", ""), known=known)
            except TemplateProblem as problem:
                errors.setdefault("pdf", []).append(str(problem))
    if Channel.LABELS in channels:
        labels = options.get("labels") if isinstance(options.get("labels"), dict) else {}
        if labels.get("format") not in LABEL_FORMATS:
            errors.setdefault("labels", []).append(
                _("Choose a label format of: %(names)s.") % {"names": ", ".join(LABEL_FORMATS)}
            )
        start = labels.get("start", 1)
        if not isinstance(start, int) or isinstance(start, bool) or not 1 <= start <= 100:
            errors.setdefault("labels", []).append(
                _("The first label position is a number from 1 to 100.")
            )
    if errors:
        raise ValidationError(errors)
    return options


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _check(data: dict) -> dict:
    data = dict(data)
    if not (data.get("name") or "").strip():
        raise ValidationError({"name": [_("The mailing needs a name.")]})
    if data.get("run") is None and data.get("selection") is None:
        raise ValidationError({"run": [_("Choose a frozen selection run or a saved selection.")]})
    data["channels"] = sorted(set(data.get("channels") or []))
    data["options"] = check_options(data["channels"], data.get("options") or {})
    return data


@transaction.atomic
def mailing_create(*, data: dict, by) -> Mailing:
    """A new draft mailing; ``data``: the fields of ``EDITABLE`` (model instances for FKs)."""
    data = _check(data)
    return Mailing.objects.create(
        created_by=by, **{key: data.get(key) for key in EDITABLE if key in data}
    )


def _require_draft(mailing: Mailing) -> None:
    if mailing.status != MailingStatus.DRAFT:
        raise ValidationError(_("Only a draft can be changed; this mailing was started."))


@transaction.atomic
def mailing_update(*, mailing: Mailing, data: dict, expected_version: int | None, by) -> Mailing:
    """Change a draft (``EditConflict`` if it changed since ``expected_version``)."""
    current = lock_for_update(Mailing, mailing.pk, expected_version)
    _require_draft(current)
    merged = {key: getattr(current, key) for key in EDITABLE}
    merged.update({key: value for key, value in data.items() if key in EDITABLE})
    merged = _check(merged)
    for key in EDITABLE:
        setattr(current, key, merged[key])
    current.version = F("version") + 1
    current.updated_at = timezone.now()
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def mailing_delete(*, mailing: Mailing, by) -> None:
    current = lock_for_update(Mailing, mailing.pk, None)
    _require_draft(current)
    current.delete()


@transaction.atomic
def mailing_start(*, mailing: Mailing, by):
    """Enqueue the job that runs the mailing; the job. Only a draft can be started."""
    current = lock_for_update(Mailing, mailing.pk, None)
    if current.status != MailingStatus.DRAFT or current.job_id is not None:
        raise ValidationError(_("This mailing was started already."))
    check_options(current.channels, current.options)
    job = _enqueue_run(current, mailing, by)
    return job


def _enqueue_run(current: Mailing, mailing: Mailing, by):
    """Queue the job ``mailings.run`` for the locked ``current`` and mark it (and the
    caller's ``mailing``) running; the job."""
    from merkur.jobs.services import enqueue

    job = enqueue(
        "mailings.run",
        params={"mailing": current.pk},
        user=by,
        title=_("Mailing “%(name)s”") % {"name": current.name},
    )
    Mailing.objects.filter(pk=current.pk).update(
        job=job, status=MailingStatus.RUNNING, updated_at=timezone.now()
    )
    mailing.job, mailing.status = job, MailingStatus.RUNNING
    return job


def retryable_items(mailing: Mailing):
    """The mailing's failed items that may be sent again (refused only for now)."""
    return MailingItem.objects.filter(mailing=mailing, state=ItemState.FAILED, retryable=True)


@transaction.atomic
def retry_failed(*, mailing: Mailing, by):
    """Send the items again that failed only for now (SMTP 4xx, connection trouble, a
    temporary fax failure): back to pending (reason and detail cleared), the mailing
    running, the job ``mailings.run`` enqueued again; ``(job, number of items)``.

    Items refused for good and items whose outcome is unknown (they may have arrived)
    are never sent again. Only a mailing that is done or failed, whose job is not
    running, can be retried (``ValidationError`` otherwise).
    """
    current = lock_for_update(Mailing, mailing.pk, None)
    if current.status not in (MailingStatus.DONE, MailingStatus.FAILED) or (
        current.job is not None and not current.job.is_finished
    ):
        raise ValidationError(
            _("Only a finished or failed mailing whose job is not running can be retried.")
        )
    count = retryable_items(current).update(
        state=ItemState.PENDING, reason="", detail="", done_at=None, retryable=False
    )
    if not count:
        raise ValidationError(_("This mailing has no failed items that can be retried."))
    job = _enqueue_run(current, mailing, by)
    return job, count


# --- preview -----------------------------------------------------------------------------


def preview_rows(mailing: Mailing):
    """The mailing's recipients (``recipients.COLUMNS`` rows), in the order of the letters.

    From the frozen run when it has one, else from the saved selection as it is now.
    """
    if mailing.run_id is not None:
        members = SelectionRunMember.objects.filter(run_id=mailing.run_id)
        return recipients(members, dedupe=None, purpose="non_marketing").values(*COLUMNS)
    if mailing.selection_id is not None:
        from merkur.selections.compiler import compile_definition
        from merkur.selections.context import Context
        from merkur.selections.services import parse_or_invalid

        selection = mailing.selection
        definition = parse_or_invalid(selection.definition)
        selected = compile_definition(
            definition, Context(today=timezone.localdate(), stack=(selection.pk,))
        )
        return recipients(
            selected, address=definition.address, dedupe=None, purpose="non_marketing"
        ).values(*COLUMNS)
    return recipients(SelectionRunMember.objects.none(), dedupe=None).values(*COLUMNS)


@dataclass(frozen=True)
class Preview:
    number: int
    row: dict
    fields: dict


def preview_fields(mailing: Mailing, number: int = 1, *, by=None) -> Preview | None:
    """The merge fields of the recipient at position ``number`` (1-based); None if none."""
    if number < 1:
        return None
    rows = list(preview_rows(mailing)[number - 1 : number])
    if not rows:
        return None
    values = next(
        merge_fields.merge_rows(
            rows,
            sender=merge_fields.Sender.of(by or mailing.created_by),
            free=mailing.channel_settings("fields"),
            as_of=datetime.date.today(),
        )
    )
    return Preview(number=number, row=rows[0], fields=values)


def preview_email(mailing: Mailing, preview: Preview):
    """The recipient's e-mail (``RenderedEmail``); ``TemplateProblem`` for a bad template."""
    from merkur.mailings.email.message import EmailTemplates

    options = mailing.channel_settings("email")
    templates = EmailTemplates(
        subject=options.get("subject", ""),
        text=options.get("text", ""),
        html=options.get("html", ""),
    )
    return templates.render(preview.fields)


CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def preview_letter(mailing: Mailing, preview: Preview, kind: str, target) -> None:
    """One recipient's letter written to ``target`` (a binary file): ``docx`` from the Word
    template, ``pdf`` from the PDF letter text. ``ValueError`` if the mailing has none."""
    free = mailing.channel_settings("fields")
    if kind == "docx":
        name = mailing.channel_settings("letters").get("template", "")
        if not name:
            raise ValueError(_("The mailing has no Word template."))
        _docx_letter(template_path(name), free).render_one(preview.fields, target)
    elif kind == "pdf":
        from merkur.mailings.documents.pdf import PdfLetter

        pdf = mailing.channel_settings("pdf")
        if not (pdf.get("body") or "").strip():
            raise ValueError(_("The mailing has no PDF letter text."))
        letter = PdfLetter(
            pdf["body"], subject=pdf.get("subject", ""), known=merge_fields.catalogue(free)
        )
        letter.render_one(preview.fields, target)
    else:
        raise ValueError(_("Unknown kind of letter."))
