"""Export profiles: saved formats, options and columns of address exports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from merkur.core.models import VersionedModel

__all__ = ["EXPORT_FORMATS", "ExportProfile", "ExportProfileQuerySet"]

EXPORT_FORMATS = [
    ("csv", "CSV"),
    ("xlsx", "Excel (XLSX)"),
    ("json", "JSON"),
    ("jsonl", "JSON Lines"),
    ("vcard3", "vCard 3.0"),
    ("vcard4", "vCard 4.0"),
    ("template", _("Own template")),
]


class ExportProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ExportProfileQuerySet":
        """The user's own profiles and everybody's shared ones."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(Q(owner=user) | Q(shared=True))


class ExportProfile(VersionedModel):
    """A named way to export addresses: the format, its options and the columns.

    ``options`` holds ``Options.to_dict()`` of ``merkur.transfer.export.options``
    (the format and the columns included, so a profile is one JSON document);
    ``schema`` is the version of that document's layout, so profiles saved by an
    older Merkur keep loading. ``version`` (from ``VersionedModel``) counts the
    saved changes for optimistic locking.
    """

    SCHEMA = 1

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="export_profiles",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Colleagues can use it (only you change it).")
    )
    format = models.CharField(_("format"), max_length=10, choices=EXPORT_FORMATS, default="csv")
    options = models.JSONField(_("options"), default=dict, blank=True)
    schema = models.PositiveSmallIntegerField(default=SCHEMA, editable=False)

    objects = ExportProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("export profile")
        verbose_name_plural = _("export profiles")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "owner", Lower("name"), name="exportprofile_name_unique_per_owner"
            ),
            models.UniqueConstraint(
                Lower("name"), condition=Q(shared=True), name="exportprofile_shared_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(format__in=[key for key, _label in EXPORT_FORMATS]),
                name="exportprofile_format_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("transfer:export_profile_edit", args=[self.pk])
