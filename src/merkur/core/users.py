"""Creating and changing Merkur users (a Django user plus its profile)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.core import sessions
from merkur.core.audit import diff, record_change, snapshot
from merkur.core.models import ApiToken, ChangeRecord, Locale, UserProfile, UserSession
from merkur.core.roles import Role


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str = Role.READ_ONLY,
    locale: str = Locale.DE,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    check_password: bool = True,
    by=None,
):
    """Create a user with a role; ``check_password`` applies the password rules."""
    User = get_user_model()
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    profile = UserProfile.objects.create(user=user, role=role, locale=locale)
    if by is not None:
        record_change(
            obj=user,
            action=ChangeRecord.Action.CREATE,
            user=by,
            changes=_user_changes({}, user, profile),
        )
    return user


def display_name(user) -> str:
    """How Merkur names a user everywhere: the full name, else the login name."""
    return user.get_full_name() or user.get_username()


def profile_of(user) -> UserProfile:
    """The user's profile, created on first use (for superusers made by ``createsuperuser``)."""
    profile, _ = UserProfile.objects.get_or_create(
        user=user, defaults={"role": Role.ADMIN if user.is_superuser else Role.READ_ONLY}
    )
    return profile


USER_FIELDS = ["first_name", "last_name", "email", "is_active"]
PROFILE_FIELDS = ["role", "locale"]


def _user_state(user, profile: UserProfile) -> dict:
    return snapshot(user, USER_FIELDS) | snapshot(profile, PROFILE_FIELDS)


def _user_changes(before: dict, user, profile: UserProfile) -> dict:
    return diff(before, _user_state(user, profile))


def active_admins():
    """Active users who may manage users: administrators by role and superusers."""
    User = get_user_model()
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(profile__role=Role.ADMIN)
    )


@transaction.atomic
def user_update(
    *,
    user,
    by,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    locale: str,
    is_active: bool,
):
    """Change a user's names, role, language and active flag (by an administrator).

    Refuses to lock everybody out: nobody deactivates themselves, and the last
    active administrator stays one. A deactivated user's sessions end at once so
    that they give their seats back.
    """
    profile = profile_of(user)
    before = _user_state(user, profile)
    if user.pk == by.pk and not is_active:
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    stays_admin = is_active and (role == Role.ADMIN or user.is_superuser)
    was_admin = active_admins().filter(pk=user.pk).exists()
    if not stays_admin and was_admin and not active_admins().exclude(pk=user.pk).exists():
        raise ValidationError(
            _("At least one active administrator must remain."), code="last_admin"
        )
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.is_active = is_active
    user.full_clean()
    user.save(update_fields=["first_name", "last_name", "email", "is_active"])
    profile.role, profile.locale = role, locale
    profile.full_clean()
    profile.save(update_fields=["role", "locale"])
    changes = _user_changes(before, user, profile)
    if changes:
        record_change(obj=user, action=ChangeRecord.Action.UPDATE, user=by, changes=changes)
    if not is_active:
        user_sessions_end(user=user)
    return user


@transaction.atomic
def user_password_set(*, user, password: str, by, check_password: bool = True):
    """Give ``user`` a new password (set by an administrator) and end their sessions."""
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_change(
        obj=user,
        action=ChangeRecord.Action.UPDATE,
        user=by,
        changes={"password": ["••••", "••••"]},
    )
    user_sessions_end(user=user)
    return user


@transaction.atomic
def profile_update(*, user, first_name: str, last_name: str, email: str, locale: str):
    """The user's own settings: names, e-mail, language and formats."""
    profile = profile_of(user)
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.full_clean()
    user.save(update_fields=["first_name", "last_name", "email"])
    profile.locale = locale
    profile.full_clean()
    profile.save(update_fields=["locale"])
    return profile


def user_sessions_end(*, user, keep_session_key: str | None = None) -> int:
    """End all sessions of ``user`` (except ``keep_session_key``); returns how many."""
    keys = UserSession.objects.filter(user=user).values_list("session_key", flat=True)
    ended = 0
    for key in list(keys):
        if key != keep_session_key:
            sessions.session_end(session_key=key)
            ended += 1
    return ended


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token for good; revoking twice keeps the first date."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
