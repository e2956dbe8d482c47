"""Reading configuration from ``MERKUR_*`` environment variables.

Every helper fails loudly on a malformed value: a typo in a deployment should
stop the start, not be silently replaced by a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

PREFIX = "MERKUR_"


def _raw(name: str) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else None


def env_str(name: str, default: str) -> str:
    return _raw(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} must be true or false, not {value!r}")


def env_int(name: str, default: int | None, *, minimum: int = 0) -> int | None:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be a whole number, not {value!r}"
        ) from None
    if number < minimum:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
