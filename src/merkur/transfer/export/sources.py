"""Where the rows of an export come from: a registry of sources.

Built in: ``companies`` and ``people`` (the lists, with exactly the filter
parameters the list pages take), ``selection`` (a saved selection, compiled now)
and ``run`` (the members of a frozen run, with the addresses chosen then).
Another app adds its own with ``register`` — the marketing events will add
``event`` (an event's members) this way::

    from merkur.transfer.export import sources

    class EventSource(sources.Source):
        key = "event"
        label = gettext_lazy("Event members")

        def scope(self, params, *, user, options) -> Scope: ...

    sources.register(EventSource())

A source reads its parameters (a dict of JSON data: filter values, an id) and
answers with a ``Scope`` the user may see, or ``ValidationError`` naming the
parameter, or ``PermissionDenied``/``Http404``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.core.pagination import Ordering
from merkur.core.roles import Capability, has_capability
from merkur.transfer.export.reading import Scope


class Source:
    """One kind of source; subclasses set ``key``, ``label`` and implement ``scope``."""

    key = ""
    label = ""
    sorts: tuple[str, ...] = ()

    def scope(self, params: dict, *, user, options) -> Scope:
        raise NotImplementedError

    def url_suffix(self, params: dict) -> str:
        """The path after ``/transfer/export/`` of this source's export page."""
        return f"{self.key}/"


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    _SOURCES[source.key] = source


def get(key: str) -> Source:
    try:
        return _SOURCES[key]
    except KeyError:
        names = ", ".join(sorted(_SOURCES))
        raise ValidationError(
            {"source": _("Choose one of these sources: %(names)s.") % {"names": names}}
        ) from None


def keys() -> list[str]:
    return sorted(_SOURCES)


class Operator:
    """Who runs ``merkur export-addresses`` without ``--user``: the operator, who may
    export every list, selection and run (as ``merkur run-selection`` does)."""

    is_authenticated = True
    is_active = True
    pk = None

    def get_full_name(self) -> str:
        return ""

    def get_username(self) -> str:
        return "operator"


OPERATOR = Operator()


def _check_user(user) -> None:
    if user is OPERATOR:
        return
    if not has_capability(user, Capability.VIEW_RECORDS):
        raise PermissionDenied


def as_query(params: dict) -> QueryDict:
    """Filter values from JSON (``{"industry": [1, 2], "country": "DE"}``) as a query."""
    query = QueryDict(mutable=True)
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        query.setlist(str(key), ["" if item is None else str(item) for item in values])
    return query


def _sort(options, sorts: dict, default: str) -> str:
    if options.sort is None:
        return default
    if options.sort not in sorts:
        raise ValidationError(
            {"sort": _("Sort by one of: %(names)s.") % {"names": ", ".join(sorts)}}
        )
    return options.sort


# Besides the list's own orders: the order records were entered in — the fastest for a
# whole table (no sort), what other programs importing the file usually want.
ID_SORT = {"id": Ordering(("id",))}


class _ListSource(Source):
    """A list page's rows, filtered by the page's own form."""

    form_class = None
    sort_table: dict = {}
    target = ""

    def _form(self, params):
        query = params if isinstance(params, QueryDict) else as_query(params or {})
        form = self.form_class(query)
        known = set(form.fields)
        unknown = sorted(set(query) - known - {"format", "profile"})
        problems = [
            _("“%(name)s” is not a filter of this list.") % {"name": name} for name in unknown
        ]
        form.is_valid()
        for name, messages in form.errors.items():
            if name in query:
                problems.extend(
                    f"{form.fields[name].label or name}: {message}" for message in messages
                )
        if problems:
            raise ValidationError({"filters": problems})
        return form

    def _queryset(self, form) -> QuerySet:
        raise NotImplementedError

    def scope(self, params, *, user, options) -> Scope:
        from merkur.core.listexport import describe_form

        _check_user(user)
        form = self._form(params)
        sort = form.sort() if options.sort is None else _sort(options, self.sort_table, "")
        queryset = form.to_filter().apply(self._queryset(form))
        if options.skip_opted_out and self.target == "people":
            queryset = queryset.filter(marketing_opt_out_at__isnull=True)
        queryset = queryset.order_by(*self.sort_table[sort].fields)
        return self._scope(queryset, options, describe_form(form))


class CompanySource(_ListSource):
    key = "companies"
    label = gettext_lazy("Company list")
    target = "companies"

    @property
    def form_class(self):
        from merkur.companies.forms import CompanyFilterForm

        return CompanyFilterForm

    @property
    def sort_table(self):
        from merkur.companies.queries import COMPANY_SORTS

        return {**COMPANY_SORTS, **ID_SORT}

    @property
    def sorts(self):
        return tuple(self.sort_table)

    def _queryset(self, form) -> QuerySet:
        from merkur.companies.models import Company

        return Company.objects.all()

    def _scope(self, queryset, options, description) -> Scope:
        return Scope(
            queryset=queryset,
            target="companies",
            company="",
            person=None,
            address=options.address or "contact",
            title=_("Companies"),
            description=description,
        )


