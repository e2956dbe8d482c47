"""A mailing (Mailing-Aktion) and its items: one per recipient and channel.

A mailing takes the members of a frozen selection run to one or more channels
(letters as DOCX or PDF, the word processors' data source, address labels,
e-mail, fax). Each member × channel is a ``MailingItem`` whose state records what
happened — so a background job that was cut off resumes where it stopped and
never sends an e-mail or a fax twice: an item is marked ``sending`` (committed)
before the message leaves and ``sent``/``failed`` after it; an item left in
``sending`` by a killed worker is reported as uncertain, never sent again.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from merkur.core.models import VersionedModel

__all__ = ["Channel", "ItemState", "Mailing", "MailingItem", "MailingStatus"]


class Channel(models.TextChoices):
    LETTERS_DOCX = "letters_docx", _("Letters (DOCX)")
    LETTERS_PDF = "letters_pdf", _("Letters (PDF)")
    DATASOURCE_CSV = "datasource_csv", _("Data source (CSV)")
    DATASOURCE_XLSX = "datasource_xlsx", _("Data source (XLSX)")
    LABELS = "labels", _("Address labels")
    EMAIL = "email", _("E-mail")
    FAX = "fax", _("Fax")


# Channels whose items are files produced in one go; the others send per recipient.
FILE_CHANNELS = (
    Channel.LETTERS_DOCX,
    Channel.LETTERS_PDF,
    Channel.DATASOURCE_CSV,
    Channel.DATASOURCE_XLSX,
    Channel.LABELS,
)
SEND_CHANNELS = (Channel.EMAIL, Channel.FAX)


class MailingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", pgettext_lazy("mailing status", "cancelled")


class ItemState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")  # begun; a worker killed now leaves it uncertain
    PRODUCED = "produced", pgettext_lazy("mailing item state", "produced")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped")


class Mailing(VersionedModel):
    """A mailing: a frozen run sent through one or more channels, recorded in the journal.

    ``options`` holds the channels' options (JSON): ``letters`` (``template``: the
    stored DOCX file name under ``MERKUR_DATA_DIR/mailings/``, ``one_file``),
    ``labels`` (``format``, ``start``), ``email`` (``subject``, ``html``, ``text``,
    ``sender``), ``fields`` (free fields: name → text).
    """

    name = models.CharField(_("name"), max_length=200)
    run = models.ForeignKey(
        "selections.SelectionRun",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mailings",
        verbose_name=_("selection run"),
    )
    selection = models.ForeignKey(
        "selections.SavedSelection",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailings",
        verbose_name=_("saved selection"),
        help_text=_("Frozen into a run when the mailing starts, if no run is given."),
    )
    event = models.ForeignKey(
        "mailings.MarketingEvent",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailings",
        verbose_name=_("marketing event"),
    )
    channels = models.JSONField(_("channels"), default=list)
    options = models.JSONField(_("settings"), default=dict, blank=True)
    contact_type = models.ForeignKey(
        "journal.ContactType",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact type"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MailingStatus, default=MailingStatus.DRAFT
    )
    job = models.ForeignKey(
        "jobs.Job",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="mailings",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MailingStatus.values), name="mailing_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["-created_at", "-id"], name="mailing_created")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mailings:mailing", args=[self.pk])

    def channel_settings(self, name: str) -> dict:
        value = (self.options or {}).get(name)
        return value if isinstance(value, dict) else {}

    @property
    def is_editable(self) -> bool:
        return self.status == MailingStatus.DRAFT


class MailingItem(models.Model):
    """What happened to one member of the run in one channel of the mailing."""

    mailing = models.ForeignKey(
        Mailing, models.CASCADE, related_name="items", verbose_name=_("mailing")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    member = models.ForeignKey(
        "selections.SelectionRunMember",
        models.CASCADE,
        related_name="+",
        verbose_name=_("run member"),
    )
    # Copied from the member (a run keeps ids of records deleted later: no constraint).
    person = models.ForeignKey(
        "companies.Person",
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("person"),
    )
    company = models.ForeignKey(
        "companies.Company",
        models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("company"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ItemState, default=ItemState.PENDING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    # A failed e-mail/fax refused only for now (SMTP 4xx, connection trouble): it may be
    # sent again by ``services.retry_failed``. Never for a permanent refusal (5xx) or an
    # uncertain outcome (it may have arrived).
    retryable = models.BooleanField(_("can be retried"), default=False)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    contact = models.ForeignKey(
        "journal.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )

    class Meta:
        verbose_name = _("mailing item")
        verbose_name_plural = _("mailing items")
        ordering = ["mailing", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "channel", "member"], name="mailingitem_unique"
            ),
            models.CheckConstraint(
                condition=Q(state__in=ItemState.values), name="mailingitem_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="mailingitem_channel_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["mailing", "state", "id"], name="mailingitem_state"),
            models.Index(fields=["mailing", "channel", "state"], name="mailingitem_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.mailing_id}/{self.channel}/{self.member_id}: {self.state}"
