"""The marketing-event pages: list, create/edit/delete, the event with its members,
adding members from a frozen run or by hand, changing or removing many at once.

Looking needs VIEW_RECORDS, every change MANAGE_EVENTS (checked per view).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from merkur.companies.models import Company, Person
from merkur.companies.views.common import fetch_page
from merkur.core.locking import EditConflict
from merkur.core.pagination import Ordering
from merkur.core.roles import Capability, has_capability, require
from merkur.core.views import capability_required
from merkur.mailings.events import services
from merkur.mailings.events.forms import (
    AddFromRunForm,
    BulkForm,
    EventFilterForm,
    EventForm,
    ManualAddForm,
    MemberFilterForm,
)
from merkur.mailings.models import MarketingEvent, MemberStatus
from merkur.selections.api.common import visible_runs

VIEW = Capability.VIEW_RECORDS
MANAGE = Capability.MANAGE_EVENTS
EVENT_ORDER = Ordering(("-starts_on", "-id"))
MEMBER_ORDER = Ordering(("id",))
SEARCH_LIMIT = 20
RUN_CHOICES = 200


def _event(pk: int) -> MarketingEvent:
    return get_object_or_404(MarketingEvent.objects.select_related("kind", "owner"), pk=pk)


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


@capability_required(VIEW)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    queryset = form.apply(MarketingEvent.objects.select_related("kind", "owner"))
    page, notice = fetch_page(queryset, EVENT_ORDER, request.GET.get("cursor", ""))
    if notice:
        messages.warning(request, notice)
    template = "mailings/events/partials/event_table.html" if request.htmx else None
    return render(
        request,
        template or "mailings/events/list.html",
        {"form": form, "page": page, "can_manage": has_capability(request.user, MANAGE)},
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(data=form.event_data(), by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The event was created."))
            return redirect(event.get_absolute_url())
    return render(request, "mailings/events/form.html", {"form": form, "event": None})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    form = EventForm(request.POST or None, event=event)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                event=event,
                data=form.event_data(),
                expected_version=form.cleaned_data.get("version"),
                by=request.user,
            )
        except EditConflict as error:
            conflict = error
            form.add_error(
                None, _("Somebody else changed this event meanwhile. Reload it and try again.")
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The event was saved."))
            return redirect(event.get_absolute_url())
    return render(
        request,
        "mailings/events/form.html",
        {"form": form, "event": event, "conflict": conflict},
        status=409 if conflict else 200,
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    if request.method == "POST":
        services.event_delete(event=event, by=request.user)
        messages.success(request, _("The event “%(name)s” was deleted.") % {"name": event.name})
        return redirect("mailings:events")
    return render(
        request,
        "mailings/events/delete.html",
        {"event": event, "members": event.members.count()},
    )


def _member_page(request: HttpRequest, event: MarketingEvent):
    form = MemberFilterForm(request.GET or None)
    queryset = form.apply(event.members.select_related("company", "person", "address", "run"))
    page, notice = fetch_page(queryset, MEMBER_ORDER, request.GET.get("cursor", ""))
    if notice:
        messages.warning(request, notice)
    return form, page


@capability_required(VIEW)
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    form, page = _member_page(request, event)
    counts = dict(event.members.order_by().values_list("status").annotate(n=Count("pk")))
    context = {
        "event": event,
        "filter": form,
        "page": page,
        "counts": [(label, counts.get(value, 0)) for value, label in MemberStatus.choices],
        "can_manage": has_capability(request.user, MANAGE),
        "bulk": BulkForm(),
    }
    template = "mailings/events/partials/member_table.html" if request.htmx else None
    return render(request, template or "mailings/events/detail.html", context)


@capability_required(MANAGE)
@require_POST
def members_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    ids = [
        value
        for value in request.POST.getlist("members")
        if value.isascii() and value.isdigit() and len(value) < 18
    ][:10_000]
    form = BulkForm(request.POST, member_ids=[int(value) for value in ids])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(event.get_absolute_url())
    members = form.cleaned_data["members"]
    if form.cleaned_data["action"] == "remove":
        count = services.members_remove(event=event, members=members, by=request.user)
        messages.success(request, _("%(count)s members removed.") % {"count": _count(count)})
    else:
        count = services.members_set_status(
            event=event, members=members, status=form.cleaned_data["status"], by=request.user
        )
        messages.success(
            request, _("Status changed for %(count)s members.") % {"count": _count(count)}
        )
    return redirect(event.get_absolute_url())


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def members_from_run(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    runs = visible_runs(request.user).select_related("selection").order_by("-run_at", "-id")
    initial = {}
    if request.GET.get("run", "").isascii() and request.GET.get("run", "").isdigit():
        initial["run"] = int(request.GET["run"])
    form = AddFromRunForm(request.POST or None, runs=runs, initial=initial)
    form.fields["run"].queryset = runs
    if request.method == "POST" and form.is_valid():
        result = services.members_add_from_run(
            event=event,
            run=form.cleaned_data["run"],
            status=form.cleaned_data["status"],
            by=request.user,
        )
        messages.success(
            request,
            _("%(added)s members added, %(skipped)s skipped (members already or deleted).")
            % {"added": _count(result.added), "skipped": _count(result.skipped)},
        )
        return redirect(event.get_absolute_url())
    form.fields["run"].queryset = runs
    return render(
        request,
        "mailings/events/add_run.html",
        {"event": event, "form": form, "recent_runs": runs[:RUN_CHOICES]},
        status=422 if form.errors else 200,
    )


@capability_required(VIEW)
@require_GET
def run_events(request: HttpRequest, run_id: int) -> HttpResponse:
    """From a run's page: choose the event its members go to."""
    require(request.user, MANAGE)
    run = get_object_or_404(visible_runs(request.user), pk=run_id)
    events = MarketingEvent.objects.select_related("kind").order_by("-starts_on", "-id")[:100]
    return render(request, "mailings/events/run_events.html", {"run": run, "events": events})


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Search a company, then add it or one of its people."""
    event = _event(pk)
    if request.method == "POST":
        form = ManualAddForm(request.POST)
        if form.is_valid():
            company = Company.objects.filter(pk=form.cleaned_data["company"]).first()
            person_id = form.cleaned_data.get("person")
            person = Person.objects.filter(pk=person_id).first() if person_id else None
            if company is None or (person_id and person is None):
                messages.error(request, _("This company or person does not exist."))
            else:
                try:
                    services.member_add(
                        event=event,
                        company=company,
                        person=person,
                        status=form.cleaned_data["status"],
                        by=request.user,
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request, _("“%(name)s” was added.") % {"name": person or company}
                    )
        else:
            messages.error(request, _("Choose a company or a person from the search."))
        return redirect(reverse("mailings:member_add", args=[event.pk]) + _query(request))
    query = request.GET.get("q", "").strip()[:100].replace("\x00", "")
    results = []
    if query:
        companies = Company.objects.filter(
            archived_at__isnull=True, name__icontains=query
        ).order_by("name", "id")[:SEARCH_LIMIT]
        people = {}
        for person in Person.objects.filter(
            company__in=[c.pk for c in companies], archived_at__isnull=True
        ).order_by("last_name", "first_name", "id"):
            people.setdefault(person.company_id, []).append(person)
        results = [(company, people.get(company.pk, [])) for company in companies]
    context = {"event": event, "query": query, "results": results, "form": ManualAddForm()}
    template = "mailings/events/partials/search_results.html" if request.htmx else None
    return render(request, template or "mailings/events/add_manual.html", context)


def _query(request: HttpRequest) -> str:
    query = request.POST.get("q", "").strip()[:100]
    return "?" + urlencode({"q": query}) if query else ""
