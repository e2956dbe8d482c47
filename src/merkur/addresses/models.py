"""Postal addresses: records of their own, shared by the whole system."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from merkur.addresses import postal
from merkur.core.models import VersionedModel


class Address(VersionedModel):
    """A postal address, formatted and validated by the rules of its country.

    Companies and people point at addresses through ``CompanyAddress``; the same
    address may serve several companies (a shared building, a group's head
    office).
    """

    street = models.CharField(_("street and number"), max_length=200, blank=True)
    street2 = models.CharField(_("address addition"), max_length=200, blank=True)
    po_box = models.CharField(_("P.O. box"), max_length=50, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = CountryField(_("country"), default="DE")

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        indexes = [
            models.Index(fields=["country", "postal_code"]),
            models.Index(fields=["city"]),
        ]

    def __str__(self) -> str:
        place = f"{self.postal_code} {self.city}".strip()
        return ", ".join(part for part in (self.street, place, self.country.code) if part)

    def clean(self) -> None:
        postal.validate(self)

    def lines(self, *, recipient: list[str] | None = None) -> list[str]:
        """The address block, formatted by the postal rules of its country."""
        return postal.format_lines(self, recipient=recipient or [])
