"""People working at the companies we deal with (Firmenmitarbeiter)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from merkur.core.models import VersionedModel
from merkur.core.search import SearchTextField
from merkur.core.text import fold, search_words

GENERIC_LETTER_SALUTATION = "Sehr geehrte Damen und Herren"


class PersonLanguage(models.TextChoices):
    GERMAN = "de", _("German")
    FRENCH = "fr", _("French")
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")


class PersonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def search(self, term: str):
        return self.filter(search_text__words=term)


class Person(VersionedModel):
    """A person at a company, classified by functions and person codes."""

    # Looked up through the (company, sort name) index; no index of its own.
    company = models.ForeignKey(
        "companies.Company",
        models.PROTECT,
        related_name="people",
        verbose_name=_("company"),
        db_index=False,
    )
    salutation = models.ForeignKey(
        "companies.Salutation",
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("salutation"),
    )
    title = models.ForeignKey(
        "companies.Title", models.PROTECT, null=True, blank=True, verbose_name=_("title")
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    letter_salutation = models.CharField(_("letter salutation"), max_length=200, blank=True)
    letter_salutation_custom = models.BooleanField(
        _("own letter salutation"),
        default=False,
        help_text=_("Keep the letter salutation as entered instead of generating it."),
    )
    functions = models.ManyToManyField(
        "companies.Function", blank=True, related_name="people", verbose_name=_("functions")
    )
    person_codes = models.ManyToManyField(
        "companies.PersonCode", blank=True, related_name="people", verbose_name=_("person codes")
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=PersonLanguage, default=PersonLanguage.GERMAN
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    marketing_consent_at = models.DateTimeField(_("marketing consent since"), null=True, blank=True)
    marketing_opt_out_at = models.DateTimeField(
        _("objection to marketing since"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    # Derived, written by ``refresh_derived`` (called by the services).
    sort_name = models.CharField(max_length=250, blank=True, editable=False)
    search_text = SearchTextField(blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["sort_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=PersonLanguage.values),
                name="person_language_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["sort_name", "id"], name="person_sort_name"),
            models.Index(fields=["company", "sort_name"], name="person_company"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("companies:person", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def name_with_title(self) -> str:
        title = self.title.name if self.title else ""
        return " ".join(p for p in (title, self.first_name, self.last_name) if p)

    @property
    def recipient_line(self) -> str:
        """The person as the address block names them: "Frau Dr. Erika Muster"."""
        salutation = self.salutation.name if self.salutation else ""
        return " ".join(p for p in (salutation, self.name_with_title) if p)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_opted_out(self) -> bool:
        return self.marketing_opt_out_at is not None

    def generated_letter_salutation(self) -> str:
        """ "Sehr geehrte Frau Dr. Muster" from salutation, title and last name."""
        if self.salutation is None or not self.salutation.letter_salutation:
            return GENERIC_LETTER_SALUTATION
        title = self.title.name if self.title and self.title.in_letter_salutation else ""
        parts = [self.salutation.letter_salutation, title, self.last_name]
        return " ".join(p for p in parts if p)

    def own_address_link(self):
        return self.address_links.filter(kind="employee").select_related("address").first()

    def refresh_derived(self) -> None:
        """Recompute the letter salutation (unless custom), sort key and search text."""
        if not self.letter_salutation_custom or not self.letter_salutation:
            self.letter_salutation = self.generated_letter_salutation()
            self.letter_salutation_custom = False
        self.sort_name = fold(f"{self.last_name} {self.first_name}")[:250]
        self.search_text = search_words(
            " ".join(p for p in (self.first_name, self.last_name, self.email) if p)
        )
