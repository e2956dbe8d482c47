"""The export pages: choose profile, format, columns and options; profiles (CRUD).

The export page of a source is reached by URL, with the source's parameters:

- ``/transfer/export/companies/?<filters of the company list>``
- ``/transfer/export/people/?<filters of the people list>``
- ``/transfer/export/selection/<id>/`` (a saved selection, compiled now)
- ``/transfer/export/run/<id>/`` (the members of a frozen run)
- ``/transfer/export/<source>/<id>/`` for sources other apps register (``event``)

``?profile=<id>`` preselects a profile, ``?format=csv`` a format. A small export
downloads at once (streamed); XLSX, non-UTF-8 encodings (their report) and large
exports run as a job, and the page sends the user to the job's page with its
progress and, when done, the download. Everybody who may see records may export
(``VIEW_RECORDS``); a profile is changed by its owner or an administrator.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from merkur.core.locking import EditConflict
from merkur.core.roles import Capability
from merkur.core.views import capability_required
from merkur.transfer.export import options as export_options
from merkur.transfer.export import profiles, runner, sources
from merkur.transfer.export.forms import OptionsForm, SaveProfileForm, column_groups
from merkur.transfer.models import ExportProfile

VIEW = Capability.VIEW_RECORDS
PAGE_PARAMS = {"profile", "format", "csrfmiddlewaretoken"}  # the page's own, not filters
PK_PARAMS = {"selection": "selection", "run": "run", "event": "event"}


def source_params(request: HttpRequest, source: str, pk: int | None) -> dict | QueryDict:
    """The source's parameters from the URL: the list filters, or the id in the path."""
    if pk is not None:
        return {PK_PARAMS.get(source, "id"): pk}
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in PAGE_PARAMS and key != "cursor":
            query.setlist(key, [value for value in values if value != ""])
    return query


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "de") or "de"


def _preview(source_key: str, params, user) -> tuple[object | None, list[str], int | None]:
    """The scope to show above the form (title, filter in words, a count up to a cap)."""
    probe = export_options.Options()
    scope = sources.get(source_key).scope(params, user=user, options=probe)
    count = scope.queryset.order_by().values("pk")[: runner.stream_max_rows() + 1].count()
    return scope, scope.description, count


def _initial_options(request: HttpRequest, profile) -> export_options.Options:
    options = profiles.read_options(profile) if profile else export_options.Options()
    fmt = request.GET.get("format")
    if profile is None and fmt in export_options.FORMATS:
        options.format = fmt
    return options


@capability_required(VIEW)
@require_http_methods(["GET", "HEAD", "POST"])
def export_page(request: HttpRequest, source: str, pk: int | None = None) -> HttpResponse:
    try:
        found = sources.get(source)
    except ValidationError:
        raise Http404 from None
    params = source_params(request, source, pk)
    try:
        scope, description, count = _preview(source, params, request.user)
    except ValidationError as error:
        return render(
            request,
            "transfer/export/unavailable.html",
            {"errors": [m for ms in error.message_dict.values() for m in ms]},
            status=404 if pk is not None else 400,
        )
    profile = profiles.find(request.user, request.POST.get("profile") or request.GET.get("profile"))
    language = _language(request)
    form_kwargs = {"target": scope.target, "sorts": found.sorts, "language": language}
    save_form = SaveProfileForm(request.POST or None)
    if request.method == "POST":
        form = OptionsForm(request.POST, **form_kwargs)
        options = form.options()
        if options is not None and "save_profile" in request.POST:
            return _save_profile(request, form, save_form, options, scope, description, count,
                                 found)  # fmt: skip
        if options is not None:
            response = _run(request, form, source, params, options)
            if response is not None:
                return response
    else:
        options = _initial_options(request, profile)
        initial = OptionsForm.initial_from(options)
        if not options.columns:
            from merkur.transfer.export.catalog import DEFAULT_COLUMNS

            initial["columns"] = DEFAULT_COLUMNS[scope.target]
        form = OptionsForm(initial=initial, **form_kwargs)
    return _render(request, form, save_form, scope, description, count, found, profile)


def _render(request, form, save_form, scope, description, count, found, profile, status=None):
    chosen = form["columns"].value() or []
    groups = column_groups(scope.target, _language(request))
    labels = {key: label for _group, entries in groups for key, label in entries}
    context = {
        "form": form,
        "save_form": save_form,
        "scope": scope,
        "source": found,
        "description": description,
        "count": count,
        "count_capped": count is not None and count > runner.stream_max_rows(),
        "profile": profile,
        "profiles": profiles.visible(request.user),
        "groups": groups,
        "chosen": [(key, labels.get(key, key)) for key in chosen],
        "query": request.GET.urlencode(),
    }
    if status is None:
        status = 422 if form.is_bound and form.errors else 200
    return render(request, "transfer/export/page.html", context, status=status)


