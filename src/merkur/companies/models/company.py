"""Companies (Firmen) and the links to their addresses."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from merkur.core.models import VersionedModel
from merkur.core.search import SearchTextField
from merkur.core.text import fold, search_words


class CompanyRole(models.TextChoices):
    """What a company is to us; a company may have several roles at once.

    Stored as a bit set in ``Company.roles`` (bit = position in this list), so a
    role filter is one integer test on the company row.
    """

    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    CARRIER = "carrier", _("Carrier")
    BANK = "bank", _("Bank")
    CONTRACT_PARTNER = "contract_partner", _("Contract partner")

    @classmethod
    def bit(cls, role: str) -> int:
        return _ROLE_BITS[role]

    @classmethod
    def to_mask(cls, roles) -> int:
        mask = 0
        for role in roles:
            mask |= cls.bit(role)
        return mask

    @classmethod
    def from_mask(cls, mask: int) -> list[str]:
        return [role for role, bit in _ROLE_BITS.items() if mask & bit]


# Looked up on every list row: computed once, not through the enum each time.
_ROLE_BITS: dict[str, int] = {role: 1 << i for i, role in enumerate(CompanyRole.values)}
ALL_ROLES_MASK = (1 << len(CompanyRole.values)) - 1


class CompanyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def with_roles(self, roles) -> "CompanyQuerySet":
        """Companies having any of ``roles`` (one bit test on the row)."""
        mask = CompanyRole.to_mask(roles)
        return self.alias(_role_bits=F("roles").bitand(mask)).filter(_role_bits__gt=0)

    def with_role(self, role: str) -> "CompanyQuerySet":
        return self.with_roles([role])

    def search(self, term: str):
        """Companies whose names, number, city, e-mail or people match ``term``."""
        return self.filter(search_text__words=term)


class Company(VersionedModel):
    """A company we deal with: prospect, customer, supplier, carrier, bank, partner."""

    name = models.CharField(_("name"), max_length=200)
    name2 = models.CharField(_("name (line 2)"), max_length=200, blank=True)
    number = models.CharField(
        _("customer/supplier number"),
        max_length=30,
        blank=True,
        help_text=_("Unique when given."),
    )
    legal_form = models.ForeignKey(
        "companies.LegalForm", models.PROTECT, null=True, blank=True, verbose_name=_("legal form")
    )
    roles = models.PositiveSmallIntegerField(_("roles"), default=0)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=30, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    industries = models.ManyToManyField(
        "companies.Industry", blank=True, related_name="companies", verbose_name=_("industries")
    )
    interest_areas = models.ManyToManyField(
        "companies.InterestArea",
        blank=True,
        related_name="companies",
        verbose_name=_("interest areas"),
    )
    company_class = models.ForeignKey(
        "companies.CompanyClass",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="companies",
        verbose_name=_("company class"),
    )
    sales_rep = models.ForeignKey(
        "companies.SalesRep",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="companies",
        verbose_name=_("sales representative"),
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    # Derived columns, written only by ``refresh_derived`` (called by the
    # services): the contact address's place for filtering and sorting large
    # lists without a join, a folded sort key, and the folded search text
    # (including the names and e-mails of the company's people).
    country = models.CharField(_("country"), max_length=2, blank=True, editable=False)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, editable=False)
    city = models.CharField(_("city"), max_length=100, blank=True, editable=False)
    sort_name = models.CharField(max_length=400, blank=True, editable=False)
    search_text = SearchTextField(blank=True, editable=False)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["sort_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(number=""),
                name="company_number_unique",
                violation_error_code="number_taken",
                violation_error_message=_("This customer/supplier number is already taken."),
            ),
            models.CheckConstraint(
                condition=Q(roles__lte=ALL_ROLES_MASK), name="company_roles_known"
            ),
        ]
        indexes = [
            models.Index(fields=["sort_name", "id"], name="company_sort_name"),
            models.Index(fields=["number", "id"], name="company_number"),
            # Sorting by postal code groups by country first: codes of different
            # countries don't compare ("1210" Wien vs "12099" Berlin).
            models.Index(fields=["country", "postal_code", "id"], name="company_postal_code"),
            models.Index(fields=["city", "id"], name="company_city"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("companies:detail", args=[self.pk])

    def validate_constraints(self, exclude=None) -> None:
        # Django reports conditional unique constraints as non-field errors;
        # the form and the API should show this one at the number field.
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            for item in general:
                target = "number" if getattr(item, "code", None) == "number_taken" else None
                errors.setdefault(target or NON_FIELD_ERRORS, []).append(item)
            raise ValidationError(errors) from None

    @property
    def role_list(self) -> list[str]:
        return CompanyRole.from_mask(self.roles)

    @property
    def role_labels(self) -> list[str]:
        return [CompanyRole(role).label for role in self.role_list]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def display_name(self) -> str:
        return f"{self.name} {self.name2}".strip()

    def contact_link(self) -> "CompanyAddress | None":
        return (
            self.address_links.filter(kind=CompanyAddress.Kind.CONTACT)
            .select_related("address")
            .first()
        )

    def refresh_derived(self, *, contact_address=None, people_text: str | None = None) -> None:
        """Recompute the derived columns (not saved here)."""
        if contact_address is None:
            link = self.contact_link() if self.pk else None
            contact_address = link.address if link else None
        if contact_address is not None:
            self.country = str(contact_address.country.code or "")
            self.postal_code = contact_address.postal_code
            self.city = contact_address.city
        self.sort_name = fold(self.display_name)[:400]
        if people_text is None:
            people_text = self._people_text() if self.pk else ""
        parts = [self.name, self.name2, self.number, self.city, self.email, people_text]
        self.search_text = search_words(" ".join(p for p in parts if p))

    def _people_text(self) -> str:
        rows = self.people.filter(archived_at__isnull=True).values_list(
            "first_name", "last_name", "email"
        )
        return " ".join(" ".join(part for part in row if part) for row in rows)


class CompanyAddress(models.Model):
    """The role an address plays for a company (Kontakt-, Liefer-, Rechnungs-, Mitarbeiteradresse).

    Invariants held by the database: at most one contact address per company
    (the services make sure there is always one); at most one default delivery
    and one default billing address; an employee address belongs to a person.
    """

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contact address")
        DELIVERY = "delivery", _("Delivery address")
        BILLING = "billing", _("Billing address")
        EMPLOYEE = "employee", _("Employee address")

    # Looked up through the unique (company, address, kind) index: no index of its own,
    # one less to keep up when an import writes a million links.
    company = models.ForeignKey(
        Company,
        models.CASCADE,
        related_name="address_links",
        verbose_name=_("company"),
        db_index=False,
    )
    address = models.ForeignKey(
        "addresses.Address",
        models.PROTECT,
        related_name="company_links",
        verbose_name=_("address"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    is_default = models.BooleanField(_("default"), default=False)
    person = models.ForeignKey(
        "companies.Person",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="address_links",
        verbose_name=_("person"),
    )
    label = models.CharField(_("label"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("company address")
        verbose_name_plural = _("company addresses")
        ordering = ["kind", "-is_default", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["contact", "delivery", "billing", "employee"]),
                name="companyaddress_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(kind="contact"),
                name="companyaddress_one_contact",
            ),
            models.UniqueConstraint(
                fields=["company", "kind"],
                condition=Q(is_default=True),
                name="companyaddress_one_default_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["delivery", "billing"]) | Q(is_default=False),
                name="companyaddress_default_only_delivery_billing",
            ),
            models.CheckConstraint(
                condition=Q(kind="employee", person__isnull=False)
                | (~Q(kind="employee") & Q(person__isnull=True)),
                name="companyaddress_employee_has_person",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(kind="employee"),
                name="companyaddress_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["company", "address", "kind"], name="companyaddress_unique_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.address}"
