"""Core pages: login and logout, own settings, the start page, users, sessions, API tokens.

Every view checks access: ``login_required`` at least, ``capability_required``
for administrators' pages (403 for everybody else).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from merkur.companies.models import Company, Person
from merkur.core import sessions, users
from merkur.core.forms import (
    ApiTokenForm,
    LoginForm,
    OwnPasswordChangeForm,
    ProfileForm,
    UserCreateForm,
    UserEditForm,
    UserPasswordForm,
    apply_service_errors,
)
from merkur.core.models import ApiToken, ChangeRecord, UserSession
from merkur.core.pagination import COUNT_CAP, capped_count
from merkur.core.roles import Capability, has_capability, require

RECENT_CHANGES = 10


def capability_required(capability: str) -> Callable:
    """Log-in first (redirect), then the capability (403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            require(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def local_url(request: HttpRequest, value: str | None, default: str) -> str:
    """``value`` if it is a URL of this site (a ``next`` parameter), else ``default``."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


# --- logging in and out -------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Log-in with the seat limit; also serves Django's admin log-in."""

    form_class = LoginForm
    template_name = "registration/login.html"

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        with transaction.atomic():
            # The form checked the seats already; checking again under the lock
            # keeps two simultaneous logins from taking the last seat twice.
            sessions.seat_lock()
            if not sessions.seat_available_for(user):
                form.add_error(None, form.seats_full_error())
                return self.form_invalid(form)
            previous_key = self.request.session.session_key
            response = super().form_valid(form)
            users.profile_of(user)
            sessions.session_open(request=self.request, user=user)
            if previous_key and previous_key != self.request.session.session_key:
                # Logging in as somebody else in this browser ends the old session.
                sessions.session_end(session_key=previous_key)
        return response

    def get_success_url(self) -> str:
        # Due follow-ups come before anything else; the reminder then goes on to ``next``.
        from merkur.journal.views.followups import reminder_url

        url = super().get_success_url()
        return reminder_url(self.request.user, url) or url


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        if key:
            sessions.session_end(session_key=key)
        messages.info(request, _("You have been logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: OwnPasswordChangeForm) -> HttpResponse:
        old_key = self.request.session.session_key
        response = super().form_valid(form)
        # Django gave this browser a new session key and invalidated the others.
        new_key = self.request.session.session_key
        sessions.session_rekey(old_key=old_key, new_key=new_key)
        users.user_sessions_end(user=form.user, keep_session_key=new_key)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    pass


# --- the user's own pages -----------------------------------------------------


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    can_view = has_capability(request.user, Capability.VIEW_RECORDS)
    counts = None
    if can_view:
        counts = {
            "companies": capped_count(Company.objects.active()),
            "people": capped_count(Person.objects.active()),
        }
    recent = ChangeRecord.objects.filter(user=request.user).select_related(
        "company", "content_type"
    )[:RECENT_CHANGES]
    return render(
        request,
        "core/home.html",
        {
            "can_view": can_view,
            "counts": counts,
            "count_cap": COUNT_CAP,
            "recent_changes": recent,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = users.profile_of(user)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "locale": current.locale,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            users.profile_update(user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            # Say it in the language just chosen: the next page speaks it too.
            with translation.override(form.cleaned_data["locale"]):
                messages.success(request, _("Your settings have been saved."))
            return redirect("profile")
    return render(request, "core/profile.html", {"form": form, "profile": current})


# --- API tokens ---------------------------------------------------------------


def _tokens_page(
    request: HttpRequest, form: ApiTokenForm, *, new_key: str = "", new_token=None
) -> HttpResponse:
    own = ApiToken.objects.filter(user=request.user)
    others = None
    if has_capability(request.user, Capability.MANAGE_USERS):
        others = ApiToken.objects.exclude(user=request.user).select_related("user")
    return render(
        request,
        "core/api_tokens.html",
        {
            "form": form,
            "own_tokens": own,
            "other_tokens": others,
            "new_key": new_key,
            "new_token": new_token,
        },
    )


@require_safe
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request, ApiTokenForm())


@require_POST
@login_required
@never_cache  # the plain key is shown exactly once: keep it out of every cache
def api_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form)
    token, key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
    return _tokens_page(request, ApiTokenForm(), new_key=key, new_token=token)


def get_token_for(request: HttpRequest, pk: int) -> ApiToken:
    """A token the user may revoke: their own; administrators: anybody's (404 otherwise)."""
    tokens = ApiToken.objects.all()
    if not has_capability(request.user, Capability.MANAGE_USERS):
        tokens = tokens.filter(user=request.user)
    return get_object_or_404(tokens, pk=pk)


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_token_for(request, pk)
    users.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("api_tokens")


# --- user management (administrators) -----------------------------------------


@require_safe
@capability_required(Capability.MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    people = get_user_model().objects.select_related("profile").order_by("username")
    return render(request, "core/users/list.html", {"user_list": people})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_USERS)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = users.user_create(
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                locale=data["locale"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(
                request, _("User “%(name)s” has been created.") % {"name": created.username}
            )
            return redirect("users")
    return render(request, "core/users/form.html", {"form": form, "target": None})


def _user_for(request: HttpRequest, pk: int):
    """A user an administrator may change: a superuser only by a superuser.

    Otherwise an administrator by role could set a superuser's password and
    act in Django's admin beyond the app's rules and history.
    """
    target = get_object_or_404(get_user_model(), pk=pk)
    if target.is_superuser and not request.user.is_superuser:
        raise PermissionDenied
    return target


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_USERS)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    target_profile = users.profile_of(target)
    initial = {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "role": target_profile.role,
        "locale": target_profile.locale,
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            users.user_update(user=target, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(
                request, _("User “%(name)s” has been saved.") % {"name": target.username}
            )
            return redirect("users")
    return render(request, "core/users/form.html", {"form": form, "target": target})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_USERS)
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_for(request, pk)
    if target.pk == request.user.pk:
        # One's own password is changed with the old one, on its own page.
        return redirect("password_change")
    form = UserPasswordForm(target, request.POST or None)
    if request.method == "POST" and form.is_valid():
        users.user_password_set(
            user=target,
            password=form.cleaned_data["new_password1"],
            by=request.user,
            check_password=False,  # the form has applied the password rules
        )
        messages.success(
            request,
            _("A new password has been set for “%(name)s”; their sessions have ended.")
            % {"name": target.username},
        )
        return redirect("users")
    return render(request, "core/users/password.html", {"form": form, "target": target})


# --- sessions and seats (administrators) --------------------------------------


@require_safe
@capability_required(Capability.MANAGE_USERS)
def session_list(request: HttpRequest) -> HttpResponse:
    context = {
        "session_list": sessions.active_sessions().select_related("user"),
        "seats_in_use": sessions.seats_in_use(),
        "seat_limit": settings.MERKUR_MAX_CONCURRENT_USERS,
        "idle_minutes": settings.MERKUR_SESSION_IDLE_MINUTES,
        "current_key": request.session.session_key,
    }
    return render(request, "core/sessions.html", context)


@require_POST
@capability_required(Capability.MANAGE_USERS)
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(UserSession.objects.select_related("user"), pk=pk)
    sessions.session_end(session_key=record.session_key)
    messages.success(
        request, _("The session of “%(name)s” has been ended.") % {"name": record.user.username}
    )
    return redirect("sessions")
