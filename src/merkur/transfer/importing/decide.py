"""What happens to each row: the user's decisions applied to what ``matching`` found.

One pass over the staged rows in file order fills the plan table:

- no duplicate → ``create`` a company (with its address and person);
- a duplicate in the database → the decision for its rule (or for its line):
  ``skip`` (the default), ``update`` the company (and its person, or add the
  row's person to it) or ``create`` a new one anyway — not possible for a
  taken customer number, so that row is refused;
- a repetition of an earlier row (``file``) → ``skip`` (default), ``update``
  (the row's person joins whatever the earlier row became: ``add`` to the
  company it created, ``update`` the one it matched; skipped with it when it
  was skipped) or ``create`` a company of its own.

A person the same company already gets from an earlier row (same name or
e-mail) is not created twice. New companies and people are numbered from 0
here; ``writing`` turns the numbers into ids reserved for them.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from merkur.companies.models import Company
from merkur.transfer.importing.options import CREATE, SKIP, ImportOptions
from merkur.transfer.importing.result import KEPT, ImportResult
from merkur.transfer.importing.staging import LEADERS, MATCHES, PEOPLE, ROWS, Tables, batches
from merkur.transfer.importing.values import Problem


@dataclass
class _Outcome:
    """What a row that later rows repeat became."""

    kind: str  # "new", "old" or "skip"
    company: int | None = None  # new company number or existing id
    people: set = field(default_factory=set)  # person keys it has by now


@dataclass
class Plan:
    companies: int = 0  # new companies
    people: int = 0  # new people created set-based (create, add)
    refused: list[tuple[int, Problem]] = field(default_factory=list)  # decided bad
    service_people: int = 0  # people created by updates (through the services)


def decide(tables: Tables, options: ImportOptions, result: ImportResult) -> Plan:
    plan = Plan()
    with _cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT leader FROM {LEADERS}")
        leaders = {row[0] for row in cursor.fetchall()}
    outcomes: dict[int, _Outcome] = {}
    people_at: dict[int, set] = {}  # existing company → person keys added by this run
    # Each joined table is read from the page's first line on, not from its start.
    sql = (
        f"SELECT s.line, s.has_person, s.k_person, s.k_email, m.rule, m.company, m.person,"
        f" pp.person, f.leader, f.rule FROM {ROWS} s"
        f" LEFT JOIN {MATCHES} m ON m.line = s.line AND m.line > %(last)s"
        f" LEFT JOIN {PEOPLE} pp ON pp.line = s.line AND pp.line > %(last)s"
        f" LEFT JOIN {LEADERS} f ON f.line = s.line AND f.line > %(last)s"
        f" WHERE s.line > %(last)s ORDER BY s.line LIMIT %(size)s"
    )
    for row in batches(sql, {}):
        line, has_person, key, email, rule, company, person, named, leader, leader_rule = row
        keys = {k for k in (key, email) if k} if has_person else set()
        person = person or named
        if rule:
            step = _database_match(
                options, plan, line, rule, company, person, keys, people_at, has_person
            )
        elif leader:
            step = _file_match(
                options, plan, line, leader, leader_rule, outcomes.get(leader), keys, people_at
            )
        else:
            step = _new(plan, has_person)
        action = step["action"]
        result.actions[action] += 1
        if line in leaders:
            outcomes[line] = _outcome_of(step, keys)
        if action == "refuse":
            plan.refused.append((line, step.pop("problem")))
        tables.plan.add(
            (
                line,
                action,
                step.get("rule", ""),
                step.get("company"),
                step.get("new_company"),
                step.get("person"),
                step.get("new_person"),
                bool(step.get("with_person")),
                step.get("refers_to"),
            )
        )
        if (rule or leader) and len(result.matches) < KEPT:
            result.matches.append(
                {
                    "line": line,
                    "action": action,
                    "rule": step.get("rule", rule or "file"),
                    "company": step.get("company") if rule else None,
                    "person": step.get("person"),
                    "refers_to": step.get("refers_to"),
                }
            )
    tables.index_plan()
    result.companies_created = plan.companies
    _describe_matches(result)
    return plan


def _cursor():
    from django.db import connection

    return connection.cursor()


def _new(plan: Plan, has_person: bool) -> dict:
    step = {"action": "create", "new_company": plan.companies, "with_person": has_person}
    plan.companies += 1
    if has_person:
        step["new_person"] = plan.people
        plan.people += 1
    return step


def _database_match(options, plan, line, rule, company, person, keys, people_at, has_person):
    action = options.action_for(rule, line)
    if action == CREATE and rule == "number":
        return {
            "action": "refuse",
            "rule": rule,
            "company": company,
            "problem": Problem(
                "",
                "",
                _(
                    "The customer number belongs to an existing company (no. %(id)s); a new "
                    "company needs another number. Choose “update” or “skip” for this row."
                )
                % {"id": company},
            ),
        }
    if action == CREATE:
        return {**_new(plan, has_person), "rule": rule}
    if action == SKIP:
        return {"action": "skip", "rule": rule, "company": company, "person": person}
    return _update_existing(rule, company, person, keys, people_at, has_person)


def _update_existing(rule, company, person, keys, people_at, has_person, refers_to=None):
    step = {"action": "update", "rule": rule, "company": company, "refers_to": refers_to}
    if person:
        step.update(person=person, with_person=True)
    elif has_person:
        known = people_at.setdefault(company, set())
        step["with_person"] = not (keys & known)
        known |= keys
    return step


def _file_match(options, plan, line, leader, leader_rule, outcome, keys, people_at):
    action = options.action_for("file", line)
    base = {"rule": "file", "refers_to": leader}
    if action == CREATE and leader_rule == "number":
        return {
            **base,
            "action": "refuse",
            "problem": Problem(
                "",
                "",
                _(
                    "The customer number appears already on line %(line)s; two new companies "
                    "cannot share it. Choose “update” or “skip” for this row."
                )
                % {"line": leader},
            ),
        }
    if action == CREATE:
        return {**_new(plan, bool(keys)), **base}
    if action == SKIP or outcome is None or outcome.kind == "skip":
        return {**base, "action": "skip"}
    if outcome.kind == "old":
        return _update_existing(
            "file", outcome.company, None, keys, people_at, bool(keys), refers_to=leader
        )
    # The earlier row creates a company: this row's person joins it.
    if not keys or keys & outcome.people:
        return {**base, "action": "skip", "new_company": outcome.company}
    outcome.people |= keys
    step = {**base, "action": "add", "new_company": outcome.company, "with_person": True}
    step["new_person"] = plan.people
    plan.people += 1
    return step


def _outcome_of(step: dict, keys: set) -> _Outcome:
    if step["action"] == "create":
        return _Outcome("new", step["new_company"], set(keys))
    if step["action"] == "update":
        return _Outcome("old", step["company"], set(keys))
    return _Outcome("skip")


def _describe_matches(result: ImportResult) -> None:
    """Names of the rows and of the companies they matched, for the screen."""
    if not result.matches:
        return
    lines = [match["line"] for match in result.matches]
    found = {}
    with _cursor() as cursor:
        for start in range(0, len(lines), 500):
            chunk = lines[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT line, c_name, a_postal_code, a_city, p_first_name, p_last_name"
                f" FROM {ROWS} WHERE line IN ({marks})",
                chunk,
            )
            for line, name, code, city, first, last in cursor.fetchall():
                person = " ".join(part for part in (first, last) if part)
                found[line] = {"name": name, "place": f"{code} {city}".strip(), "person": person}
    ids = {match["company"] for match in result.matches if match["company"]}
    companies = dict(Company.objects.filter(pk__in=ids).values_list("pk", "name"))
    for match in result.matches:
        match["row"] = found.get(match["line"], {})
        match["company_name"] = companies.get(match["company"], "")
