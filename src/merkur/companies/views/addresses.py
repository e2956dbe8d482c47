"""Address pages: add a delivery/billing/employee address, edit one, make default, remove."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from merkur.companies import services
from merkur.companies.access import get_address_link_for, get_company_for
from merkur.companies.forms import AddressEditForm, CompanyAddressForm, apply_service_errors
from merkur.companies.models import CompanyAddress
from merkur.companies.views.common import confirm_action, conflict_rows
from merkur.core.locking import EditConflict

Kind = CompanyAddress.Kind
ADDABLE_KINDS = (Kind.DELIVERY, Kind.BILLING, Kind.EMPLOYEE)


def _addresses_url(company) -> str:
    return company.get_absolute_url() + "#addresses"


@login_required
def address_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    company = get_company_for(request, pk, write=True)
    if kind not in ADDABLE_KINDS:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = CompanyAddressForm(data, company=company, kind=kind)
    if data is not None and form.is_valid():
        try:
            services.company_address_add(
                company=company,
                kind=kind,
                address=form.address_data(),
                is_default=form.cleaned_data.get("is_default", False),
                label=form.cleaned_data["label"],
                person=form.cleaned_data.get("person"),
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(request, _("%(kind)s added.") % {"kind": Kind(kind).label})
            return redirect(_addresses_url(company))
    return render(
        request,
        "companies/address_form.html",
        {"form": form, "company": company, "kind_label": Kind(kind).label, "link": None},
    )


def _edit(request: HttpRequest, link: CompanyAddress) -> HttpResponse:
    """Change the address record behind ``link`` (with optimistic locking)."""
    company = link.company
    data = request.POST if request.method == "POST" else None
    form = AddressEditForm(data, address=link.address)
    conflict = None
    if data is not None and form.is_valid():
        try:
            services.address_update(
                address=link.address,
                data=form.address_data(),
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict as error:
            conflict = conflict_rows(error)
            form.refresh_version(error.current.version)
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(request, _("%(kind)s saved.") % {"kind": link.get_kind_display()})
            return redirect(_addresses_url(company))
    # Addresses are shared records: say so before a change reaches other companies.
    shared_with = (
        CompanyAddress.objects.filter(address=link.address)
        .exclude(company=company)
        .select_related("company")
        .order_by("company__sort_name")
    )
    return render(
        request,
        "companies/address_form.html",
        {
            "form": form,
            "company": company,
            "kind_label": link.get_kind_display(),
            "link": link,
            "conflict": conflict,
            "shared_with": list(shared_with[:10]),
            "shared_count": shared_with.count(),
        },
    )


@login_required
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_address_link_for(request, pk, write=True))


@login_required
def contact_address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for(request, pk, write=True)
    link = company.contact_link()
    if link is None:  # only possible with data written around the services
        raise Http404
    return _edit(request, link)


@login_required
@require_POST
def address_set_default(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_address_link_for(request, pk, write=True)
    try:
        services.company_address_set_default(link=link, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("This is now the default %(kind)s.") % {"kind": link.get_kind_display()},
        )
    return redirect(_addresses_url(link.company))


@login_required
def address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_address_link_for(request, pk, write=True)
    company = link.company
    if link.kind == Kind.CONTACT:
        messages.error(request, _("The contact address cannot be removed; change it instead."))
        return redirect(_addresses_url(company))
    return confirm_action(
        request,
        obj=link,
        perform=lambda: services.company_address_remove(link=link, by=request.user),
        title=_("Remove address"),
        question=_("Remove the %(kind)s “%(address)s” from “%(company)s”?")
        % {"kind": link.get_kind_display(), "address": link.address, "company": company},
        button=_("Remove"),
        done=_("%(kind)s removed.") % {"kind": link.get_kind_display()},
        back_url=_addresses_url(company),
        breadcrumbs=[
            (_("Companies"), reverse("companies:list")),
            (str(company), company.get_absolute_url()),
        ],
        danger=True,
    )
