"""Writing the plan: new records set-based, updates through the services.

New companies, their contact addresses and links, new people, their
functions and the change history of each are written with one
``INSERT … SELECT`` per table from the staged rows (ids reserved up front),
so a million rows cost a handful of statements. The derived columns were
computed while checking (``derived``), the same as the models compute them.

Updates of existing records go through ``merkur.companies.services`` — one
row at a time, with optimistic locking, validation and change history, as
if the user had edited the record; each in a savepoint, so that a record
that cannot take the update refuses that row only.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from merkur.addresses.models import Address
from merkur.companies import services
from merkur.companies.generate.load import reserve_ids
from merkur.companies.models import Company, CompanyAddress, CompanyRole, Person
from merkur.core.models import ChangeRecord
from merkur.core.text import fold
from merkur.transfer.importing.decide import Plan
from merkur.transfer.importing.options import ImportOptions
from merkur.transfer.importing.result import ImportResult
from merkur.transfer.importing.staging import PLAN, ROWS, batches
from merkur.transfer.importing.timing import timed
from merkur.transfer.importing.values import Problem

UPDATE_PAGE = 500


@dataclass(frozen=True)
class Ids:
    company: int
    address: int
    person: int


def write(
    plan: Plan, options: ImportOptions, result: ImportResult, *, user, file_name: str
) -> tuple[list[tuple[int, Problem]], "Ids"]:
    """Write the plan; return the rows refused while updating and the ids used."""
    ids = Ids(
        company=reserve_ids(Company._meta.db_table, plan.companies) if plan.companies else 0,
        address=reserve_ids(Address._meta.db_table, plan.companies) if plan.companies else 0,
        person=reserve_ids(Person._meta.db_table, plan.people) if plan.people else 0,
    )
    user_id = user.pk if user is not None and user.is_authenticated else None
    steps = result.steps
    if plan.companies:
        with timed(steps, "write.addresses"):
            _addresses(ids)
        with timed(steps, "write.companies"):
            _companies(ids, options, user_id)
        with timed(steps, "write.links"):
            _links(ids)
    if plan.people:
        with timed(steps, "write.people"):
            _people(ids)
        with timed(steps, "write.functions"):
            _functions(ids)
    with timed(steps, "write.history"):
        _search_words_of_added_people(ids)
        _history(ids, user_id, file_name)
    with timed(steps, "write.constraints"):
        _check_constraints()
    result.people_created = plan.people
    with timed(steps, "write.updates"):
        refused = _updates(result, user)
    return refused, ids


def _check_constraints() -> None:
    """Check the new rows' foreign keys now rather than at the commit.

    They are deferred to the end of the transaction; checked here, their cost
    is part of the write that causes it (and of its progress), and the commit
    after a large import is quick. The constraints are deferred again after
    (as they were created), for the updates through the services.
    """
    if connection.vendor != "postgresql":
        return  # SQLite checks deferred foreign keys only at the commit
    through = Person._meta.get_field("functions").remote_field.through
    tables = [
        model._meta.db_table
        for model in (Address, Company, CompanyAddress, Person, through, ChangeRecord)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
            " WHERE c.contype = 'f' AND c.condeferrable AND c.condeferred"
            " AND t.oid = ANY(%s::regclass[]) ORDER BY 1",
            [tables],
        )
        names = ", ".join(connection.ops.quote_name(row[0]) for row in cursor.fetchall())
        if names:
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


def new_ids_sql(ids: Ids) -> tuple[str, str, list]:
    """SQL for the company and person id of each plan row (existing or new), with params."""
    company = "CASE WHEN p.new_company IS NOT NULL THEN %s + p.new_company ELSE p.company END"
    person = "CASE WHEN p.new_person IS NOT NULL THEN %s + p.new_person ELSE p.person END"
    return company, person, [ids.company, ids.person]


# --- set-based inserts ---------------------------------------------------------------------


def _insert_select(
    model: type[models.Model], expressions: dict[str, tuple[str, list]], where: str
) -> int:
    """``INSERT INTO model SELECT …`` from the staged rows joined with the plan.

    ``expressions`` gives the SQL (with params) of the columns the import
    fills; every other column gets the model's default, so a field added to a
    model later is filled too (or stops the import with a clear error).
    """
    columns, values, params = [], [], []
    for model_field in model._meta.concrete_fields:
        column = model_field.column
        if column in expressions:
            sql, sql_params = expressions[column]
            columns.append(column)
            values.append(sql)
            params += sql_params
            continue
        if model_field.primary_key:
            continue  # the database numbers it
        if not (model_field.has_default() or model_field.null or model_field.empty_strings_allowed):
            raise RuntimeError(f"the import does not fill {model._meta.db_table}.{column}")
        columns.append(column)
        values.append("%s")
        params.append(model_field.get_db_prep_save(model_field.get_default(), connection))
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({quoted})"
        f" SELECT {', '.join(values)} FROM {ROWS} s JOIN {PLAN} p ON p.line = s.line"
        f" WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _plain(*columns: str) -> dict[str, tuple[str, list]]:
    return {target: (f"s.{source}", []) for target, source in columns}


def _addresses(ids: Ids) -> None:
    expressions = {"id": ("%s + p.new_company", [ids.address])}
    expressions |= _plain(
        ("street", "a_street"),
        ("street2", "a_street2"),
        ("po_box", "a_po_box"),
        ("postal_code", "a_postal_code"),
        ("city", "a_city"),
        ("region", "a_region"),
        ("country", "a_country"),
    )
    _insert_select(Address, expressions, "p.action = 'create'")


def _companies(ids: Ids, options: ImportOptions, user_id) -> None:
    expressions = {
        "id": ("%s + p.new_company", [ids.company]),
        "roles": ("%s", [CompanyRole.to_mask(options.roles)]),
        "created_by_id": ("%s", [user_id]),
        "employees": ("s.c_employees", []),
        "search_text": (
            "CASE WHEN s.has_person THEN s.c_search || ' ' || s.p_search ELSE s.c_search END",
            [],
        ),
    }
    expressions |= _plain(
        ("name", "c_name"),
        ("name2", "c_name2"),
        ("number", "c_number"),
        ("phone", "c_phone"),
        ("email", "c_email"),
        ("website", "c_website"),
        ("vat_id", "c_vat_id"),
        ("country", "a_country"),
        ("postal_code", "a_postal_code"),
        ("city", "a_city"),
        ("sort_name", "c_sort_name"),
    )
    _insert_select(Company, expressions, "p.action = 'create'")


def _links(ids: Ids) -> None:
    expressions = {
        "company_id": ("%s + p.new_company", [ids.company]),
        "address_id": ("%s + p.new_company", [ids.address]),
        "kind": ("%s", [CompanyAddress.Kind.CONTACT]),
    }
    _insert_select(CompanyAddress, expressions, "p.action = 'create'")


def _people(ids: Ids) -> None:
    expressions = {
        "id": ("%s + p.new_person", [ids.person]),
        "company_id": ("%s + p.new_company", [ids.company]),
        "salutation_id": ("s.p_salutation", []),
        "title_id": ("s.p_title", []),
        "marketing_consent_at": ("s.p_consent", []),
        "marketing_opt_out_at": ("s.p_opt_out", []),
        "search_text": ("s.p_search", []),
    }
    expressions |= _plain(
        ("first_name", "p_first_name"),
        ("last_name", "p_last_name"),
        ("letter_salutation", "p_letter_salutation"),
        ("department", "p_department"),
        ("email", "p_email"),
        ("phone", "p_phone"),
        ("mobile", "p_mobile"),
        ("notes", "p_notes"),
        ("sort_name", "p_sort_name"),
    )
    _insert_select(Person, expressions, "p.new_person IS NOT NULL")


def _functions(ids: Ids) -> None:
    """The new people's functions: the staged ids ("3,7") split in SQL, one row each."""
    through = Person._meta.get_field("functions").remote_field.through
    person = through._meta.get_field("person").column
    function = through._meta.get_field("function").column
    if connection.vendor == "postgresql":
        each = "CROSS JOIN LATERAL unnest(string_to_array(s.p_functions, ',')::bigint[]) f(id)"
        value = "f.id"
    else:
        each = "JOIN json_each('[' || s.p_functions || ']') f"
        value = "f.value"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through._meta.db_table} ({person}, {function})"
            f" SELECT DISTINCT %s + p.new_person, {value} FROM {PLAN} p"
            f" JOIN {ROWS} s ON s.line = p.line {each}"
            f" WHERE p.new_person IS NOT NULL AND s.p_functions <> ''",
            [ids.person],
        )


