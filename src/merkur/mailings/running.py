"""Running a mailing: items from the frozen run, skips with reasons, files, sending, journal.

The steps, each callable on its own (the job ``mailings.run`` calls them in order,
and calling them again after a crash is safe):

- ``ensure_run(mailing, by)``: freeze the saved selection into a run if none is set.
- ``create_items(mailing)``: one ``INSERT … SELECT`` per channel from the run's
  members (nothing if the items exist already: a resumed job keeps them).
- ``mark_skips(mailing)``: set-based updates: opted-out people (every channel),
  no e-mail address (e-mail), no fax number on person or company (fax) — each with
  its reason.
- ``produce_file(mailing, channel, result_path=…)``: the file of a file channel
  (DOCX letters in one file or a ZIP of one per recipient, PDF letters, the CSV/XLSX
  data source, labels) with the functions of ``merkur.mailings.documents``; its
  items become ``produced``, letters with a journal contact.
- ``send_emails(mailing, sender=…)``: per pending item: mark it ``sending`` and
  commit, send with the throttled ``merkur.mailings.email.Sender`` (with the
  person's unsubscribe link), mark it ``sent``/``failed`` (committed with the claim
  of the next item: one commit per message).
- ``send_faxes(mailing, backend=…)``: the same for faxes (the PDF letter per
  recipient, through ``merkur.mailings.fax``).
- ``fail_cut_off(mailing)``: an item found in ``sending`` when the job starts was
  cut off by a killed worker: failed as "outcome unknown", never sent again.
- ``record_contacts(mailing, items, channel, by)``: one journal contact per
  produced letter or sent e-mail/fax, on company and person, linked to the mailing
  and event, created in bulk.
"""

from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, BooleanField, CharField, F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.core.templating import TemplateProblem
from merkur.core.text import search_words
from merkur.journal.models import (
    Contact,
    ContactKind,
    ContactKindGroup,
    ContactLink,
    ContactPerson,
)
from merkur.mailings.models import (
    Channel,
    ItemState,
    Mailing,
    MailingItem,
)
from merkur.selections.models import SelectionRunMember
from merkur.selections.recipients import COLUMNS, person_line, recipients

# The journal's contact kind per channel, found by name (the master table has no
# codes); created in the group "Schriftlich" when an installation lacks it.
KIND_NAMES = {
    Channel.LETTERS_DOCX: "Brief",
    Channel.LETTERS_PDF: "Brief",
    Channel.EMAIL: "E-Mail",
    Channel.FAX: "Fax",
}
KIND_GROUP = "Schriftlich"
ITEM_COLUMNS = (
    "mailing",
    "channel",
    "member",
    "person",
    "company",
    "state",
    "reason",
    "detail",
    "retryable",
)
BATCH = 200


def ensure_run(mailing: Mailing, *, by) -> None:
    """Freeze the mailing's saved selection into a run, unless it has one."""
    if mailing.run_id is not None:
        return
    if mailing.selection_id is None:
        raise ValueError(_("The mailing has neither a frozen run nor a saved selection."))
    from merkur.selections.runs import freeze

    with transaction.atomic():
        run = freeze(mailing.selection.definition, by=by, selection=mailing.selection)
        Mailing.objects.filter(pk=mailing.pk).update(run=run)
    mailing.run = run


def create_items(mailing: Mailing) -> int:
    """Create the items of every channel from the run's members; the number created."""
    created = 0
    with transaction.atomic():
        for channel in mailing.channels:
            if mailing.items.filter(channel=channel).exists():
                continue
            rows = (
                SelectionRunMember.objects.filter(run_id=mailing.run_id)
                .order_by()
                .values(
                    m_mailing=Value(mailing.pk, output_field=BigIntegerField()),
                    m_channel=Value(channel, output_field=CharField()),
                    m_member=F("pk"),
                    m_person=F("person_id"),
                    m_company=F("company_id"),
                    m_state=Value(ItemState.PENDING, output_field=CharField()),
                    m_reason=Value("", output_field=CharField()),
                    m_detail=Value("", output_field=CharField()),
                    m_retryable=Value(False, output_field=BooleanField()),
                )
            )
            select, params = rows.query.sql_with_params()
            table = connection.ops.quote_name(MailingItem._meta.db_table)
            targets = ", ".join(
                connection.ops.quote_name(MailingItem._meta.get_field(name).column)
                for name in ITEM_COLUMNS
            )
            sources = ", ".join(
                "picked." + connection.ops.quote_name(f"m_{name}") for name in ITEM_COLUMNS
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({targets}) SELECT {sources} FROM ({select}) picked",
                    params,
                )
                created += cursor.rowcount
    return created


