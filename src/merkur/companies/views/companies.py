"""Company pages: the list, one company on one screen, create, edit, archive."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from merkur.companies import services
from merkur.companies.access import check_can_edit, check_can_view, get_company_for
from merkur.companies.forms import (
    CONCURRENT_SAVE,
    AddressForm,
    CompanyEditForm,
    CompanyFilterForm,
    CompanyForm,
    apply_service_errors,
)
from merkur.companies.models import Company, CompanyAddress
from merkur.companies.queries import COMPANY_SORTS
from merkur.companies.views.common import (
    HISTORY_LIMIT,
    confirm_action,
    conflict_rows,
    fetch_page,
    render_page_or_fragment,
)
from merkur.core.locking import EditConflict
from merkur.core.models import ChangeRecord
from merkur.core.pagination import COUNT_CAP, Ordering, capped_count, keyset_page
from merkur.core.text import fold

Kind = CompanyAddress.Kind
AUTOCOMPLETE_LIMIT = 20
PEOPLE_LIMIT = 100  # a company page stays one screen; the people list has them all
HISTORY_ORDERING = Ordering(("-at", "-id"))


@login_required
@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    check_can_view(request)
    form = CompanyFilterForm(request.GET)
    sort = form.sort()
    # The search text and notes can be long and are not shown: leave them in the database.
    rows = Company.objects.select_related("company_class", "sales_rep").defer(
        "search_text", "notes"
    )
    queryset = form.to_filter().apply(rows)
    page, notice = fetch_page(queryset, COMPANY_SORTS[sort], form.valid().get("cursor") or "")
    context = {
        "filter_form": form,
        "page": page,
        "count": capped_count(queryset),
        "count_cap": COUNT_CAP,
        "notice": notice,
        "sort": sort,
    }
    return render_page_or_fragment(
        request,
        page="companies/company_list.html",
        fragment="companies/partials/company_table.html",
        context=context,
    )


@dataclass(frozen=True)
class AddressCard:
    link: CompanyAddress
    lines: list[str]


def address_groups(company: Company) -> list[dict]:
    """The company's addresses by kind, each formatted for its country, defaults first."""
    links = company.address_links.select_related(
        "address", "person__title", "person__salutation"
    ).order_by("-is_default", "id")
    company_lines = [line for line in (company.name, company.name2) if line]
    groups = {kind: [] for kind in Kind.values}
    for link in links:
        person = link.person.recipient_line if link.person else ""
        lines = link.address.lines(recipient=[*company_lines, person])
        groups[link.kind].append(AddressCard(link=link, lines=lines))
    return [
        {"kind": kind, "label": Kind(kind).label, "cards": groups[kind]} for kind in Kind.values
    ]


def company_history(company: Company, limit: int | None = HISTORY_LIMIT):
    records = ChangeRecord.objects.filter(company=company).select_related("user", "content_type")
    return records.order_by("-at", "-id")[:limit] if limit else records


@login_required
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for(request, pk)
    people = (
        company.people.active()
        .select_related("salutation", "title")
        .prefetch_related("functions")
        .order_by("sort_name", "id")
    )
    people = list(people[: PEOPLE_LIMIT + 1])
    history = list(company_history(company, HISTORY_LIMIT + 1))
    context = {
        "company": company,
        "industries": list(company.industries.all()),
        "interest_areas": list(company.interest_areas.all()),
        "address_groups": address_groups(company),
        "people": people[:PEOPLE_LIMIT],
        "people_more": company.people.active().count() if len(people) > PEOPLE_LIMIT else 0,
        "archived_people": company.people.filter(archived_at__isnull=False).count(),
        "history": history[:HISTORY_LIMIT],
        "history_more": len(history) > HISTORY_LIMIT,
    }
    return render(request, "companies/company_detail.html", context)


