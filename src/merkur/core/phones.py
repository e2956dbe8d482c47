"""Phone numbers: validated and stored in international format (+49 30 1234567)."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_phone(value: str, *, region: str | None = None) -> str:
    """Return ``value`` in international format or raise ``ValidationError``.

    Numbers without a country prefix are read as numbers of ``region`` (the
    record's country, else ``MERKUR_DEFAULT_PHONE_REGION``).
    """
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region or settings.MERKUR_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("%(value)s is not a phone number.") % {"value": value}, code="invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(value)s is not a valid phone number.") % {"value": value}, code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