def mark_skips(mailing: Mailing) -> dict[str, int]:
    """Skip the items that must not or cannot go out, with the reason; counts by reason."""
    from merkur.companies.models import Person
    from merkur.mailings.email.sender import NO_ADDRESS

    pending = MailingItem.objects.filter(mailing=mailing, state=ItemState.PENDING)
    now = timezone.now()
    skipped = {}

    def skip(queryset, reason: str) -> None:
        count = queryset.update(state=ItemState.SKIPPED, reason=reason, done_at=now)
        if count:
            skipped[reason] = skipped.get(reason, 0) + count

    opted_out = Person.objects.filter(marketing_opt_out_at__isnull=False).values("pk")
    skip(pending.filter(person_id__in=opted_out), _("objected to marketing (opt-out)"))
    with_email = Person.objects.exclude(email="").values("pk")
    skip(
        pending.filter(channel=Channel.EMAIL).filter(
            Q(person_id__isnull=True) | ~Q(person_id__in=with_email)
        ),
        str(NO_ADDRESS),
    )
    # The person's fax number, else the company's (numbers that cannot be dialled are
    # skipped when the fax is sent, with the reason).
    from merkur.companies.models import Company

    skip(
        pending.filter(channel=Channel.FAX)
        .exclude(person_id__in=Person.objects.exclude(fax="").values("pk"))
        .exclude(company_id__in=Company.objects.exclude(fax="").values("pk")),
        _("no fax number"),
    )
    return skipped


def recipient_rows(mailing: Mailing, items: Iterable[MailingItem]) -> dict[int, dict]:
    """The recipient rows (``recipients.COLUMNS``) of the items' members, by member id."""
    member_ids = [item.member_id for item in items]
    members = SelectionRunMember.objects.filter(pk__in=member_ids)
    rows = recipients(members, dedupe=None, purpose="non_marketing").values(
        *COLUMNS, member_pk=F("pk")
    )
    return {row["member_pk"]: row for row in rows}


def merge_values(mailing: Mailing, rows: dict[int, dict], *, by=None, keys=None) -> dict[int, dict]:
    """The merge fields (``merkur.mailings.fields``) of recipient rows, by member id;
    ``keys``: the fields needed (only those attributes are loaded), None: all."""
    from merkur.mailings import fields

    ids = list(rows)
    values = fields.merge_rows(
        [rows[member] for member in ids],
        sender=fields.Sender.of(by or mailing.created_by),
        free=mailing.channel_settings("fields"),
        as_of=timezone.localdate(),
        keys=keys,
    )
    return dict(zip(ids, values, strict=True))


# --- files: letters, data sources, labels ------------------------------------------------

LETTER_CHANNELS = (Channel.LETTERS_DOCX, Channel.LETTERS_PDF)
CONTENT_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _file_writer(mailing: Mailing, channel: str) -> tuple[str, Callable, set | None]:
    """``(file name, write(records, target), merge field keys needed)`` of a file channel.

    ``TemplateProblem`` / ``ValueError`` for settings that cannot produce the file.
    """
    from merkur.mailings import fields
    from merkur.mailings.documents import datasource, labels
    from merkur.mailings.services import template_path

    free = mailing.channel_settings("fields")
    known = fields.catalogue(free)
    if channel == Channel.LETTERS_DOCX:
        from merkur.mailings.documents.docx import DocxLetter

        options = mailing.channel_settings("letters")
        letter = DocxLetter(template_path(options.get("template", "")), known=known)
        if options.get("one_file", True):
            return "letters.docx", letter.write_combined, letter.fields
        return "letters.zip", letter.write_zip, letter.fields
    if channel == Channel.LETTERS_PDF:
        letter = pdf_letter(mailing, known=known)
        return (
            "letters.pdf",
            lambda records, target: letter.write(records, target, title=mailing.name),
            letter.fields,
        )
    if channel in (Channel.DATASOURCE_CSV, Channel.DATASOURCE_XLSX):
        write = datasource.write_csv if channel == Channel.DATASOURCE_CSV else datasource.write_xlsx
        suffix = "csv" if channel == Channel.DATASOURCE_CSV else "xlsx"
        return (
            f"data-source.{suffix}",
            lambda records, target: write(records, target, free=free),
            None,
        )
    if channel == Channel.LABELS:
        options = mailing.channel_settings("labels")
        layout = labels.layout_of(options.get("format") or "3474")
        start = options.get("start") or 1
        return (
            "labels.pdf",
            lambda records, target: labels.write_labels(
                records, target, layout=layout, start=start
            ),
            {"address_block", "org_sender_line"},
        )
    raise ValueError(f"not a file channel: {channel}")


