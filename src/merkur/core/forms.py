"""Forms of the core pages: login, own settings, user management, API tokens."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    SetPasswordMixin,
)
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from merkur.core import sessions
from merkur.core.models import Locale
from merkur.core.roles import Role


class BootstrapMixin:
    """Gives every widget Bootstrap's classes, and ``is-invalid`` to fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class LoginForm(BootstrapMixin, AuthenticationForm):
    """Django's login form plus the concurrent-user limit (licensing by seats)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "seats_full": _(
            "The maximum number of concurrently logged-in users (%(limit)s) has been "
            "reached. Please try again later or ask an administrator to end a session."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        # Idle sessions give their seats back before we count.
        sessions.sessions_expire_idle()
        if not sessions.seat_available_for(user):
            raise self.seats_full_error()

    def seats_full_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["seats_full"],
            code="seats_full",
            params={"limit": settings.MERKUR_MAX_CONCURRENT_USERS},
        )


class OwnPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    """Changing one's own password (needs the old one)."""


class UserPasswordForm(BootstrapMixin, SetPasswordForm):
    """An administrator sets a new password; saved through ``users.user_password_set``."""


def _name_fields() -> dict[str, forms.Field]:
    User = get_user_model()
    return {
        name: User._meta.get_field(name).formfield()
        for name in ("first_name", "last_name", "email")
    }


class ProfileForm(BootstrapMixin, forms.Form):
    """The user's own settings."""

    first_name, last_name, email = _name_fields().values()
    locale = forms.ChoiceField(
        label=_("Language and formats"),
        choices=Locale.choices,
        help_text=_("Language of the pages and how dates and numbers are written."),
    )


class UserEditForm(BootstrapMixin, forms.Form):
    """What an administrator changes on a user."""

    first_name, last_name, email = _name_fields().values()
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    locale = forms.ChoiceField(label=_("Language and formats"), choices=Locale.choices)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Inactive users cannot log in; their sessions end at once."),
    )


class UserCreateForm(SetPasswordMixin, UserEditForm):
    """A new user with an initial password checked by the password rules."""

    username = get_user_model()._meta.get_field("username").formfield()
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Initial password"), label2=_("Repeat password")
    )
    field_order = ["username", "first_name", "last_name", "email", "role", "locale"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new user is active; deactivating happens on the edit page.
        del self.fields["is_active"]
        self.fields["username"].widget.attrs["autocomplete"] = "off"

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        # "Meier" and "meier" would be two logins that people cannot tell apart.
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with this username already exists."), code="unique")
        return username

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        User = get_user_model()
        candidate = User(
            username=cleaned.get("username", ""),
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
            email=cleaned.get("email", ""),
        )
        self.validate_password_for_user(candidate)
        return cleaned


class ApiTokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “ERP import”."),
    )


def apply_service_errors(error: ValidationError, *targets: forms.Form) -> None:
    """Show a service's ``ValidationError`` on the fields it names.

    A field goes to the first form that has it; anything else becomes an error
    of the first form as a whole.
    """
    first = targets[0]
    if not hasattr(error, "error_dict"):
        first.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = next((form for form in targets if name in form.fields), None)
        if target is None or name == NON_FIELD_ERRORS:
            first.add_error(None, errors)
        else:
            target.add_error(name, errors)
