"""Creating and changing Merkur users (a Django user plus its profile)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from merkur.core.models import Locale, UserProfile
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
):
    """Create a user with a role; ``check_password`` applies the password rules."""
    User = get_user_model()
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    UserProfile.objects.create(user=user, role=role, locale=locale)
    return user


def profile_of(user) -> UserProfile:
    """The user's profile, created on first use (for superusers made by ``createsuperuser``)."""
    profile, _ = UserProfile.objects.get_or_create(
        user=user, defaults={"role": Role.ADMIN if user.is_superuser else Role.READ_ONLY}
    )
    return profile
