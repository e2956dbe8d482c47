"""Absences and deputies: record when one is away and who takes the follow-ups.

Everybody records their own absences; administrators (``MANAGE_JOURNAL``) see
and record everybody's. Another user's absence is not found (404) for the rest.
"""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from merkur.core.forms import apply_service_errors
from merkur.core.locking import EditConflict
from merkur.core.roles import Capability, has_capability
from merkur.core.users import display_name
from merkur.core.views import capability_required
from merkur.journal import deputies, services
from merkur.journal.absence_forms import AbsenceForm
from merkur.journal.models import Absence

PAST_LIMIT = 5  # own past absences shown
MANAGER_PAST_LIMIT = 20
MANAGER_LIMIT = 200  # current and upcoming absences of everybody
CYCLE_DAYS = 90  # how far ahead administrators are warned of deputy cycles


def _can_manage(request: HttpRequest) -> bool:
    return has_capability(request.user, Capability.MANAGE_JOURNAL)


def _visible(request: HttpRequest):
    absences = Absence.objects.select_related("user", "deputy")
    if not _can_manage(request):
        absences = absences.filter(user=request.user)
    return absences


def _names(ids) -> dict[int, str]:
    return {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=set(ids))}


def _cycle_text(cycle: tuple[int, ...], names: dict[int, str]) -> str:
    return " → ".join(names.get(uid, "?") for uid in (*cycle, cycle[0]))


def _warn_of_cycles(request: HttpRequest, absence: Absence) -> None:
    """A deputy cycle in the absence's period: say who is on it, so a deputy gets changed."""
    found = [
        (day, cycle)
        for day, cycle in deputies.cycles_between(absence.starts_on, absence.ends_on)
        if absence.user_id in cycle
    ]
    names = _names(uid for _day, cycle in found for uid in cycle)
    for day, cycle in found:
        messages.warning(
            request,
            _(
                "From %(day)s the deputies form a cycle (%(cycle)s): everybody on it is absent, "
                "so their follow-ups stay with them. Please choose another deputy."
            )
            % {"day": day.strftime("%d.%m.%Y"), "cycle": _cycle_text(cycle, names)},
        )


def _today_info(request: HttpRequest) -> dict:
    today = deputies.today()
    away = deputies.absences_on(today)
    mine = deputies.resolve(request.user.pk, away) if request.user.pk in away else None
    handled = deputies.redirected_to(request.user.pk, today)
    names = _names([*(mine.chain if mine else ()), *handled])
    return {
        "absent_today": mine is not None,
        "my_handler": names.get(mine.handler_id) if mine and mine.redirected else None,
        "my_chain": [names.get(uid, "?") for uid in mine.chain] if mine else [],
        "my_cycle": bool(mine and mine.cycle),
        "handled_for": sorted(names.get(uid, "?") for uid in handled),
    }


def _page(request: HttpRequest, form: AbsenceForm, status: int = 200) -> HttpResponse:
    today = deputies.today()
    manage = _can_manage(request)
    absences = _visible(request)
    chosen_user = None
    if manage and request.GET.get("user", "").isdigit():
        chosen_user = get_user_model().objects.filter(pk=request.GET["user"]).first()
        if chosen_user:
            absences = absences.filter(user=chosen_user)
    current = absences.filter(ends_on__gte=today).order_by("starts_on", "id")
    past = absences.filter(ends_on__lt=today).order_by("-ends_on", "-id")
    context = {
        "form": form,
        "manage": manage,
        "today": today,
        "current": current[:MANAGER_LIMIT] if manage else current,
        "past": past[: MANAGER_PAST_LIMIT if manage else PAST_LIMIT],
        "users": get_user_model().objects.filter(is_active=True).order_by("username")
        if manage
        else (),
        "chosen_user": chosen_user,
        **_today_info(request),
    }
    if manage:
        horizon = today + datetime.timedelta(days=CYCLE_DAYS)
        found = deputies.cycles_between(today, horizon)
        names = _names(uid for _day, cycle in found for uid in cycle)
        context["cycles"] = [(day, _cycle_text(cycle, names)) for day, cycle in found]
        context["cycle_days"] = CYCLE_DAYS
    return render(request, "journal/absences.html", context, status=status)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_JOURNAL)
def absences(request: HttpRequest) -> HttpResponse:
    """The list, and the form to record a new absence."""
    manage = _can_manage(request)
    form = AbsenceForm(
        request.POST or None,
        absent_user=request.user,
        choose_user=manage,
        initial={"user": request.user.pk, "starts_on": deputies.today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            absence = services.absence_create(data=form.service_data(), by=request.user)
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(
                request,
                _("The absence of %(user)s from %(start)s to %(end)s has been recorded.")
                % _describe(absence),
            )
            _warn_of_cycles(request, absence)
            return redirect("journal:absences")
    return _page(request, form, status=400 if form.is_bound else 200)


def _describe(absence: Absence) -> dict:
    return {
        "user": display_name(absence.user),
        "start": absence.starts_on.strftime("%d.%m.%Y"),
        "end": absence.ends_on.strftime("%d.%m.%Y"),
    }


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_JOURNAL)
def absence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(_visible(request), pk=pk)
    initial = {
        "starts_on": absence.starts_on,
        "ends_on": absence.ends_on,
        "reason": absence.reason,
        "deputy": absence.deputy_id,
        "note": absence.note,
        "version": absence.version,
    }

    def make_form(data=None):
        return AbsenceForm(
            data, absent_user=absence.user, choose_user=False, editing=True, initial=initial
        )

    form = make_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.absence_update(
                absence=absence,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
                by=request.user,
            )
        except EditConflict as error:
            # Show the form again on the current version, with what was typed.
            data = request.POST.copy()
            data["version"] = error.current.version
            form = make_form(data)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Somebody else changed this absence in the meantime (now %(start)s to "
                    "%(end)s, deputy %(deputy)s). Check the values and save again."
                )
                % {**_describe(error.current), "deputy": display_name(error.current.deputy)},
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(
                request,
                _("The absence of %(user)s from %(start)s to %(end)s has been saved.")
                % _describe(saved),
            )
            _warn_of_cycles(request, saved)
            return redirect("journal:absences")
    return render(
        request,
        "journal/absence_form.html",
        {"form": form, "absence": absence},
        status=400 if form.is_bound else 200,
    )


@require_POST
@capability_required(Capability.VIEW_JOURNAL)
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(_visible(request), pk=pk)
    described = _describe(absence)
    services.absence_delete(absence=absence, by=request.user)
    messages.success(
        request,
        _("The absence of %(user)s from %(start)s to %(end)s has been deleted.") % described,
    )
    return redirect("journal:absences")


@require_POST
@capability_required(Capability.VIEW_JOURNAL)
def absence_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Back early: the absence ends yesterday; one that has not begun is removed."""
    absence = get_object_or_404(_visible(request), pk=pk)
    if absence.ends_on < deputies.today():
        messages.error(request, _("This absence is already over."))
        return redirect("journal:absences")
    described = _describe(absence)
    try:
        services.end_absence_today(absence=absence, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Welcome back: %(user)s handles their own follow-ups again from today.") % described,
        )
    return redirect("journal:absences")


urlpatterns = [
    path("absences/", absences, name="absences"),
    path("absences/<int:pk>/edit/", absence_edit, name="absence_edit"),
    path("absences/<int:pk>/delete/", absence_delete, name="absence_delete"),
    path("absences/<int:pk>/end/", absence_end, name="absence_end"),
]
