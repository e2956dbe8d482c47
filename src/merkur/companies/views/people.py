"""People pages: the list, one person, create, edit, move to another company, archive."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from merkur.companies import services
from merkur.companies.access import (
    check_can_view,
    get_company_for,
    get_person_for,
)
from merkur.companies.forms import (
    OwnAddressForm,
    PersonEditForm,
    PersonFilterForm,
    PersonForm,
    PersonMoveForm,
    apply_service_errors,
)
from merkur.companies.models import Person
from merkur.companies.queries import PERSON_SORTS
from merkur.companies.views.common import (
    HISTORY_LIMIT,
    confirm_action,
    conflict_rows,
    fetch_page,
    render_page_or_fragment,
)
from merkur.companies.views.companies import company_matches
from merkur.core.audit import history_of
from merkur.core.locking import EditConflict
from merkur.core.models import ChangeRecord
from merkur.core.pagination import COUNT_CAP, capped_count
from merkur.core.text import fold


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    check_can_view(request)
    form = PersonFilterForm(request.GET)
    sort = form.sort()
    rows = (
        Person.objects.select_related("company", "title")
        .prefetch_related("functions")
        .defer("search_text", "notes", "company__search_text", "company__notes")
    )
    queryset = form.to_filter().apply(rows)
    page, notice = fetch_page(queryset, PERSON_SORTS[sort], form.valid().get("cursor") or "")
    context = {
        "filter_form": form,
        "page": page,
        "count": capped_count(queryset),
        "count_cap": COUNT_CAP,
        "notice": notice,
        "sort": sort,
        "company": form.valid().get("company"),
    }
    return render_page_or_fragment(
        request,
        page="companies/person_list.html",
        fragment="companies/partials/person_table.html",
        context=context,
    )


def _distinct(records) -> list:
    """One row per change: a move is recorded for both companies, shown once here."""
    rows = []
    for record in records:
        previous = rows[-1] if rows else None
        if (
            previous is not None
            and record.action == previous.action == ChangeRecord.Action.MOVE
            and record.user_id == previous.user_id
            and record.changes == previous.changes
        ):
            continue
        rows.append(record)
    return rows[:HISTORY_LIMIT]


def _own_address(person: Person) -> tuple:
    """The person's own address record and its formatted lines (or ``None, []``)."""
    link = person.own_address_link()
    if link is None:
        return None, []
    company = person.company
    recipient = [company.name, company.name2, person.recipient_line]
    return link, link.address.lines(recipient=recipient)


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request, pk)
    link, lines = _own_address(person)
    history = _distinct(history_of(person).order_by("-at", "-id")[: HISTORY_LIMIT * 2])
    return render(
        request,
        "companies/person_detail.html",
        {
            "person": person,
            "company": person.company,
            "functions": list(person.functions.all()),
            "person_codes": list(person.person_codes.all()),
            "own_address": link,
            "own_address_lines": lines,
            "history": history,
        },
    )


def _save_person(request, *, form, address_form, save) -> Person:
    """Save the person and their own address together, or neither."""
    with transaction.atomic():
        person = save()
        if address_form.has_changed():
            services.person_set_address(
                person=person, address=address_form.address_data(), by=request.user
            )
    return person


@login_required
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for(request, pk, write=True)
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data)
    address_form = OwnAddressForm(data, prefix="own")
    if data is not None and all([form.is_valid(), address_form.is_valid()]):
        try:
            person = _save_person(
                request,
                form=form,
                address_form=address_form,
                save=lambda: services.person_create(
                    company=company, data=form.person_data(), by=request.user
                ),
            )
        except ValidationError as error:
            apply_service_errors(error, form, address_form)
        else:
            messages.success(request, _("“%(name)s” added.") % {"name": person})
            return redirect(company.get_absolute_url() + "#people")
    return render(
        request,
        "companies/person_form.html",
        {"form": form, "address_form": address_form, "company": company, "person": None},
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request, pk, write=True)
    link = person.own_address_link()
    data = request.POST if request.method == "POST" else None
    form = PersonEditForm(data, person=person)
    address_form = OwnAddressForm(data, prefix="own", address=link.address if link else None)
    conflict = None
    if data is not None and all([form.is_valid(), address_form.is_valid()]):
        try:
            _save_person(
                request,
                form=form,
                address_form=address_form,
                save=lambda: services.person_update(
                    person=person,
                    data=form.person_data(),
                    expected_version=form.cleaned_data["version"],
                    by=request.user,
                ),
            )
        except EditConflict as error:
            conflict = conflict_rows(error)
            form.refresh_version(error.current.version)
        except ValidationError as error:
            apply_service_errors(error, form, address_form)
        else:
            messages.success(request, _("Changes to “%(name)s” saved.") % {"name": person})
            return redirect(person)
    return render(
        request,
        "companies/person_form.html",
        {
            "form": form,
            "address_form": address_form,
            "company": person.company,
            "person": person,
            "conflict": conflict,
        },
    )


@login_required
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request, pk, write=True)
    term = request.GET.get("q", "")[:200]
    if request.method == "POST":
        form = PersonMoveForm(request.POST, person=person)
        term = form.data.get("q", "")[:200]
        if form.is_valid():
            target = form.cleaned_data["to_company"]
            services.person_move(person=person, to_company=target, by=request.user)
            messages.success(
                request,
                _("“%(name)s” now works at “%(company)s”.") % {"name": person, "company": target},
            )
            return redirect(person)
    else:
        form = PersonMoveForm(initial={"q": term}, person=person)
    # Without JavaScript the search button reloads this page with ``q``; with htmx
    # the same list comes from the autocomplete endpoint while typing.
    return render(
        request,
        "companies/person_move.html",
        {
            "form": form,
            "person": person,
            "company": person.company,
            "companies": company_matches(term, exclude=person.company_id),
            "term": term,
            "searched": bool(fold(term)),
        },
    )


def _person_breadcrumbs(person: Person) -> list[tuple[str, str]]:
    return [
        (_("Companies"), reverse("companies:list")),
        (str(person.company), person.company.get_absolute_url()),
        (str(person), person.get_absolute_url()),
    ]


@login_required
def person_archive(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request, pk, write=True)
    return confirm_action(
        request,
        obj=person,
        perform=lambda: services.person_archive(person=person, by=request.user),
        title=_("Archive person"),
        question=_(
            "Archive “%(name)s”? The person no longer appears in lists and mailings but "
            "keeps all data and can be restored."
        )
        % {"name": person},
        button=_("Archive"),
        done=_("“%(name)s” archived.") % {"name": person},
        back_url=person.get_absolute_url(),
        breadcrumbs=_person_breadcrumbs(person),
        danger=True,
    )


@login_required
def person_restore(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request, pk, write=True)
    return confirm_action(
        request,
        obj=person,
        perform=lambda: services.person_restore(person=person, by=request.user),
        title=_("Restore person"),
        question=_("Restore “%(name)s”?") % {"name": person},
        button=_("Restore"),
        done=_("“%(name)s” restored.") % {"name": person},
        back_url=person.get_absolute_url(),
        breadcrumbs=_person_breadcrumbs(person),
    )
