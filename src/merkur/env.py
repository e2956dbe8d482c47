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


def email_settings(url: str) -> dict:
    """Django's e-mail settings from one URL (``MERKUR_EMAIL_URL``).

    ``smtp://user:password@host:port`` (STARTTLS with ``?tls=1``),
    ``smtps://…`` (implicit TLS), ``console://`` (print, for trying out) and
    ``memory://`` (tests). User and password are URL-decoded.
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(
            f"{PREFIX}EMAIL_URL must start with smtp://, smtps://, console:// or memory://, "
            f"not {url!r}"
        )
    query = parse_qs(parts.query)
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{PREFIX}EMAIL_URL has an invalid port: {url!r}") from None
    if not parts.hostname:
        raise ImproperlyConfigured(f"{PREFIX}EMAIL_URL names no host: {url!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", ["0"])[0].lower() in {"1", "true", "yes"},
        "EMAIL_TIMEOUT": 30,
    }
