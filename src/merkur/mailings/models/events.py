"""Marketing events (Marketing-Anlässe), their kinds and their members.

An event (a trade fair, a seminar, a newsletter …) has members: a company, or a
person at a company, with the address to write to and a status (planned → invited
→ registered → attended, or cancelled). Members come from a frozen selection run,
an address import or are added by hand; the database holds "one member per event
× company × person" (a company without a person counts once).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from merkur.core.models import MasterData, VersionedModel

__all__ = ["EventKind", "EventMember", "MarketingEvent", "MemberSource", "MemberStatus"]


class EventKind(MasterData):
    """The kind of a marketing event (Messe, Seminar, Newsletter, Aktion, Rückruf …)."""

    class Meta(MasterData.Meta):
        verbose_name = _("event kind")
        verbose_name_plural = _("event kinds")


class MarketingEvent(VersionedModel):
    """A marketing event: a named occasion with dates, an owner and members."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.ForeignKey(
        EventKind, models.PROTECT, related_name="events", verbose_name=_("kind")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="marketing_events",
        verbose_name=_("owner"),
    )

    class Meta:
        verbose_name = _("marketing event")
        verbose_name_plural = _("marketing events")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="marketingevent_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["-starts_on", "-id"], name="marketingevent_start"),
            models.Index(fields=["kind", "-starts_on"], name="marketingevent_kind"),
            models.Index(fields=["owner", "-starts_on"], name="marketingevent_owner"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mailings:event", args=[self.pk])

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {"ends_on": _("The end must not be before the start.")}, code="ends_before_start"
            )


class MemberStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    INVITED = "invited", _("invited")
    REGISTERED = "registered", _("registered")
    ATTENDED = "attended", _("attended")
    CANCELLED = "cancelled", pgettext_lazy("event member status", "cancelled")


class MemberSource(models.TextChoices):
    RUN = "run", _("selection run")
    IMPORT = "import", _("import")
    MANUAL = "manual", _("by hand")


class EventMember(models.Model):
    """A company, or a person at it, taking part in a marketing event."""

    event = models.ForeignKey(
        MarketingEvent,
        models.CASCADE,
        related_name="members",
        verbose_name=_("event"),
        db_index=False,  # the composite indexes in ``Meta.indexes`` begin with it
    )
    company = models.ForeignKey(
        "companies.Company",
        models.CASCADE,
        related_name="event_memberships",
        verbose_name=_("company"),
        db_index=False,
    )
    person = models.ForeignKey(
        "companies.Person",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="event_memberships",
        verbose_name=_("person"),
        db_index=False,
    )
    address = models.ForeignKey(
        "addresses.Address",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("address"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MemberStatus, default=MemberStatus.PLANNED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    source = models.CharField(_("source"), max_length=8, choices=MemberSource)
    run = models.ForeignKey(
        "selections.SelectionRun",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("selection run"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("event member")
        verbose_name_plural = _("event members")
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "company", "person"],
                condition=Q(person__isnull=False),
                name="eventmember_unique_person",
            ),
            models.UniqueConstraint(
                fields=["event", "company"],
                condition=Q(person__isnull=True),
                name="eventmember_unique_company",
            ),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="eventmember_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=MemberSource.values), name="eventmember_source_valid"
            ),
        ]
        indexes = [
            # The member list of one event, paged by id, and filtered by status.
            models.Index(fields=["event", "id"], name="eventmember_list"),
            models.Index(fields=["event", "status", "id"], name="eventmember_status"),
            # "Member of event X" from the side of a company or a person (selections).
            models.Index(fields=["company", "event"], name="eventmember_company"),
            models.Index(fields=["person", "event"], name="eventmember_person"),
            models.Index(fields=["run"], name="eventmember_run"),
        ]

    def __str__(self) -> str:
        who = self.person if self.person_id else self.company
        return f"{self.event}: {who}"