class PersonSource(_ListSource):
    key = "people"
    label = gettext_lazy("People list")
    target = "people"

    @property
    def form_class(self):
        from merkur.companies.forms import PersonFilterForm

        return PersonFilterForm

    @property
    def sort_table(self):
        from merkur.companies.queries import PERSON_SORTS

        return {**PERSON_SORTS, **ID_SORT}

    @property
    def sorts(self):
        return tuple(self.sort_table)

    def _queryset(self, form) -> QuerySet:
        from merkur.companies.models import Person

        return Person.objects.all()

    def _scope(self, queryset, options, description) -> Scope:
        return Scope(
            queryset=queryset,
            target="people",
            company="company__",
            person="",
            address="person",
            title=_("People"),
            description=description,
        )


SELECTION_SORTS = {
    # key → ordering of a compiled selection of companies / of people
    "postal_code": (("country", "postal_code", "id"), ("company__country", "company__postal_code",
                                                      "sort_name", "id")),
    "name": (("sort_name", "id"), ("sort_name", "id")),
    "company": (("sort_name", "id"), ("company__sort_name", "sort_name", "id")),
}  # fmt: skip


def _number(params: dict, name: str) -> int:
    value = params.get(name)
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 18:
        raise ValidationError({name: _("Give the id of the %(name)s.") % {"name": name}})
    return int(text)


class SelectionSource(Source):
    """A saved selection the user may see, compiled now (relative periods from today)."""

    key = "selection"
    label = gettext_lazy("Saved selection")
    sorts = tuple(SELECTION_SORTS)

    def find(self, params: dict, user):
        from merkur.selections.models import SavedSelection

        if user is OPERATOR:
            visible = SavedSelection.objects.all()
        else:
            visible = SavedSelection.objects.visible_to(user)
        key = params.get("selection")
        if isinstance(key, str) and "\x00" in key:  # PostgreSQL refuses NUL in a query
            raise ValidationError({"selection": _("No saved selection with this id.")})
        if isinstance(key, str) and key.strip() and not key.strip().isdigit():
            matches = list(visible.filter(name__iexact=key.strip()).order_by("pk")[:10])
            own = [selection for selection in matches if selection.owner_id == user.pk]
            matches = own or matches
            if len(matches) != 1:
                message = (
                    _("No saved selection “%(name)s”.")
                    if not matches
                    else _("Several saved selections are named “%(name)s”; give the id.")
                )
                raise ValidationError({"selection": message % {"name": key.strip()}})
            return matches[0]
        found = visible.filter(pk=_number(params, "selection")).first()
        if found is None:
            raise ValidationError({"selection": _("No saved selection with this id.")})
        return found

    def url_suffix(self, params: dict) -> str:
        return f"selection/{params.get('selection')}/"

    def scope(self, params, *, user, options) -> Scope:
        from merkur.selections.definition import parse
        from merkur.selections.errors import DefinitionError
        from merkur.selections.services import compile_saved

        _check_user(user)
        selection = self.find(params, user)
        try:
            definition = parse(selection.definition)
            queryset = compile_saved(selection)
        except DefinitionError as error:
            raise ValidationError({"selection": str(error)}) from None
        people = definition.target == "people"
        sort = _sort(options, SELECTION_SORTS, "postal_code")
        if people:
            skip = True if options.skip_opted_out is None else options.skip_opted_out
            if skip:
                queryset = queryset.filter(marketing_opt_out_at__isnull=True)
        queryset = queryset.order_by(*SELECTION_SORTS[sort][1 if people else 0])
        return Scope(
            queryset=queryset,
            target=definition.target,
            company="company__" if people else "",
            person="" if people else None,
            address="person" if people else (options.address or definition.address),
            title=selection.name,
            description=[_("Selection “%(name)s”") % {"name": selection.name}],
        )


RUN_SORTS = {
    "postal_code": (F("address__country").asc(nulls_last=True),
                    F("address__postal_code").asc(nulls_last=True), F("company__sort_name").asc(),
                    F("person__sort_name").asc(nulls_last=True), F("pk").asc()),
    "name": (F("person__sort_name").asc(nulls_last=True), F("company__sort_name").asc(),
             F("pk").asc()),
    "company": (F("company__sort_name").asc(), F("person__sort_name").asc(nulls_last=True),
                F("pk").asc()),
}  # fmt: skip


class RunSource(Source):
    """The members of a frozen run, each with the address chosen when it was frozen."""

    key = "run"
    label = gettext_lazy("Frozen selection run")
    sorts = tuple(RUN_SORTS)

    def url_suffix(self, params: dict) -> str:
        return f"run/{params.get('run')}/"

    def scope(self, params, *, user, options) -> Scope:
        from merkur.selections.api.common import visible_runs

        _check_user(user)
        from merkur.selections.models import SelectionRun

        runs = SelectionRun.objects.all() if user is OPERATOR else visible_runs(user)
        run = runs.select_related("selection").filter(pk=_number(params, "run")).first()
        if run is None:
            raise ValidationError({"run": _("No frozen run with this id.")})
        people = run.target == "people"
        sort = _sort(options, RUN_SORTS, "postal_code")
        members = run.members.all()
        skip = True if options.skip_opted_out is None else options.skip_opted_out
        if people and skip:
            members = members.filter(person__marketing_opt_out_at__isnull=True)
        name = run.selection.name if run.selection else _("ad-hoc selection")
        return Scope(
            queryset=members.order_by(*RUN_SORTS[sort]),
            target=run.target,
            company="company__",
            person="person__" if people else None,
            address="member",
            member_address="address_id",
            title=name,
            description=[
                _("Run of “%(name)s” on %(day)s") % {"name": name, "day": run.today.isoformat()}
            ],
        )


register(CompanySource())
register(PersonSource())
register(SelectionSource())
register(RunSource())
