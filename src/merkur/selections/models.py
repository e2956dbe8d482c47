"""Saved selections and their runs (frozen snapshots of who was in them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merkur.core.models import VersionedModel

TARGET_CHOICES = [("people", _("People")), ("companies", _("Companies"))]
ADDRESS_CHOICES = [
    ("contact", _("Contact address")),
    ("billing", _("Default billing address")),
    ("delivery", _("Default delivery address")),
]


class SavedSelectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SavedSelectionQuerySet":
        """The user's own selections and everybody's shared ones."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(Q(owner=user) | Q(shared=True))


class SavedSelection(VersionedModel):
    """A named selection definition; private to its owner unless shared.

    ``definition`` is the checked JSON (``definition.dump``). ``references`` are the
    saved selections its ``selection.in`` conditions name, kept by the services so
    cycles and "who uses this selection" are one look-up away.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="saved_selections",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(_("shared"), default=False)
    target = models.CharField(_("target"), max_length=10, choices=TARGET_CHOICES)
    definition = models.JSONField(_("definition"))
    references = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="referenced_by",
        verbose_name=_("references"),
    )

    objects = SavedSelectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved selection")
        verbose_name_plural = _("saved selections")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "owner", Lower("name"), name="savedselection_name_unique_per_owner"
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(shared=True),
                name="savedselection_shared_name_unique",
            ),
            models.CheckConstraint(
                condition=Q(target__in=["people", "companies"]), name="savedselection_target_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SelectionRun(models.Model):
    """One run of a selection, frozen: the definition as run, the day that fixed its
    relative periods, and (in ``members``) who was in it."""

    selection = models.ForeignKey(
        SavedSelection,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("selection"),
    )
    definition = models.JSONField(_("definition"))
    target = models.CharField(_("target"), max_length=10, choices=TARGET_CHOICES)
    address = models.CharField(_("address"), max_length=10, choices=ADDRESS_CHOICES)
    run_at = models.DateTimeField(_("run at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run by"),
    )
    today = models.DateField(_("as of"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("selection run")
        verbose_name_plural = _("selection runs")
        ordering = ["-run_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__in=["people", "companies"]), name="selectionrun_target_valid"
            ),
            models.CheckConstraint(
                condition=Q(address__in=["contact", "billing", "delivery"]),
                name="selectionrun_address_valid",
            ),
        ]
        indexes = [models.Index(fields=["selection", "-run_at"], name="selectionrun_selection")]

    def __str__(self) -> str:
        name = self.selection.name if self.selection else _("ad-hoc selection")
        return f"{name} ({self.run_at:%Y-%m-%d %H:%M})"


class SelectionRunMember(models.Model):
    """Who was in a frozen run, with the address chosen then.

    The links have no database constraint and are not cascaded: a snapshot keeps its
    ids even if a record is deleted later (records are archived, not deleted, as a rule).
    """

    run = models.ForeignKey(SelectionRun, models.CASCADE, related_name="members")
    person = models.ForeignKey(
        "companies.Person",
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    company = models.ForeignKey(
        "companies.Company", models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    address = models.ForeignKey(
        "addresses.Address",
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("run member")
        verbose_name_plural = _("run members")
        indexes = [
            models.Index(fields=["run", "person"], name="runmember_person"),
            models.Index(fields=["run", "company"], name="runmember_company"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.person_id or '-'} / {self.company_id}"
