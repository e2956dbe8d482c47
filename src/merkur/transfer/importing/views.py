"""The import screens: upload → reading and mapping → dry run with decisions → run as a job.

1. ``import_list``: upload a file (or pick a profile first); the past imports.
2. ``import_settings``: what detection found (changeable), the first rows under
   a select per column with the suggested fields, the options; "Check" starts
   the dry run in the worker.
3. ``import_detail``: progress while a job runs; then the dry run's counts, its
   bad rows and duplicates with a decision per rule and per row; "Import" starts
   the real run (its progress on the job's page, which leads back here).
4. ``import_bad_rows``: the bad rows as CSV, to fix and import again.

Every screen needs ``EDIT_RECORDS``; an import is seen by whoever uploaded it
and by administrators (others get 404).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from merkur.core.roles import Capability, Role, role_of
from merkur.core.views import capability_required
from merkur.transfer.columns import Mapping, MappingError
from merkur.transfer.importing import records, services
from merkur.transfer.importing.forms import (
    DecisionsForm,
    ReadingForm,
    SettingsForm,
    UploadForm,
)
from merkur.transfer.importing.options import (
    ACTION_LABELS,
    RULE_LABELS,
    ImportOptions,
    OptionsError,
)
from merkur.transfer.importing.prepare import FileGone, columns_of, mapping_for, reread
from merkur.transfer.importing.services import BUSY, Conflict, job_of, preview_of, start
from merkur.transfer.models import AddressImport, ImportProfile
from merkur.transfer.models.imports import ImportStatus
from merkur.transfer.reading import ReadError
from merkur.transfer.sniff import Detection, InvalidDetection, display_encoding

EDIT = Capability.EDIT_RECORDS
LISTED = 50


def get_import_for(request: HttpRequest, pk: int) -> AddressImport:
    """The import ``pk`` if the user may see it (its uploader, administrators); else 404."""
    record = AddressImport.objects.visible_to(request.user).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


# --- 1. upload ---------------------------------------------------------------------------


@capability_required(EDIT)
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = records.store_upload(upload.chunks(), file_name=upload.name, user=request.user)
        except records.FileTooLarge as error:
            form.add_error("file", str(error))
        else:
            try:
                services.prepare_upload(record, form.cleaned_data["profile"])
            except (ReadError, InvalidDetection, MappingError) as error:
                records.delete_import(record)
                form.add_error("file", str(error))
            else:
                return redirect("transfer:import_settings", record.pk)
    imports = (
        AddressImport.objects.visible_to(request.user)
        .select_related("created_by", "profile")
        .order_by("-created_at", "-id")[:LISTED]
    )
    return render(
        request,
        "transfer/import/list.html",
        {"form": form, "imports": imports, "listed": LISTED},
        status=400 if form.errors else 200,
    )


# --- 2. reading and mapping ------------------------------------------------------------------


@capability_required(EDIT)
@require_http_methods(["GET", "POST"])
def import_settings(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_import_for(request, pk)
    if services.locked(record):
        return redirect(record)
    if not record.stored_path.exists():  # the data folder was cleaned up behind our back
        messages.error(request, str(FileGone()))
        return redirect(record)
    draft = record.options or {}
    detection = Detection.from_dict(draft.get("detection") or record.detection)
    shown = preview_of(record, detection)
    header = shown["header"]
    reading_form = ReadingForm(
        request.POST if "apply_reading" in request.POST else None,
        initial={
            **detection.to_dict(),
            "has_header": "yes" if detection.has_header else "no",
        },
    )
    if reading_form.is_bound and reading_form.is_valid():
        try:
            changed, mapping = reread(
                record.stored_path,
                detection,
                reading_form.detection_values(),
                draft.get("mapping"),
            )
        except (ReadError, InvalidDetection) as error:
            messages.error(request, str(error))
        else:
            if changed != detection:
                record.options = draft | {"detection": changed.to_dict(), "mapping": mapping}
                record.save(update_fields=["options"])
        return redirect("transfer:import_settings", record.pk)
    settings_form = SettingsForm(
        request.POST if "check" in request.POST else None,
        columns=shown["width"],
        user=request.user,
        initial=_settings_initial(draft, header),
    )
    if settings_form.is_bound and settings_form.is_valid():
        try:
            started = _check(request, record, draft, detection, header, settings_form)
        except Conflict as error:  # another request started it meanwhile
            messages.error(request, str(error))
            return redirect(record)
        if started:
            return redirect(record)
    return render(
        request,
        "transfer/import/settings.html",
        {
            "record": record,
            "detection": detection,
            "encoding_label": display_encoding(detection.encoding),
            "reading_form": reading_form,
            "form": settings_form,
            "preview": shown,
            "columns": list(zip(settings_form.column_fields(), shown["samples"], strict=True)),
        },
        status=400 if settings_form.errors else 200,
    )


def _settings_initial(draft: dict, header) -> dict:
    initial = {
        key: draft[key]
        for key in ("mode", "roles", "country", "number_format", "date_format", "similarity")
        if key in draft
    }
    link = draft.get("link") or {}
    initial |= {
        "link_kind": link.get("kind", ""),
        "link_reference": link.get("reference", ""),
        "link_status": link.get("status", ""),
        "link_matches": draft.get("link_matches", True),
        "add_to_master_tables": draft.get("add_to_master_tables", False),
    }
    try:
        mapping = Mapping.from_dict(draft.get("mapping"))
    except MappingError:
        mapping = mapping_for(header)
    for index, target in columns_of(mapping).items():
        initial[f"column_{index}"] = target
    return initial


def _check(request, record, draft, detection, header, form: SettingsForm) -> bool:
    """Store the settings and start the dry run; False (with the form's errors) if invalid."""
    try:
        mapping = Mapping.from_columns(form.columns_chosen(), header)
        options = ImportOptions.from_dict(
            {
                "detection": detection.to_dict(),
                "mapping": mapping.to_dict(),
                "decisions": draft.get("decisions") or {},
                **form.option_values(),
            }
        )
    except (MappingError, OptionsError) as error:
        form.add_error(None, str(error))
        return False
    name = form.cleaned_data.get("profile_name", "").strip()
    with transaction.atomic():
        if name:
            profile = ImportProfile.objects.create(
                name=name,
                owner=request.user,
                shared=form.cleaned_data["profile_shared"],
                mapping=mapping.to_dict(),
                encoding=detection.encoding,
                delimiter=detection.delimiter,
                has_header=detection.has_header,
                number_format=options.number_format,
                date_format=options.date_format,
            )
            AddressImport.objects.filter(pk=record.pk).update(profile=profile)
            record.profile = profile
        record.options = options.to_dict()
        start(record, request.user, dry_run=True)
    if name:
        messages.success(request, _("Profile “%(name)s” saved.") % {"name": name})
    return True


# --- 3. dry run, decisions, run --------------------------------------------------------------


@capability_required(EDIT)
@require_safe
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_import_for(request, pk)
    job = job_of(record)
    if request.htmx and request.GET.get("part") == "state":
        response = HttpResponse(status=204)
        if record.status not in BUSY:
            response["HX-Refresh"] = "true"
        return response
    form = None
    if record.status == ImportStatus.CHECKED and record.dry_run:
        form = _decisions_form(record, None)
    return render(
        request,
        "transfer/import/detail.html",
        _detail_context(record, job, form),
    )


def _detail_context(record, job, form) -> dict:
    dry, result = record.dry_run or {}, record.result or {}
    rows = []
    if form is not None:
        for match in dry.get("matches", []):
            rows.append({**match, "field": form[f"row_{match['line']}"]})
    return {
        "record": record,
        "job": job,
        "busy": record.status in BUSY,
        "dry": dry,
        "result": result,
        "shown": result or dry,
        "form": form,
        "match_rows": rows,
        "rule_labels": RULE_LABELS,
        "action_labels": ACTION_LABELS,
        "encoding_label": display_encoding(record.detection.get("encoding", "")),
    }


def _decisions_form(record: AddressImport, data) -> DecisionsForm:
    options = record.options or {}
    return DecisionsForm(
        data,
        lines=[match["line"] for match in (record.dry_run or {}).get("matches", [])],
        decisions=options.get("decisions") or {},
        row_decisions=options.get("row_decisions") or {},
    )


@capability_required(EDIT)
@require_POST
def import_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the decisions and check again (dry run) or import (the real run)."""
    record = get_import_for(request, pk)
    if record.status != ImportStatus.CHECKED:
        messages.error(request, _("Check the file (dry run) before importing it."))
        return redirect(record)
    form = _decisions_form(record, request.POST)
    if not form.is_valid():
        return render(
            request,
            "transfer/import/detail.html",
            _detail_context(record, job_of(record), form),
            status=400,
        )
    options = dict(record.options)
    options["decisions"] = form.decisions()
    options["row_decisions"] = form.row_decisions()
    try:
        ImportOptions.from_dict(options)
    except OptionsError as error:  # e.g. the linked order was deleted meanwhile
        messages.error(request, str(error))
        return redirect(record)
    record.options = options
    dry_run = "import" not in request.POST
    try:
        job = start(record, request.user, dry_run=dry_run)
    except Conflict as error:  # another request started it meanwhile
        messages.error(request, str(error))
        return redirect(record)
    if dry_run:
        return redirect(record)
    return redirect(job.get_absolute_url())


@capability_required(EDIT)
@require_safe
def import_bad_rows(request: HttpRequest, pk: int) -> FileResponse:
    return services.bad_rows_download(get_import_for(request, pk))


@capability_required(EDIT)
@require_POST
def import_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_import_for(request, pk)
    if record.status in BUSY:
        messages.error(request, _("The import is running; wait until it has finished."))
        return redirect(record)
    records.delete_import(record)
    messages.success(request, _("Import of %(file)s deleted.") % {"file": record.file_name})
    return redirect("transfer:imports")


# --- profiles ------------------------------------------------------------------------------


@capability_required(EDIT)
@require_http_methods(["GET", "POST"])
def profile_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        chosen = request.POST.get("delete", "")
        profile = (
            ImportProfile.objects.visible_to(request.user)
            .filter(
                pk=int(chosen) if chosen.isascii() and chosen.isdigit() and len(chosen) < 18 else 0
            )
            .first()
        )
        if profile is None or not profile_deletable(request.user, profile):
            raise PermissionDenied if profile is not None else Http404
        profile.delete()
        messages.success(request, _("Profile “%(name)s” deleted.") % {"name": profile.name})
        return redirect("transfer:import_profiles")
    profiles = ImportProfile.objects.visible_to(request.user).select_related("owner")
    return render(
        request,
        "transfer/import/profiles.html",
        {
            "profiles": [
                (profile, profile_deletable(request.user, profile)) for profile in profiles
            ],
        },
    )


def profile_deletable(user, profile: ImportProfile) -> bool:
    return profile.owner_id == user.pk or role_of(user) == Role.ADMIN