@login_required
@require_GET
def company_history_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole change history of a company, newest first, page by page."""
    company = get_company_for(request, pk)
    records = company_history(company, limit=None)
    page, notice = fetch_page(records, HISTORY_ORDERING, request.GET.get("cursor", ""))
    return render(
        request,
        "companies/company_history.html",
        {"company": company, "page": page, "notice": notice},
    )


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    check_can_edit(request)
    data = request.POST if request.method == "POST" else None
    form = CompanyForm(data)
    address_form = AddressForm(data, prefix="address")
    if data is not None and all([form.is_valid(), address_form.is_valid()]):
        try:
            company = services.company_create(
                data=form.company_data(), address=address_form.address_data(), by=request.user
            )
        except ValidationError as error:
            apply_service_errors(error, form, address_form)
        except IntegrityError:
            form.add_error(None, CONCURRENT_SAVE)
        else:
            messages.success(request, _("Company “%(name)s” created.") % {"name": company})
            return redirect(company)
    return render(
        request,
        "companies/company_form.html",
        {"form": form, "address_form": address_form, "company": None},
    )


@login_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for(request, pk, write=True)
    data = request.POST if request.method == "POST" else None
    form = CompanyEditForm(data, company=company)
    conflict = None
    if data is not None and form.is_valid():
        try:
            services.company_update(
                company=company,
                data=form.company_data(),
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict as error:
            conflict = conflict_rows(error)
            form.refresh_version(error.current.version)
        except ValidationError as error:
            apply_service_errors(error, form)
        except IntegrityError:
            form.add_error(None, CONCURRENT_SAVE)
        else:
            messages.success(request, _("Changes to “%(name)s” saved.") % {"name": company})
            return redirect(company)
    return render(
        request,
        "companies/company_form.html",
        {"form": form, "company": company, "conflict": conflict},
    )


def _breadcrumbs(company: Company) -> list[tuple[str, str]]:
    return [(_("Companies"), reverse("companies:list")), (str(company), company.get_absolute_url())]


@login_required
def company_archive(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for(request, pk, write=True)
    return confirm_action(
        request,
        obj=company,
        perform=lambda: services.company_archive(company=company, by=request.user),
        title=_("Archive company"),
        question=_(
            "Archive “%(name)s”? It disappears from lists and selections but keeps all its "
            "data and can be restored at any time."
        )
        % {"name": company},
        button=_("Archive"),
        done=_("Company “%(name)s” archived.") % {"name": company},
        back_url=company.get_absolute_url(),
        breadcrumbs=_breadcrumbs(company),
        danger=True,
    )


@login_required
def company_restore(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for(request, pk, write=True)
    return confirm_action(
        request,
        obj=company,
        perform=lambda: services.company_restore(company=company, by=request.user),
        title=_("Restore company"),
        question=_("Restore “%(name)s” so that it appears in lists and selections again?")
        % {"name": company},
        button=_("Restore"),
        done=_("Company “%(name)s” restored.") % {"name": company},
        back_url=company.get_absolute_url(),
        breadcrumbs=_breadcrumbs(company),
    )


def company_matches(term: str, *, exclude: int | None = None) -> list[Company]:
    """Up to 20 current companies matching ``term``, by name; none for an empty term."""
    if not fold(term):
        return []
    queryset = Company.objects.active().search(term)
    if exclude:
        queryset = queryset.exclude(pk=exclude)
    page = keyset_page(queryset, COMPANY_SORTS["name"], cursor=None, per_page=AUTOCOMPLETE_LIMIT)
    return page.items


@login_required
@require_GET
def company_autocomplete(request: HttpRequest) -> HttpResponse:
    """The htmx autocomplete: matching companies as a list of choices (``to_company``)."""
    check_can_view(request)
    term = request.GET.get("q", "")[:200]
    exclude = request.GET.get("exclude", "")
    companies = company_matches(
        term, exclude=int(exclude) if exclude.isdigit() and len(exclude) <= 18 else None
    )
    return render(
        request,
        "companies/partials/company_choices.html",
        {"companies": companies, "term": term, "searched": bool(fold(term))},
    )