def pdf_letter(mailing: Mailing, *, known=None):
    """The mailing's PDF letter (``options["pdf"]``: ``subject``, ``body``)."""
    from merkur.mailings import fields
    from merkur.mailings.documents.pdf import PdfLetter

    options = mailing.channel_settings("pdf")
    if not (options.get("body") or "").strip():
        raise TemplateProblem(_("The PDF letter needs a body text."), part="pdf")
    if known is None:
        known = fields.catalogue(mailing.channel_settings("fields"))
    return PdfLetter(options.get("body", ""), subject=options.get("subject", ""), known=known)


def produce_file(
    mailing: Mailing,
    channel: str,
    *,
    result_path: Callable[[str], Path],
    progress: Callable[[MailingItem], None] = lambda item: None,
    cancelled: Callable[[], bool] = lambda: False,
    by=None,
) -> Path | None:
    """Write the file of one file channel; its path (None: no recipient is left).

    The file holds every item of the channel that is ``pending`` or already
    ``produced`` (a resumed job writes the whole file again). Afterwards the pending
    items become ``produced`` in batches — letters (DOCX, PDF) with a journal
    contact of kind "Brief" each; data sources and labels get none: they are
    material for a letter written elsewhere, not a letter sent. An item whose
    recipient no longer exists fails with that reason.
    """
    name, write, keys = _file_writer(mailing, channel)
    items = list(
        MailingItem.objects.filter(
            mailing=mailing,
            channel=channel,
            state__in=(ItemState.PENDING, ItemState.PRODUCED),
        )
        .only("id", "member_id", "person_id", "company_id", "state")
        .order_by("id")
    )
    if not items:
        return None
    written: list[MailingItem] = []
    missing: list[MailingItem] = []

    def records():
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            rows = recipient_rows(mailing, batch)
            values = merge_values(mailing, rows, by=by, keys=keys)
            for item in batch:
                if cancelled():
                    raise InterruptedError
                if item.member_id not in rows:
                    missing.append(item)
                    continue
                yield values[item.member_id]
                if item.state == ItemState.PENDING:
                    written.append(item)
                    progress(item)

    target = result_path(name)
    write(records(), target)
    now = timezone.now()
    if missing:
        MailingItem.objects.filter(pk__in=[item.pk for item in missing]).update(
            state=ItemState.FAILED, reason=_("The recipient no longer exists."), done_at=now
        )
    for start in range(0, len(written), BATCH):
        batch = written[start : start + BATCH]
        with transaction.atomic():
            for item in batch:
                item.state, item.done_at = ItemState.PRODUCED, now
            MailingItem.objects.filter(pk__in=[item.pk for item in batch]).update(
                state=ItemState.PRODUCED, done_at=now
            )
            if channel in LETTER_CHANNELS:
                record_contacts(mailing, batch, channel, by=by)
    return target