def _search_words_of_added_people(ids: Ids) -> None:
    """People added to a new company by later rows go into its search text too."""
    company = Company._meta.db_table
    words = (
        "string_agg(s.p_search, ' ' ORDER BY s.line)"
        if connection.vendor == "postgresql"
        else "group_concat(s.p_search, ' ')"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {company} SET search_text = {company}.search_text || ' ' || x.words"
            f" FROM (SELECT %s + p.new_company AS id, {words} AS words FROM {PLAN} p"
            f"  JOIN {ROWS} s ON s.line = p.line WHERE p.action = 'add'"
            f"  AND p.new_person IS NOT NULL GROUP BY p.new_company) x"
            f" WHERE {company}.id = x.id",
            [ids.company],
        )


def _history(ids: Ids, user_id, file_name: str) -> None:
    """One change record per new company and person: created by this import."""
    changes = ChangeRecord._meta.get_field("changes")
    value = changes.get_db_prep_save({"import": [None, file_name]}, connection)
    common = {
        "action": ("%s", [ChangeRecord.Action.CREATE]),
        "changes": ("%s", [value]),
        "version": ("1", []),
        "user_id": ("%s", [user_id]),
    }
    company_ct = ContentType.objects.get_for_model(Company).pk
    person_ct = ContentType.objects.get_for_model(Person).pk
    _insert_select(
        ChangeRecord,
        {
            **common,
            "content_type_id": ("%s", [company_ct]),
            "object_id": ("%s + p.new_company", [ids.company]),
            "object_repr": ("substr(s.c_name, 1, 200)", []),
            "company_id": ("%s + p.new_company", [ids.company]),
        },
        "p.action = 'create'",
    )
    _insert_select(
        ChangeRecord,
        {
            **common,
            "content_type_id": ("%s", [person_ct]),
            "object_id": ("%s + p.new_person", [ids.person]),
            "object_repr": (
                "substr(CASE WHEN s.p_first_name = '' THEN s.p_last_name"
                " ELSE s.p_first_name || ' ' || s.p_last_name END, 1, 200)",
                [],
            ),
            "company_id": ("%s + p.new_company", [ids.company]),
        },
        "p.new_person IS NOT NULL",
    )


