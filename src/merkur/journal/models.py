"""The contact journal: contacts (Kontakte) with follow-ups, links and attachments;
absences with deputies; the secret calendar feeds of the users.

A follow-up is part of its contact (owner, due, done). Who sees an open
follow-up is decided when asked (``merkur.journal.deputies``), never by
rewriting the contact, so an absence ending gives the follow-ups back by itself.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merkur.core.models import MasterData, VersionedModel
from merkur.core.search import SearchTextField

# --- master tables: two levels each (group → item) ----------------------------------------


class _Group(MasterData):
    class Meta(MasterData.Meta):
        abstract = True


class _Item(MasterData):
    """An item of a two-level master table; its name is unique within its group."""

    class Meta(MasterData.Meta):
        abstract = True
        constraints = [
            models.UniqueConstraint(
                "group", Lower("name"), name="%(app_label)s_%(class)s_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return f"{self.group.name} › {self.name}"


class ContactKindGroup(_Group):
    class Meta(_Group.Meta):
        verbose_name = _("contact kind group")
        verbose_name_plural = _("contact kind groups")


class ContactKind(_Item):
    """The form of a contact (Kontakt-Art): letter, e-mail, phone call, visit …"""

    group = models.ForeignKey(
        ContactKindGroup, models.PROTECT, related_name="items", verbose_name=_("group")
    )

    class Meta(_Item.Meta):
        verbose_name = _("contact kind")
        verbose_name_plural = _("contact kinds")


class ContactTypeGroup(_Group):
    class Meta(_Group.Meta):
        verbose_name = _("contact type group")
        verbose_name_plural = _("contact type groups")


class ContactType(_Item):
    """The content of a contact (Kontakt-Typ): acquisition, complaint, appointment …"""

    group = models.ForeignKey(
        ContactTypeGroup, models.PROTECT, related_name="items", verbose_name=_("group")
    )

    class Meta(_Item.Meta):
        verbose_name = _("contact type")
        verbose_name_plural = _("contact types")


# --- contacts -----------------------------------------------------------------------------


class ContactQuerySet(models.QuerySet):
    def open_follow_ups(self):
        return self.filter(follow_up_owner__isnull=False, follow_up_done_at__isnull=True)

    def overdue(self, now=None):
        return self.open_follow_ups().filter(follow_up_due__lt=now or timezone.now())


class Contact(VersionedModel):
    """One entry of the journal: a contact with a company and some of its people."""

    occurred_at = models.DateTimeField(_("date and time"), default=timezone.now)
    # The foreign keys below need no index of their own: the composite indexes in
    # ``Meta.indexes`` begin with them.
    company = models.ForeignKey(
        "companies.Company",
        models.PROTECT,
        related_name="contacts",
        verbose_name=_("company"),
        db_index=False,
    )
    people = models.ManyToManyField(
        "companies.Person",
        through="ContactPerson",
        blank=True,
        related_name="contacts",
        verbose_name=_("people"),
    )
    kind = models.ForeignKey(
        ContactKind,
        models.PROTECT,
        related_name="contacts",
        verbose_name=_("contact kind"),
        db_index=False,
    )
    type = models.ForeignKey(
        ContactType,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("contact type"),
        db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=200)
    # Sanitised HTML (``merkur.journal.richtext``): paragraphs, lists, emphasis, links.
    text = models.TextField(_("text"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="recorded_contacts",
        verbose_name=_("recorded by"),
        db_index=False,
    )

    # Follow-up (Nachfassen): open while it has an owner and is not done.
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up by"),
        db_index=False,
    )
    follow_up_due = models.DateTimeField(_("follow-up due"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    follow_up_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up done by"),
    )
    follow_up_skipped = models.BooleanField(_("occurrence skipped"), default=False)

    # Recurrence (Zeitraster): an RFC 5545 RRULE counted from ``recurrence_start``.
    # Each occurrence is a contact of its own; ``series`` points at the first one.
    recurrence_rule = models.CharField(_("recurrence"), max_length=300, blank=True)
    recurrence_start = models.DateTimeField(_("series start"), null=True, blank=True)
    series = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="occurrences",
        verbose_name=_("series"),
    )
    follows = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("follows"),
        help_text=_("The contact whose follow-up this one was."),
    )

    # Derived by the services: subject and text as folded words for the search.
    search_text = SearchTextField(blank=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(follow_up_owner__isnull=True)
                | models.Q(follow_up_due__isnull=False),
                name="contact_follow_up_has_due",
            ),
            models.CheckConstraint(
                condition=models.Q(recurrence_rule="") | models.Q(recurrence_start__isnull=False),
                name="contact_recurrence_has_start",
            ),
        ]
        # Each filter of the journal list has an index that also serves the
        # default order (newest first), so a filtered page stops after 50 rows.
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="contact_occurred"),
            models.Index(fields=["company", "-occurred_at"], name="contact_company"),
            models.Index(fields=["kind", "-occurred_at"], name="contact_kind"),
            models.Index(fields=["type", "-occurred_at"], name="contact_type"),
            models.Index(fields=["recorded_by", "-occurred_at"], name="contact_recorded_by"),
            # Carries type and kind so that counting "owner + type group + period"
            # reads the index alone (decisive at millions of rows, see performance.md).
            models.Index(
                fields=["follow_up_owner", "-occurred_at", "-id"],
                include=["type", "kind"],
                name="contact_owner",
            ),
            models.Index(
                fields=["follow_up_owner", "follow_up_due"],
                name="contact_open_follow_up",
                condition=models.Q(follow_up_done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("journal:contact", args=[self.pk])

    @property
    def has_follow_up(self) -> bool:
        return self.follow_up_owner_id is not None

    @property
    def is_open(self) -> bool:
        return self.has_follow_up and self.follow_up_done_at is None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.follow_up_due < timezone.now()

    def coming_occurrences(self, limit: int, *, including_open: bool = False) -> list:
        """The series' dates after this contact's due date (with ``including_open``: from
        the open occurrence itself on) — for the page and the API alike."""
        from merkur.journal import recurrence

        if not self.is_recurring:
            return []
        after = self.follow_up_due or self.occurred_at
        if including_open and self.follow_up_done_at is None and self.follow_up_due:
            after -= datetime.timedelta(seconds=1)  # the open occurrence comes first
        return recurrence.upcoming(
            self.recurrence_rule, self.recurrence_start or after, after, limit
        )

    def follow_up_state(self, now=None) -> str:
        """ "none", "open", "overdue", "done" or "skipped" — the one definition of the states."""
        if not self.has_follow_up:
            return "none"
        if self.follow_up_done_at is not None:
            return "skipped" if self.follow_up_skipped else "done"
        return "overdue" if self.follow_up_due < (now or timezone.now()) else "open"

    @property
    def is_recurring(self) -> bool:
        return bool(self.recurrence_rule)


class ContactPerson(models.Model):
    contact = models.ForeignKey(Contact, models.CASCADE, related_name="+")
    person = models.ForeignKey("companies.Person", models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "person"], name="contactperson_unique"),
        ]
        indexes = [models.Index(fields=["person", "contact"], name="contactperson_person")]

    def __str__(self) -> str:
        return f"{self.contact_id} – {self.person_id}"


class ContactLink(models.Model):
    """A link from a contact to a record of a registered linkable kind (``core.linkable``)."""

    contact = models.ForeignKey(Contact, models.CASCADE, related_name="links")
    kind = models.CharField(_("kind"), max_length=40)
    object_id = models.BigIntegerField(_("record"))

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "kind", "object_id"], name="contactlink_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id", "contact"], name="contactlink_target")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


def attachment_path(instance: "ContactAttachment", filename: str) -> str:
    # A random name on disk: the user's file name is kept in ``name`` only, so
    # nothing of it reaches the file system.
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class ContactAttachment(models.Model):
    contact = models.ForeignKey(Contact, models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# --- absences and deputies ----------------------------------------------------------------


class AbsenceReason(models.TextChoices):
    VACATION = "vacation", _("Vacation")
    ILLNESS = "illness", _("Illness")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class Absence(VersionedModel):
    """A user away from ``starts_on`` to ``ends_on`` (both included), with a deputy."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="absences", verbose_name=_("user")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(
        _("reason"), max_length=20, choices=AbsenceReason, default=AbsenceReason.VACATION
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="deputy_for",
        verbose_name=_("deputy"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_period"
            ),
            models.CheckConstraint(
                condition=~models.Q(deputy=models.F("user")), name="absence_deputy_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=AbsenceReason.values), name="absence_reason_valid"
            ),
        ]
        indexes = [models.Index(fields=["ends_on", "starts_on"], name="absence_period_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on}–{self.ends_on}"


# --- calendar feeds -----------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A user's private iCalendar feed of their follow-ups; the URL holds the secret."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def issue(cls, user) -> tuple["CalendarFeed", str]:
        """A new secret for ``user`` (the old URL stops working); returns it once."""
        token = secrets.token_urlsafe(32)
        feed, _created = cls.objects.update_or_create(
            user=user, defaults={"token_hash": _hash(token), "created_at": timezone.now()}
        )
        return feed, token

    @classmethod
    def user_for(cls, token: str):
        feed = cls.objects.select_related("user").filter(token_hash=_hash(token)).first()
        if feed is None or not feed.user.is_active:
            return None
        return feed
