"""The mailing pages: list, the wizard (new/edit a draft), the preview for one recipient,
start, and the mailing with its counts per channel and state and its items.

Looking needs VIEW_RECORDS, every change MANAGE_EVENTS (checked per view).
"""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from merkur.companies.views.common import fetch_page
from merkur.core.locking import EditConflict
from merkur.core.pagination import Ordering
from merkur.core.roles import Capability, has_capability
from merkur.core.templating import TemplateProblem
from merkur.core.views import capability_required
from merkur.mailings import fields as merge_fields
from merkur.mailings import services
from merkur.mailings.mailing.forms import ItemFilterForm, MailingForm
from merkur.mailings.models import Channel, ItemState, Mailing, MailingStatus

VIEW = Capability.VIEW_RECORDS
MANAGE = Capability.MANAGE_EVENTS
MAILING_ORDER = Ordering(("-created_at", "-id"))
ITEM_ORDER = Ordering(("id",))


def _mailing(pk: int) -> Mailing:
    return get_object_or_404(
        Mailing.objects.select_related(
            "run", "selection", "event", "contact_type", "job", "created_by"
        ),
        pk=pk,
    )


@capability_required(VIEW)
@require_GET
def mailing_list(request: HttpRequest) -> HttpResponse:
    queryset = Mailing.objects.select_related("event", "created_by", "job")
    page, notice = fetch_page(queryset, MAILING_ORDER, request.GET.get("cursor", ""))
    if notice:
        messages.warning(request, notice)
    template = "mailings/mailing/partials/mailing_table.html" if request.htmx else None
    return render(
        request,
        template or "mailings/mailing/list.html",
        {"page": page, "can_manage": has_capability(request.user, MANAGE)},
    )