# --- updates through the services ------------------------------------------------------------

_COMPANY_VALUES = {
    "name": "c_name",
    "name2": "c_name2",
    "number": "c_number",
    "phone": "c_phone",
    "email": "c_email",
    "website": "c_website",
    "vat_id": "c_vat_id",
    "employees": "c_employees",
}
_ADDRESS_VALUES = {
    "street": "a_street",
    "street2": "a_street2",
    "po_box": "a_po_box",
    "postal_code": "a_postal_code",
    "city": "a_city",
    "region": "a_region",
    "country": "a_country",
}
_PERSON_VALUES = {
    "first_name": "p_first_name",
    "last_name": "p_last_name",
    "department": "p_department",
    "email": "p_email",
    "phone": "p_phone",
    "mobile": "p_mobile",
    "notes": "p_notes",
    "marketing_consent_at": "p_consent",
    "marketing_opt_out_at": "p_opt_out",
    "salutation_id": "p_salutation",
    "title_id": "p_title",
}
_UPDATE_COLUMNS = sorted({*_COMPANY_VALUES.values(), *_ADDRESS_VALUES.values()}) + sorted(
    {*_PERSON_VALUES.values(), "p_functions", "has_person"}
)


def _updates(result: ImportResult, user) -> list:
    refused = []
    columns = ", ".join(f"s.{column}" for column in _UPDATE_COLUMNS)
    sql = (
        f"SELECT p.line, p.rule, p.company, p.person, p.with_person, {columns}"
        f" FROM {PLAN} p JOIN {ROWS} s ON s.line = p.line"
        f" WHERE p.action = 'update' AND p.line > %s ORDER BY p.line LIMIT %s"
    )
    updated = set()
    for row in batches(sql, [], size=UPDATE_PAGE):
        line, rule, company_id, person_id, with_person = row[:5]
        values = dict(zip(_UPDATE_COLUMNS, row[5:], strict=True))
        try:
            with transaction.atomic():
                done, person = _update_one(rule, company_id, person_id, with_person, values, user)
        except ValidationError as error:
            refused.append((line, Problem("", "", " ".join(error.messages))))
            continue
        if rule != "file":
            updated.add(company_id)
        if done == "updated":
            result.people_updated += 1
        elif done == "created":
            result.people_created += 1
            with connection.cursor() as cursor:  # for the links
                cursor.execute(f"UPDATE {PLAN} SET person = %s WHERE line = %s", [person, line])
    result.companies_updated = len(updated)
    return refused