def bundle(files: list[Path], target: Path) -> Path:
    """Several result files in one ZIP, each under its own name."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for path in files:
            archive.write(path, arcname=path.name)
    return target


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


# --- e-mail ------------------------------------------------------------------------------


def fail_cut_off(mailing: Mailing) -> int:
    """Items a killed worker left in ``sending``: outcome unknown, never sent again."""
    return MailingItem.objects.filter(mailing=mailing, state=ItemState.SENDING).update(
        state=ItemState.FAILED,
        reason=_("outcome unknown: the sending was cut off"),
        retryable=False,
        done_at=timezone.now(),
    )


def send_emails(
    mailing: Mailing,
    *,
    sender,
    progress: Callable[[MailingItem], None] = lambda item: None,
    cancelled: Callable[[], bool] = lambda: False,
    by=None,
) -> dict[str, int]:
    """Send the mailing's pending e-mail items through ``sender``; counts by outcome.

    ``sender``: an open ``merkur.mailings.email.Sender`` (one per job run; its
    ``send`` answers a ``SendResult``; ``SenderError`` — the server cannot be used at
    all — is left to the caller and fails the job). Each item is marked ``sending``
    and committed before the message leaves; so a worker killed in between leaves it
    ``sending`` and ``fail_cut_off`` reports it instead of sending it again. A
    refused or temporary answer fails the item with the server's answer; an answer
    that is ``uncertain`` (the connection broke off during the transfer) fails it as
    "outcome unknown". A failed item is never sent again by this job; one refused only
    for now (``TEMPORARY`` and not uncertain: SMTP 4xx, connection trouble) is marked
    ``retryable`` for ``services.retry_failed``.
    """
    from merkur.mailings.email import TEMPORARY, SenderError, skip_reason
    from merkur.mailings.email.message import EmailTemplates, MessageProblem, build_message
    from merkur.mailings.unsubscribe import unsubscribe_url

    options = mailing.channel_settings("email")
    templates = EmailTemplates(
        subject=options.get("subject", ""),
        text=options.get("text", ""),
        html=options.get("html", ""),
    )
    from_address = options.get("sender") or settings.DEFAULT_FROM_EMAIL
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    while True:
        batch = list(
            MailingItem.objects.filter(
                mailing=mailing, channel=Channel.EMAIL, state=ItemState.PENDING
            ).order_by("id")[:BATCH]
        )
        if not batch:
            return counts
        rows = recipient_rows(mailing, batch)
        _add_opt_outs(rows)
        values = merge_values(mailing, rows, by=by)
        done = []
        # The item last sent whose outcome is not stored yet: stored in the same
        # transaction that marks the next one ``sending`` (one commit per message).
        unstored = None
        try:  # what was sent is recorded in the journal, also when stopped
            for item in batch:
                if cancelled():
                    raise InterruptedError
                row = rows.get(item.member_id)
                # ``mark_skips`` took out most of them set-based; this catches invalid
                # addresses and people who objected since (the rule lives in one place).
                skipped = skip_reason(row) if row is not None else None
                if skipped:
                    if MailingItem.objects.filter(pk=item.pk, state=ItemState.PENDING).update(
                        state=ItemState.SKIPPED, reason=skipped[:200], done_at=timezone.now()
                    ):
                        counts["skipped"] += 1
                        progress(item)
                    continue
                message = None
                try:
                    # A template error stops the job before anything is marked or sent.
                    if row is not None:
                        rendered = templates.render(values[item.member_id])
                        message = build_message(
                            to=(person_line(row), row["person_email"]),
                            subject=rendered.subject,
                            text=rendered.text,
                            html=rendered.html,
                            sender=from_address,
                            unsubscribe_url=unsubscribe_url(row["person_pk"], mailing.pk),
                        )
                except MessageProblem as error:
                    problem = str(error)
                else:
                    problem = "" if row is not None else _("The recipient no longer exists.")
                # Committed before the message leaves: the mark that prevents a second send.
                # Only from pending: a second worker on the same mailing (a job queued
                # again while the first still runs) may have taken the item meanwhile.
                with transaction.atomic():
                    if unstored is not None:
                        _store_outcome(unstored)
                    claimed = MailingItem.objects.filter(
                        pk=item.pk, state=ItemState.PENDING
                    ).update(state=ItemState.SENDING)
                unstored = None  # committed (a failed claim rolled it back: kept for finally)
                if not claimed:
                    continue
                retryable = False
                if problem:
                    state, reason, detail = ItemState.FAILED, _("not sent"), problem
                else:
                    try:
                        result = sender.send(message)
                    except SenderError:  # the server cannot be used: nothing left, pending
                        MailingItem.objects.filter(pk=item.pk).update(state=ItemState.PENDING)
                        raise
                    if result.accepted:
                        state, reason, detail = ItemState.SENT, "", str(result)
                    elif result.uncertain:  # it may have arrived: never sent again
                        state, reason = ItemState.FAILED, _("outcome unknown")
                        detail = str(result)
                    else:  # refused: for good (5xx) or for now (4xx: may be retried)
                        state, reason, detail = ItemState.FAILED, _("not sent"), str(result)
                        retryable = result.status == TEMPORARY
                item.state, item.reason, item.detail = state, reason, detail
                item.retryable = retryable
                if state == ItemState.SENT:
                    counts["sent"] += 1
                    done.append(item)
                else:
                    counts["failed"] += 1
                item.done_at = timezone.now()
                unstored = item
                progress(item)
        finally:
            if unstored is not None:
                _store_outcome(unstored)
            record_contacts(mailing, done, Channel.EMAIL, by=by)


def _store_outcome(item: MailingItem) -> None:
    MailingItem.objects.filter(pk=item.pk).update(
        state=item.state,
        reason=item.reason,
        detail=item.detail,
        retryable=item.retryable,
        done_at=item.done_at,
    )


def _add_opt_outs(rows: dict[int, dict]) -> None:
    """Add ``person_marketing_opt_out_at`` to recipient rows (``recipient_rows`` keeps
    opted-out people, so ``skip_reason`` needs it to see an objection made meanwhile)."""
    from merkur.companies.models import Person

    people = {row["person_pk"] for row in rows.values() if row["person_pk"]}
    opted_out = dict(
        Person.objects.filter(pk__in=people, marketing_opt_out_at__isnull=False).values_list(
            "pk", "marketing_opt_out_at"
        )
    )
    for row in rows.values():
        row["person_marketing_opt_out_at"] = opted_out.get(row["person_pk"])


# --- fax -------------------------------------------------------------------------------


def fax_numbers(items: list[MailingItem]) -> dict[int, str]:
    """The fax number of each item (the person's, else the company's), by item id."""
    from merkur.companies.models import Company, Person

    people = dict(
        Person.objects.filter(pk__in={i.person_id for i in items if i.person_id})
        .exclude(fax="")
        .values_list("pk", "fax")
    )
    companies = dict(
        Company.objects.filter(pk__in={i.company_id for i in items})
        .exclude(fax="")
        .values_list("pk", "fax")
    )
    return {
        item.pk: people.get(item.person_id) or companies.get(item.company_id) or ""
        for item in items
    }


def send_faxes(
    mailing: Mailing,
    *,
    backend,
    progress: Callable[[MailingItem], None] = lambda item: None,
    cancelled: Callable[[], bool] = lambda: False,
    by=None,
) -> dict[str, int]:
    """Fax the mailing's PDF letter to each pending fax item; counts by outcome.

    ``backend``: an open ``merkur.mailings.fax`` backend (``fax_backend()``). The
    number is the person's fax, else the company's, normalised to E.164 with the
    recipient's country; one that cannot be dialled skips the item ("invalid fax
    number: …"). The letter is drawn per recipient into a temporary PDF. As with
    e-mails the item is ``sending`` (committed) while the fax leaves; the backend's
    answer (job id or reason) is kept in ``detail``; a failure the backend calls
    temporary marks the item ``retryable``.
    """
    import tempfile

    from merkur.mailings.email import SenderError
    from merkur.mailings.fax import FaxNumberError, normalise_fax_number

    letter = pdf_letter(mailing)
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    with tempfile.TemporaryDirectory(prefix="merkur-fax-") as folder:
        pdf = Path(folder) / "fax.pdf"
        while True:
            batch = list(
                MailingItem.objects.filter(
                    mailing=mailing, channel=Channel.FAX, state=ItemState.PENDING
                ).order_by("id")[:BATCH]
            )
            if not batch:
                return counts
            rows = recipient_rows(mailing, batch)
            values = merge_values(mailing, rows, by=by, keys=letter.fields)
            numbers = fax_numbers(batch)
            done = []
            try:
                for item in batch:
                    if cancelled():
                        raise InterruptedError
                    row = rows.get(item.member_id)
                    state, reason, detail = ItemState.FAILED, _("not sent"), ""
                    retryable = False
                    number = ""
                    if row is None:
                        detail = _("The recipient no longer exists.")
                    else:
                        try:
                            number = normalise_fax_number(
                                numbers[item.pk], country=row.get("address_country")
                            )
                        except FaxNumberError as error:
                            state, reason = (
                                ItemState.SKIPPED,
                                (_("invalid fax number: %(problem)s") % {"problem": error})[:200],
                            )
                        else:
                            letter.render_one(values[item.member_id], pdf)
                    if number:
                        if not MailingItem.objects.filter(
                            pk=item.pk, state=ItemState.PENDING
                        ).update(state=ItemState.SENDING):
                            continue  # taken by another worker meanwhile
                        try:
                            result = backend.send(number=number, pdf=pdf, subject=mailing.name)
                        except SenderError:  # the gateway's mail server cannot be used
                            MailingItem.objects.filter(pk=item.pk).update(state=ItemState.PENDING)
                            raise
                        if result.accepted:
                            state, reason, detail = ItemState.SENT, "", f"{number}: {result.id}"
                        else:
                            detail = f"{number}: {result.reason}"
                            retryable = result.temporary
                    item.state, item.reason, item.detail = state, reason, detail
                    item.retryable = retryable
                    item.done_at = timezone.now()
                    counts[state] = counts.get(state, 0) + 1
                    if state == ItemState.SENT:
                        done.append(item)
                    _store_outcome(item)
                    progress(item)
            finally:
                record_contacts(mailing, done, Channel.FAX, by=by)


# --- journal -----------------------------------------------------------------------------


def record_missing_contacts(mailing: Mailing, *, by) -> int:
    """Contacts for sent e-mails/faxes and produced letters a killed worker left without
    one (resume)."""
    missing = MailingItem.objects.filter(
        mailing=mailing, state__in=(ItemState.SENT, ItemState.PRODUCED), contact__isnull=True
    ).order_by("id")
    recorded = 0
    for channel in (*LETTER_CHANNELS, Channel.EMAIL, Channel.FAX):
        items = list(missing.filter(channel=channel))
        for start in range(0, len(items), BATCH):
            recorded += record_contacts(mailing, items[start : start + BATCH], channel, by=by)
    return recorded


def contact_kind(channel: str) -> ContactKind:
    """The journal's contact kind for a channel ("Brief", "E-Mail", "Fax")."""
    name = KIND_NAMES[channel]
    kind = ContactKind.objects.filter(name__iexact=name).order_by("-is_active", "id").first()
    if kind is None:
        group = ContactKindGroup.objects.filter(name__iexact=KIND_GROUP).first()
        if group is None:
            group = ContactKindGroup.objects.create(name=KIND_GROUP)
        kind = ContactKind.objects.create(group=group, name=name)
    return kind