def _field_list(mailing: Mailing | None) -> list:
    free = mailing.channel_settings("fields") if mailing is not None else {}
    try:
        return list(merge_fields.catalogue(free).values())
    except ValueError:
        return list(merge_fields.catalogue().values())


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def mailing_new(request: HttpRequest) -> HttpResponse:
    initial = {"one_file": True, "label_start": 1}
    if _digits(request.GET.get("run", "")):
        initial["run"] = int(request.GET["run"])
    if _digits(request.GET.get("event", "")):
        initial["event"] = int(request.GET["event"])
    form = MailingForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            mailing = services.mailing_create(data=form.mailing_data(), by=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The mailing was saved as a draft."))
            return redirect(mailing.get_absolute_url())
    return render(
        request,
        "mailings/mailing/form.html",
        {"form": form, "mailing": None, "fields": _field_list(None)},
        status=422 if form.errors else 200,
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def mailing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing(pk)
    if not mailing.is_editable:
        messages.error(request, _("Only a draft can be changed; this mailing was started."))
        return redirect(mailing.get_absolute_url())
    form = MailingForm(
        request.POST or None, request.FILES or None, user=request.user, mailing=mailing
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.mailing_update(
                mailing=mailing,
                data=form.mailing_data(),
                expected_version=form.cleaned_data.get("version"),
                by=request.user,
            )
        except EditConflict:
            status = 409
            form.add_error(
                None, _("Somebody else changed this mailing meanwhile. Reload it and try again.")
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The mailing was saved."))
            return redirect(mailing.get_absolute_url())
    if form.errors and status == 200:
        status = 422
    return render(
        request,
        "mailings/mailing/form.html",
        {"form": form, "mailing": mailing, "fields": _field_list(mailing)},
        status=status,
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def mailing_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing(pk)
    if request.method == "POST":
        try:
            services.mailing_delete(mailing=mailing, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(mailing.get_absolute_url())
        messages.success(request, _("The mailing “%(name)s” was deleted.") % {"name": mailing})
        return redirect("mailings:mailings")
    return render(request, "mailings/mailing/delete.html", {"mailing": mailing})


@capability_required(VIEW)
@require_GET
def mailing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing(pk)
    form = ItemFilterForm(request.GET or None)
    queryset = form.apply(mailing.items.select_related("person", "company"))
    page, notice = fetch_page(queryset, ITEM_ORDER, request.GET.get("cursor", ""))
    if notice:
        messages.warning(request, notice)
    if request.htmx and request.GET.get("part") == "items":
        return render(
            request,
            "mailings/mailing/partials/item_table.html",
            {"mailing": mailing, "page": page},
        )
    found = {
        (channel, state): count
        for channel, state, count in mailing.items.order_by()
        .values_list("channel", "state")
        .annotate(n=Count("pk"))
    }
    labels = dict(Channel.choices)
    counts = [
        (labels.get(channel, channel), [found.get((channel, state), 0) for state in ItemState])
        for channel in mailing.channels
    ]
    context = {
        "mailing": mailing,
        "filter": form,
        "page": page,
        "states": ItemState.choices,
        "counts": counts,
        "channel_labels": [labels.get(channel, channel) for channel in mailing.channels],
        "can_manage": has_capability(request.user, MANAGE),
        "retryable": services.retryable_items(mailing).count()
        if mailing.status in (MailingStatus.DONE, MailingStatus.FAILED)
        else 0,
    }
    return render(request, "mailings/mailing/detail.html", context)


def _digits(value: str) -> bool:
    # str.isdigit() is also true for "²" and other digits int() does not read
    return value.isascii() and value.isdigit() and len(value) < 18


def _number(request: HttpRequest) -> int:
    value = request.GET.get("number", "1")
    return int(value) if _digits(value) and 0 < len(value) < 9 else 1


@capability_required(VIEW)
@require_GET
def mailing_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The merge fields and the e-mail of the recipient at position ``number``."""
    mailing = _mailing(pk)
    number = _number(request)
    context = {"mailing": mailing, "number": number, "preview": None, "email": None}
    try:
        preview = services.preview_fields(mailing, number, by=request.user)
    except (ValueError, ValidationError) as error:
        context["problem"] = " ".join(getattr(error, "messages", [str(error)]))
        preview = None
    context["preview"] = preview
    if preview is not None and Channel.EMAIL in mailing.channels:
        try:
            context["email"] = services.preview_email(mailing, preview)
        except TemplateProblem as problem:
            context["problem"] = str(problem)
    if preview is not None:
        labels = merge_fields.catalogue(mailing.channel_settings("fields"))
        context["values"] = [
            (key, labels[key].label() if key in labels else key, value)
            for key, value in preview.fields.items()
        ]
    template = "mailings/mailing/partials/preview.html" if request.htmx else None
    return render(request, template or "mailings/mailing/preview.html", context)


@capability_required(VIEW)
@require_GET
def mailing_preview_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One recipient's letter as DOCX or PDF."""
    mailing = _mailing(pk)
    preview = services.preview_fields(mailing, _number(request), by=request.user)
    if preview is None:
        messages.error(request, _("There is no recipient with this number."))
        return redirect("mailings:mailing_preview", pk=mailing.pk)
    buffer = io.BytesIO()
    try:
        services.preview_letter(mailing, preview, kind, buffer)
    except (TemplateProblem, ValueError, OSError) as error:
        messages.error(request, str(error))
        return redirect("mailings:mailing_preview", pk=mailing.pk)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{_('preview')}-{preview.number}.{kind}",
        content_type=services.CONTENT_TYPES[kind],
    )


@capability_required(MANAGE)
@require_POST
def mailing_start(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing(pk)
    try:
        services.mailing_start(mailing=mailing, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The mailing was started."))
    return redirect(mailing.get_absolute_url())


@capability_required(MANAGE)
@require_POST
def mailing_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the e-mails/faxes again that failed only for now (SMTP 4xx and the like)."""
    mailing = _mailing(pk)
    try:
        _job, count = services.retry_failed(mailing=mailing, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s failed item is sent again.",
                "%(count)s failed items are sent again.",
                count,
            )
            % {"count": count},
        )
    return redirect(mailing.get_absolute_url())
