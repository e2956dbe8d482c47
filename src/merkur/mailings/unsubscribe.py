"""The personal unsubscribe link of marketing e-mails and the page it opens.

Every e-mail carries a link with a signed token naming the person (and the
mailing, carried along opaquely). The page works without login: a GET only shows
a confirm button (mail scanners follow links), the POST — the button, or the
one-click POST a mail client sends for ``List-Unsubscribe-Post`` (RFC 8058),
which carries no CSRF token — sets ``Person.marketing_opt_out_at`` (an earlier
date is kept) and records the change in the person's history. The token is the
only authority, so the view is CSRF-exempt and accepts nothing but valid tokens;
a bad one gets a friendly 400 page.
"""

import functools

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from merkur.companies.models import Person
from merkur.core.audit import diff, record_change, snapshot
from merkur.core.models import ChangeRecord

SALT = "merkur.mailings.unsubscribe"  # tokens of this link are useless anywhere else


def unsubscribe_token(person_pk: int, mailing_pk: int | None = None) -> str:
    """A signed, URL-safe token naming the person and the mailing; it does not expire."""
    return signing.dumps([int(person_pk), mailing_pk], salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, int | None]:
    """``(person_pk, mailing_pk)`` of a token; ``signing.BadSignature`` if it is not ours."""
    value = signing.loads(token, salt=SALT)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not (value[1] is None or isinstance(value[1], int))
    ):
        raise signing.BadSignature("unexpected token content")
    return value[0], value[1]


def unsubscribe_url(person_pk: int, mailing_pk: int | None = None) -> str:
    """The absolute link for an e-mail, on ``MERKUR_BASE_URL``."""
    token = unsubscribe_token(person_pk, mailing_pk)
    path = _path_pattern(get_script_prefix()).replace(_PLACEHOLDER, token)
    return settings.MERKUR_BASE_URL.rstrip("/") + path


_PLACEHOLDER = "TOKEN"  # stands for the token in the reversed path


@functools.lru_cache(maxsize=8)
def _path_pattern(script_prefix: str) -> str:
    # reverse() costs milliseconds with many URL patterns; a mailing asks 10,000 times.
    return reverse("mailings:unsubscribe", args=[_PLACEHOLDER])


@transaction.atomic
def person_opt_out(*, person_pk: int) -> Person | None:
    """Record that the person objects to marketing (now, unless they already did);
    ``None`` if the person no longer exists."""
    person = Person.objects.select_for_update().filter(pk=person_pk).first()
    if person is None:
        return None
    if person.marketing_opt_out_at is not None:
        return person
    before = snapshot(person, ["marketing_opt_out_at"])
    person.marketing_opt_out_at = timezone.now()
    person.version += 1
    person.updated_at = timezone.now()
    person.save(update_fields=["marketing_opt_out_at", "version", "updated_at"])
    record_change(
        obj=person,
        action=ChangeRecord.Action.UPDATE,
        user=None,
        company=person.company,
        changes=diff(before, snapshot(person, ["marketing_opt_out_at"])),
    )
    return person


def _masked(address: str) -> str:
    local, at, domain = address.partition("@")
    if not at:
        return ""
    return f"{local[:2]}{'•' * max(len(local) - 2, 1)}@{domain}"


def _language(person: Person) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    current = translation.get_language() or settings.LANGUAGE_CODE
    if person.language in available and not current.startswith(person.language):
        return person.language
    return current


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: the confirm page; POST (button or one-click): the opt-out."""
    try:
        person_pk, _mailing_pk = read_token(token)
    except signing.BadSignature:
        person = None
    else:
        person = Person.objects.filter(pk=person_pk).first()
    if person is None:
        response = render(request, "mailings/unsubscribe_invalid.html", status=400)
        response["X-Robots-Tag"] = "noindex"
        return response
    with translation.override(_language(person)):
        already = person.marketing_opt_out_at is not None
        if request.method == "POST":
            person = person_opt_out(person_pk=person.pk) or person
        context = {
            "email": _masked(person.email),
            "done": request.method == "POST",
            "already": already,
            "since": person.marketing_opt_out_at,
        }
        response = render(request, "mailings/unsubscribe.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