def _update_one(rule, company_id, person_id, with_person, values, user):
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise ValidationError(_("The matched company was deleted meanwhile."))
    if rule != "file":
        data = {name: values[column] for name, column in _COMPANY_VALUES.items()}
        data = {name: value for name, value in data.items() if value not in ("", None)}
        if data:
            company = services.company_update(
                company=company, data=data, expected_version=None, by=user
            )
        _update_address(company, values, user)
    if not with_person:
        return None, None
    data = {name: values[column] for name, column in _PERSON_VALUES.items()}
    data = {name: value for name, value in data.items() if value not in ("", None)}
    if "salutation_id" in data:
        data["salutation"] = data.pop("salutation_id")
    if "title_id" in data:
        data["title"] = data.pop("title_id")
    for key in ("marketing_consent_at", "marketing_opt_out_at"):
        if isinstance(data.get(key), str):  # SQLite gives the staged text back
            data[key] = models.DateTimeField().to_python(data[key])
    functions = [int(f) for f in (values["p_functions"] or "").split(",") if f]
    if person_id:
        person = Person.objects.get(pk=person_id)
        if functions:
            data["functions"] = sorted({*person.functions.values_list("pk", flat=True), *functions})
        _master_instances(data)
        services.person_update(person=person, data=data, expected_version=None, by=user)
        return "updated", person.pk
    if functions:
        data["functions"] = functions
    _master_instances(data)
    person = services.person_create(company=company, data=data, by=user)
    return "created", person.pk


def _master_instances(data: dict) -> None:
    from merkur.companies.models import Salutation, Title

    if "salutation" in data:
        data["salutation"] = Salutation.objects.get(pk=data["salutation"])
    if "title" in data:
        data["title"] = Title.objects.get(pk=data["title"])


def _update_address(company: Company, values: dict, user) -> None:
    """The row's address replaces the contact address's fields where they differ."""
    link = company.contact_link()
    if link is None:
        return
    address = link.address
    data = {name: values[column] or "" for name, column in _ADDRESS_VALUES.items()}
    current = {name: str(getattr(address, name) or "") for name in _ADDRESS_VALUES}
    current["country"] = str(address.country.code or "")
    if {k: fold(v) for k, v in data.items()} == {k: fold(v) for k, v in current.items()}:
        return
    services.address_update(address=address, data=data, expected_version=None, by=user)