def _run(request, form, source: str, params, options) -> HttpResponse | None:
    """Start the export (a download or a job); None with the problems on the form."""
    try:
        export = runner.prepare(source=source, params=params, options=options, user=request.user)
        in_worker = "in_background" in request.POST or export.runs_in_worker()
        if in_worker:
            return _enqueue(request, source, params, options)
        pieces = export.primed()
    except ValidationError as error:
        form.apply_errors(error)
        return None
    response = StreamingHttpResponse(pieces, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export.file_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _enqueue(request, source: str, params, options) -> HttpResponse:
    from merkur.jobs.services import enqueue

    data = dict(params.lists()) if isinstance(params, QueryDict) else dict(params)
    job = enqueue(
        runner.JOB_KIND,
        params={"source": source, "params": data, "options": options.to_dict()},
        user=request.user,
    )
    messages.info(request, _("The export runs in the background; the file is offered here."))
    return redirect(job.get_absolute_url())


def _save_profile(request, form, save_form, options, scope, description, count, found):
    save_form.is_valid()
    data = {
        "name": save_form.cleaned_data.get("profile_name", ""),
        "shared": bool(save_form.cleaned_data.get("profile_shared")),
        "description": save_form.cleaned_data.get("profile_description", ""),
        "options": options.to_dict(),
    }
    try:
        profile = profiles.profile_save(data=data, by=request.user)
    except ValidationError as error:
        for name, problems in error.message_dict.items():
            target = {"name": "profile_name", "shared": "profile_shared"}.get(name)
            for problem in problems:
                if target:
                    save_form.add_error(target, problem)
                else:
                    form.add_error(None, problem)
        return _render(request, form, save_form, scope, description, count, found, None, 422)
    messages.success(request, _("Profile “%(name)s” saved.") % {"name": profile.name})
    query = request.GET.copy()
    query["profile"] = str(profile.pk)
    return redirect(f"{request.path}?{query.urlencode()}")


# --- profiles --------------------------------------------------------------------------------


@capability_required(VIEW)
@require_safe
def profile_list(request: HttpRequest) -> HttpResponse:
    found = profiles.visible(request.user)
    rows = [(profile, profiles.can_change(profile, request.user)) for profile in found]
    return render(request, "transfer/export/profile_list.html", {"rows": rows})


def _profile_for(request: HttpRequest, pk: int, *, write: bool) -> ExportProfile:
    found = ExportProfile.objects.all() if profiles.is_admin(request.user) else None
    profile = (found if found is not None else profiles.visible(request.user)).filter(pk=pk).first()
    if profile is None:
        raise Http404
    if write and not profiles.can_change(profile, request.user):
        raise PermissionDenied
    return profile


@capability_required(VIEW)
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    profile = _profile_for(request, pk, write=True) if pk is not None else None
    target = request.POST.get("target") or request.GET.get("target") or "people"
    if target not in ("people", "companies"):
        target = "people"
    kwargs = {"target": target, "language": _language(request)}
    if request.method == "POST":
        form = OptionsForm(request.POST, **kwargs)
        meta = SaveProfileForm(request.POST)
        options = form.options()
        meta.is_valid()
        if options is not None:
            data = {
                "name": meta.cleaned_data.get("profile_name", ""),
                "shared": bool(meta.cleaned_data.get("profile_shared")),
                "description": meta.cleaned_data.get("profile_description", ""),
                "options": options.to_dict(),
            }
            version = request.POST.get("version")
            try:
                saved = profiles.profile_save(
                    data=data,
                    by=request.user,
                    profile=profile,
                    expected_version=int(version) if version and version.isdigit() else None,
                )
            except EditConflict:
                form.add_error(None, _("Somebody else changed this profile; reload the page."))
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    field = {"name": "profile_name"}.get(name)
                    for problem in problems:
                        (meta if field else form).add_error(field, problem)
            else:
                messages.success(request, _("Profile “%(name)s” saved.") % {"name": saved.name})
                return redirect("transfer:export_profiles")
    else:
        options = profiles.read_options(profile) if profile else export_options.Options()
        form = OptionsForm(initial=OptionsForm.initial_from(options), **kwargs)
        meta = SaveProfileForm(
            initial={
                "profile_name": profile.name if profile else "",
                "profile_shared": profile.shared if profile else False,
                "profile_description": profile.description if profile else "",
            }
        )
    meta.fields["profile_name"].label = _("Name")
    meta.fields["profile_name"].required = True
    groups = column_groups(target, _language(request))
    labels = {key: label for _group, entries in groups for key, label in entries}
    chosen = form["columns"].value() or []
    context = {
        "form": form,
        "meta": meta,
        "profile": profile,
        "target": target,
        "groups": groups,
        "chosen": [(key, labels.get(key, key)) for key in chosen],
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "transfer/export/profile_form.html", context, status=status)


@capability_required(VIEW)
@require_POST
def profile_delete(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile_for(request, pk, write=True)
    name = profile.name
    profiles.profile_delete(profile=profile, by=request.user)
    messages.success(request, _("Profile “%(name)s” deleted.") % {"name": name})
    return redirect(reverse("transfer:export_profiles"))
