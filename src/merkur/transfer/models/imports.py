"""Address imports: saved column-mapping profiles and the record of each import."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["AddressImport", "DocumentContact", "ImportProfile"]


class NumberFormat(models.TextChoices):
    GERMAN = "de", _("1.234,5 (German)")
    SWISS = "ch", _("1'234.5 (Swiss)")
    ENGLISH = "en", _("1,234.5 (English)")


class DateFormat(models.TextChoices):
    DMY = "dmy", _("31.12.2026 (day first)")
    YMD = "ymd", _("2026-12-31 (ISO)")
    MDY = "mdy", _("12/31/2026 (month first)")


class ImportProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportProfileQuerySet":
        """The user's own profiles and the shared ones of colleagues."""
        return self.filter(Q(owner=user) | Q(shared=True))


class ImportProfile(models.Model):
    """A named column mapping with its reading options, for files that come again.

    ``mapping`` is ``merkur.transfer.columns.Mapping.to_dict()``; the reading
    options left empty are detected from each file anew.
    """

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="import_profiles",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Colleagues may use this profile too.")
    )
    mapping = models.JSONField(_("column mapping"))
    encoding = models.CharField(
        _("encoding"), max_length=20, blank=True, help_text=_("Empty: detected per file.")
    )
    delimiter = models.CharField(
        _("separator"), max_length=1, blank=True, help_text=_("Empty: detected per file.")
    )
    has_header = models.BooleanField(
        _("first row is a header"), null=True, blank=True, help_text=_("Empty: detected per file.")
    )
    number_format = models.CharField(
        _("number format"), max_length=2, choices=NumberFormat, default=NumberFormat.GERMAN
    )
    date_format = models.CharField(
        _("date format"), max_length=3, choices=DateFormat, default=DateFormat.DMY
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ImportProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "owner", Lower("name"), name="importprofile_unique_name_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(number_format__in=NumberFormat.values),
                name="importprofile_number_format_valid",
            ),
            models.CheckConstraint(
                condition=Q(date_format__in=DateFormat.values),
                name="importprofile_date_format_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def reading_options(self) -> dict:
        """The options this profile fixes; the others are detected."""
        options = {"number_format": self.number_format, "date_format": self.date_format}
        if self.encoding:
            options["encoding"] = self.encoding
        if self.delimiter:
            options["delimiter"] = self.delimiter
        if self.has_header is not None:
            options["has_header"] = self.has_header
        return options


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", pgettext_lazy("import status", "uploaded")
    CHECKED = "checked", _("checked (dry run)")
    QUEUED = "queued", _("waiting to run")
    RUNNING = "running", _("running")
    DONE = "done", _("imported")
    REFUSED = "refused", _("refused (bad rows)")
    FAILED = "failed", _("failed")


class AddressImportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AddressImportQuerySet":
        """Administrators see every import; the others their own."""
        from merkur.core.roles import Role, role_of

        if role_of(user) == Role.ADMIN:
            return self
        return self.filter(created_by=user)


class AddressImport(models.Model):
    """One import of an address file: what was read, how, what came of it.

    The file itself is kept under ``MERKUR_DATA_DIR/imports/`` with a random
    name (``stored_name``) until the import is deleted; the bad rows of the
    last run (dry or real) beside it (``bad_rows_name``).
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="address_imports",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_size = models.BigIntegerField(_("size in bytes"), default=0)
    stored_name = models.CharField(max_length=100, editable=False)
    bad_rows_name = models.CharField(max_length=100, blank=True, editable=False)
    # What ``sniff`` found (Detection fields plus confidence and notes).
    detection = models.JSONField(_("detection"), default=dict, blank=True)
    # ``merkur.transfer.importing.options.ImportOptions.to_dict()``.
    options = models.JSONField(_("options"), default=dict, blank=True)
    profile = models.ForeignKey(
        ImportProfile,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("profile"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus, default=ImportStatus.UPLOADED
    )
    dry_run = models.JSONField(_("dry run"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    # The background job of the real run (``merkur.jobs.models.Job``); an id
    # rather than a key so that imports do not depend on the jobs tables.
    job_id = models.BigIntegerField(_("job"), null=True, blank=True)

    objects = AddressImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("address import")
        verbose_name_plural = _("address imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="addressimport_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="addressimport_user")]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("transfer:import_detail", args=[self.pk])

    @property
    def stored_path(self):
        return settings.DATA_DIR / "imports" / self.stored_name

    @property
    def bad_rows_path(self):
        return settings.DATA_DIR / "imports" / self.bad_rows_name if self.bad_rows_name else None


class DocumentContact(models.Model):
    """A company or person linked to a sales document as one of its contacts.

    A document names one contact person of its own (``Document.person``);
    an import links whole lists (the participants of a project, the buyers of
    a framework order). ``source`` says which import made the link.
    """

    document = models.ForeignKey(
        "business.Document",
        models.CASCADE,
        related_name="contacts",
        verbose_name=_("document"),
    )
    company = models.ForeignKey(
        "companies.Company", models.CASCADE, related_name="+", verbose_name=_("company")
    )
    person = models.ForeignKey(
        "companies.Person",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    source = models.ForeignKey(
        AddressImport,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        verbose_name = _("document contact")
        verbose_name_plural = _("document contacts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "company"],
                condition=Q(person__isnull=True),
                name="documentcontact_unique_company",
            ),
            models.UniqueConstraint(
                fields=["document", "person"],
                condition=Q(person__isnull=False),
                name="documentcontact_unique_person",
            ),
        ]
        indexes = [models.Index(fields=["company"], name="documentcontact_company")]

    def __str__(self) -> str:
        return f"{self.document}: {self.person or self.company}"
