"""Export profiles: saving, finding and reading them — every write goes through here.

Everybody who may export (``VIEW_RECORDS``) keeps profiles of their own, private or
shared with colleagues; a profile is changed or deleted by its owner or an
administrator only. A profile stores ``Options.to_dict()`` — the format, the
columns and every option — checked by ``options.parse`` before it is saved, so a
profile always runs (a column of an attribute deleted since is reported when it
is used).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.core.audit import diff, record_change, snapshot
from merkur.core.locking import lock_for_update
from merkur.core.models import ChangeRecord
from merkur.core.roles import Capability, Role, has_capability, role_of
from merkur.transfer.export import options as export_options
from merkur.transfer.models import ExportProfile

Action = ChangeRecord.Action
FIELDS = ["name", "description", "shared", "format", "options"]


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def can_change(profile: ExportProfile, user) -> bool:
    return user is not None and (profile.owner_id == user.pk or is_admin(user))


def visible(user):
    return ExportProfile.objects.visible_to(user).select_related("owner")


def find(user, key) -> ExportProfile | None:
    """A profile the user may use, by id or by name (their own before a shared one)."""
    text = str(key or "").strip()
    if not text or "\x00" in text:  # PostgreSQL refuses NUL in a query's text
        return None
    profiles = visible(user)
    if text.isdigit() and len(text) <= 18:
        found = profiles.filter(pk=int(text)).first()
        if found is not None:
            return found
    matches = list(profiles.filter(name__iexact=text).order_by("pk"))
    own = [profile for profile in matches if profile.owner_id == user.pk]
    return (own or matches or [None])[0]


def read_options(profile: ExportProfile) -> export_options.Options:
    """The profile's options (older layouts of the document read as they were meant)."""
    data = dict(profile.options or {})
    data.setdefault("format", profile.format)
    return export_options.parse(data)


def _check_name(profile: ExportProfile) -> None:
    name = (profile.name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the profile a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    profile.name = name
    same = ExportProfile.objects.filter(name__iexact=name).exclude(pk=profile.pk)
    if same.filter(owner=profile.owner_id).exists():
        raise ValidationError({"name": _("You already have a profile of this name.")})
    if profile.shared and same.filter(shared=True).exists():
        raise ValidationError({"name": _("A shared profile of this name exists already.")})


@transaction.atomic
def profile_save(
    *,
    data: dict,
    by,
    profile: ExportProfile | None = None,
    expected_version: int | None = None,
) -> ExportProfile:
    """Create (``profile=None``) or change a profile from ``name``, ``description``,
    ``shared`` and ``options`` (a dict; its ``format`` is the profile's format)."""
    if not has_capability(by, Capability.VIEW_RECORDS):
        raise PermissionDenied
    creating = profile is None
    if creating:
        profile = ExportProfile(owner=by)
        before = {}
    else:
        if not can_change(profile, by):
            raise PermissionDenied(_("Only the owner or an administrator changes a profile."))
        profile = lock_for_update(ExportProfile, profile.pk, expected_version)
        before = snapshot(profile, FIELDS)
    unknown = set(data) - {"name", "description", "shared", "options"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    for name in ("name", "description", "shared"):
        if name in data:
            setattr(profile, name, data[name])
    if not isinstance(profile.shared, bool):
        raise ValidationError({"shared": _("Shared is true or false.")})
    if not isinstance(profile.description or "", str):
        raise ValidationError({"description": _("Enter text.")})
    if "options" in data:
        try:
            options = export_options.parse(data["options"])
        except ValidationError as error:
            raise ValidationError(
                {f"options.{key}": value for key, value in error.message_dict.items()}
            ) from None
        profile.options = options.to_dict()
        profile.format = options.format
    _check_name(profile)
    profile.schema = ExportProfile.SCHEMA
    if not creating:
        profile.version += 1
        profile.updated_at = timezone.now()
    profile.save()
    record_change(
        obj=profile,
        action=Action.CREATE if creating else Action.UPDATE,
        user=by,
        changes=diff(before, snapshot(profile, FIELDS)),
    )
    return profile


@transaction.atomic
def profile_delete(*, profile: ExportProfile, by) -> None:
    if not can_change(profile, by):
        raise PermissionDenied(_("Only the owner or an administrator deletes a profile."))
    record_change(obj=profile, action=Action.DELETE, user=by)
    profile.delete()