def contact_subject(mailing: Mailing, channel: str) -> str:
    if channel == Channel.EMAIL:
        text = _("%(name)s sent by e-mail")
    elif channel == Channel.FAX:
        text = _("%(name)s sent by fax")
    else:
        text = _("%(name)s produced as a letter")
    return (text % {"name": mailing.name})[:200]


@transaction.atomic
def record_contacts(mailing: Mailing, items: list[MailingItem], channel: str, *, by) -> int:
    """One contact per item on its company (and person), linked to mailing and event;
    the number created.

    A letter is one letter in two formats (DOCX and PDF): an item of one letter channel
    whose member already has a contact from the other one shares that contact.
    """
    if channel in LETTER_CHANNELS and items:
        shared = dict(
            MailingItem.objects.filter(
                mailing=mailing,
                channel__in=LETTER_CHANNELS,
                member_id__in=[item.member_id for item in items],
                contact__isnull=False,
            )
            .exclude(channel=channel)
            .values_list("member_id", "contact_id")
        )
        if shared:
            reused = [item for item in items if item.member_id in shared]
            for item in reused:
                item.contact_id = shared[item.member_id]
            _set_contacts(reused)
            items = [item for item in items if item.member_id not in shared]
    if not items:
        return 0
    by = by or mailing.created_by
    kind = contact_kind(channel)
    subject = contact_subject(mailing, channel)
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        Contact(
            occurred_at=item.done_at or now,
            company_id=item.company_id,
            kind=kind,
            type_id=mailing.contact_type_id,
            subject=subject,
            recorded_by=by,
            search_text=search_words(subject),
        )
        for item in items
    )
    if any(contact.pk is None for contact in contacts):  # backends without RETURNING
        raise RuntimeError("bulk_create returned no primary keys")
    people, links = [], []
    for item, contact in zip(items, contacts, strict=True):
        item.contact = contact
        if item.person_id:
            people.append(ContactPerson(contact=contact, person_id=item.person_id))
        links.append(ContactLink(contact=contact, kind="mailing", object_id=mailing.pk))
        if mailing.event_id:
            links.append(ContactLink(contact=contact, kind="event", object_id=mailing.event_id))
    ContactPerson.objects.bulk_create(people)
    ContactLink.objects.bulk_create(links)
    _set_contacts(items)
    return len(contacts)


def _set_contacts(items: list[MailingItem]) -> None:
    """Store each item's ``contact_id``: one statement, run for each item with
    ``executemany`` (psycopg sends them in a pipeline), where ``bulk_update``'s
    ``CASE`` over 200 rows costs far more."""
    quote = connection.ops.quote_name
    table = quote(MailingItem._meta.db_table)
    contact = quote(MailingItem._meta.get_field("contact").column)
    key = quote(MailingItem._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {contact} = %s WHERE {key} = %s",
            [(item.contact_id, item.pk) for item in items],
        )
