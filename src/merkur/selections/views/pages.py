"""The selection pages: saved selections, the builder and saving.

Everybody who may view records may build and count selections; saving needs
SAVE_SELECTIONS. Only the owner changes a saved selection; anybody else who can
save keeps a copy of their own.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from merkur.companies.views.common import wants_fragment
from merkur.core.locking import EditConflict
from merkur.core.roles import Capability, has_capability, require
from merkur.core.views import capability_required
from merkur.selections import services
from merkur.selections.api.common import NODE_MESSAGE
from merkur.selections.forms import SaveForm
from merkur.selections.models import SavedSelection
from merkur.selections.views import choices
from merkur.selections.views.state import Builder

VIEW = Capability.VIEW_RECORDS
SAVE = Capability.SAVE_SELECTIONS


def visible(user, pk) -> SavedSelection | None:
    """The saved selection ``pk`` (posted text or int) if the user may see it."""
    text = str(pk or "").strip()
    if not text.isdigit() or len(text) > 18:
        return None
    return SavedSelection.objects.visible_to(user).select_related("owner").filter(pk=text).first()


def render_builder(
    request: HttpRequest,
    builder: Builder,
    *,
    selection: SavedSelection | None = None,
    form: SaveForm | None = None,
    recipients: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """The builder page (or, for htmx, only the tree and its counts)."""
    owner = selection is not None and selection.owner_id == request.user.pk
    if form is None:
        initial = {}
        if selection is not None:
            initial = {
                "name": selection.name if owner else _("Copy of %(name)s") % {"name": selection},
                "description": selection.description,
                "shared": selection.shared and owner,
            }
        form = SaveForm(initial=initial)
    context = {
        "builder": builder,
        "tree": builder.tree(),
        "selection": selection,
        "owner": owner,
        "may_delete": selection is not None and services.may_delete(selection, request.user),
        "form": form,
        "can_save": has_capability(request.user, SAVE),
        "recipients": recipients,
        "output": choices.Output.read(request.POST),
        "output_sorts": choices.SORTS,
        "output_dedupes": choices.DEDUPES,
        "output_purposes": choices.PURPOSES,
    }
    template = "selections/builder.html"
    if wants_fragment(request):
        template = "selections/partials/builder.html"
    return render(request, template, context, status=status)


@capability_required(VIEW)
@require_GET
def selection_list(request: HttpRequest) -> HttpResponse:
    selections = (
        SavedSelection.objects.visible_to(request.user)
        .select_related("owner")
        .annotate(last_run=Max("runs__run_at"))
        .order_by("name", "pk")
    )
    return render(
        request,
        "selections/list.html",
        {"selections": selections, "can_save": has_capability(request.user, SAVE)},
    )


@capability_required(VIEW)
@require_GET
def selection_new(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("target")
    data = {"version": 1, "target": target if target in ("people", "companies") else "people"}
    return render_builder(request, Builder.from_definition(data, request.user))


@capability_required(VIEW)
@require_GET
def selection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(
        SavedSelection.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    builder = Builder.from_definition(selection.definition, request.user)
    return render_builder(request, builder, selection=selection)


@capability_required(VIEW)
@require_POST
def builder_action(request: HttpRequest) -> HttpResponse:
    """One change of the tree (add, remove, move, edit a condition …), drawn again."""
    builder = Builder.from_post(request.POST, request.user)
    return render_builder(
        request, builder, selection=visible(request.user, request.POST.get("selection"))
    )


@capability_required(VIEW)
@require_POST
def selection_save(request: HttpRequest) -> HttpResponse:
    require(request.user, SAVE)
    builder = Builder.from_post(request.POST, request.user)
    selection = None
    if request.POST.get("selection"):
        selection = visible(request.user, request.POST["selection"])
        if selection is None:
            raise PermissionDenied
    form = SaveForm(request.POST)
    updating = (
        selection is not None
        and selection.owner_id == request.user.pk
        and not request.POST.get("copy")
    )
    if form.is_valid() and builder.definition is not None:
        version = request.POST.get("version", "")
        try:
            saved = services.selection_save(
                data={**form.cleaned_data, "definition": builder.draft.to_json()},
                by=request.user,
                selection=selection if updating else None,
                expected_version=int(version) if updating and version.isdigit() else None,
            )
        except EditConflict:
            form.add_error(
                None, _("Somebody changed this selection meanwhile. Open it again to see it.")
            )
        except ValidationError as error:
            _apply_errors(form, builder, error)
        else:
            messages.success(request, _("The selection “%(name)s” was saved.") % {"name": saved})
            return redirect(reverse("selections:edit", args=[saved.pk]))
    elif builder.definition is None:
        form.is_valid()
        form.add_error(None, _("The selection is not complete yet: see the marked conditions."))
    return render_builder(request, builder, selection=selection, form=form, status=422)


@capability_required(VIEW)
@require_http_methods(["GET", "POST"])
def selection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks, POST deletes: the owner or an administrator, only while no other selection uses it.
    Its frozen runs stay."""
    selection = get_object_or_404(
        SavedSelection.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    require(request.user, SAVE)
    if not services.may_delete(selection, request.user):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            services.selection_delete(selection=selection, by=request.user)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(
                request, _("The selection “%(name)s” was deleted.") % {"name": selection.name}
            )
            return redirect(reverse("selections:list"))
    context = {"selection": selection, "error": error, "run_count": selection.runs.count()}
    return render(request, "selections/delete.html", context, status=409 if error else 200)


def _apply_errors(form: SaveForm, builder: Builder, error: ValidationError) -> None:
    """The services' errors at the form's fields, definition errors at their nodes."""
    for name, texts in error.message_dict.items():
        if name == "definition":
            for text in texts:
                found = NODE_MESSAGE.match(text)
                if found:
                    node = builder.draft.node_at_where(found.group(1))
                    builder.errors.setdefault(node.path, []).append(found.group(2))
                else:
                    form.add_error(None, text)
        elif name in form.fields:
            form.add_error(name, texts)
        else:
            form.add_error(None, texts)
