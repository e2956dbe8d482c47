"""Demo contacts for the journal: realistic German entries, follow-ups, absences.

``load_demo_journal`` runs once after the demo companies (``merkur demo``,
``make run``). Every contact goes through ``services.contact_create``, so the
demo holds nothing the application could not have recorded itself. The German
phrases below also feed the bulk generator (``journal.generate``).
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from merkur.companies.models import Company
from merkur.journal import recurrence, services
from merkur.journal.catalog import seed_contact_master_data
from merkur.journal.models import AbsenceReason, Contact

# --- German phrases ---------------------------------------------------------------------------

PRODUCTS = [
    "Lagerverwaltung", "Wartungsvertrag", "Ersatzteile", "Druckluftkompressoren",
    "Softwarelizenzen", "Etikettendrucker", "Förderbänder", "Hydraulikpumpen",
    "Schutzausrüstung", "Büromöbel", "Verpackungsmaterial", "Schweißgeräte",
    "Steuerungsmodule", "Kühlaggregate", "Messgeräte", "Reinigungsanlage",
    "Datensicherung", "Zeiterfassung", "Fahrzeugflotte", "Solarmodule",
]  # fmt: skip
FAIRS = ["Hannover Messe", "Swissbau", "LogiMAT", "Intertool", "Cebit-Nachfolger", "Eurobike"]

# Subjects by contact type; {product}, {fair}, {number} and {year} are filled in.
SUBJECTS = {
    "Akquise": [
        "Erstgespräch zu {product}",
        "Vorstellung unseres Angebots für {product}",
        "Interesse an {product} geweckt",
        "Bedarfsanalyse {product}",
        "Empfehlung durch Bestandskunden: {product}",
    ],
    "Offertbesprechung": [
        "Offerte {number} besprochen",
        "Rückfragen zur Offerte {product}",
        "Nachfassen Offerte {number}",
        "Überarbeitete Offerte für {product}",
    ],
    "Konditionsvereinbarung": [
        "Rahmenvertrag {year}: Konditionen",
        "Mengenrabatt für {product} vereinbart",
        "Zahlungsziel auf 60 Tage verlängert",
        "Preisanpassung {year} besprochen",
    ],
    "Reklamation": [
        "Lieferverzug bei {product}",
        "Beschädigte Ware, Lieferung {number}",
        "Rechnung {number} fehlerhaft",
        "Mängelrüge {product}",
    ],
    "Support": [
        "Installationsfrage {product}",
        "Schulungswunsch für {product}",
        "Fehlermeldung beim Datenimport",
        "Ersatzgerät für {product} angefragt",
    ],
    "Terminvereinbarung": [
        "Jahresgespräch {year} vereinbart",
        "Besuchstermin vor Ort",
        "Treffen an der {fair}",
        "Termin für Produktvorführung {product}",
    ],
}
SUBJECT_WITHOUT_TYPE = ["Kurze Rückmeldung", "Allgemeiner Austausch", "Neue Ansprechperson"]

OPENINGS = {
    "Akquise": [
        "{person} hat sich nach unserem Angebot für {product} erkundigt.",
        "Erstes Gespräch mit {person}; die Firma prüft dieses Jahr neue Lösungen für {product}.",
    ],
    "Offertbesprechung": [
        "Die Offerte wurde mit {person} Punkt für Punkt durchgegangen.",
        "{person} hat die Offerte intern vorgestellt und meldet Rückfragen.",
    ],
    "Konditionsvereinbarung": [
        "Mit {person} die Konditionen für das kommende Jahr verhandelt.",
        "{person} wünscht bessere Konditionen bei höherer Abnahmemenge.",
    ],
    "Reklamation": [
        "{person} meldet, dass die Lieferung unvollständig angekommen ist.",
        "Reklamation von {person}: {product} funktioniert seit der Montage nicht zuverlässig.",
    ],
    "Support": [
        "{person} hatte Fragen zur Einrichtung von {product}.",
        "Telefonische Unterstützung für {person} bei {product}.",
    ],
    "Terminvereinbarung": [
        "Mit {person} einen Termin vereinbart.",
        "{person} schlägt einen Besuch bei uns im Haus vor.",
    ],
}
DETAILS = [
    "Budget ist freigegeben, Entscheid fällt voraussichtlich im nächsten Quartal.",
    "Der Einkauf möchte mindestens zwei Vergleichsangebote sehen.",
    "Die bisherige Lösung läuft noch bis Ende Jahr.",
    "Liefertermin ist für die Produktion entscheidend.",
    "Die Geschäftsleitung wird beim nächsten Gespräch dabei sein.",
    "Preislich liegen wir im Rahmen, die Lieferzeit ist das Thema.",
    "Unterlagen wurden per E-Mail nachgereicht.",
    "Ein Referenzbesuch bei einem Bestandskunden würde helfen.",
    "Die Zusammenarbeit wird insgesamt sehr geschätzt.",
    "Technische Fragen klärt unser Innendienst direkt mit der Werkstatt.",
]
BULLETS = [
    "Muster bis Ende Monat zustellen",
    "Preisliste {year} beilegen",
    "Technisches Datenblatt zu {product} senden",
    "Referenzen zusammenstellen",
    "Liefertermin mit der Disposition klären",
    "Gutschrift über den Minderbetrag auslösen",
    "Rückruf durch den Innendienst",
    "Vertragsentwurf an die Rechtsabteilung",
    "Schulungstermin für zwei Mitarbeitende reservieren",
    "Protokoll an alle Beteiligten",
]
CLOSINGS = [
    "Nächster Schritt: Rückmeldung bis Ende nächster Woche.",
    "Wir bleiben dran.",
    "Stimmung im Gespräch: sehr positiv.",
    "Bitte im nächsten Jour fixe besprechen.",
]


def fill(template: str, rng: random.Random, person: str = "") -> str:
    return template.format(
        product=rng.choice(PRODUCTS),
        fair=rng.choice(FAIRS),
        number=f"{rng.randint(2020, 2026)}-{rng.randint(100, 999)}",
        year=rng.randint(2024, 2027),
        person=person or "Die Kundin",
    )


def subject(rng: random.Random, type_name: str | None) -> str:
    return fill(rng.choice(SUBJECTS.get(type_name or "", SUBJECT_WITHOUT_TYPE)), rng)


def text(rng: random.Random, type_name: str | None, person: str = "") -> str:
    """HTML from one sentence to a few paragraphs, some with a bullet list of to-dos."""
    openings = OPENINGS.get(type_name or "", ["Kurzer Austausch mit {person}."])
    length = rng.choices([0, 1, 2, 3], weights=[10, 35, 35, 20])[0]
    parts = [f"<p>{fill(rng.choice(openings), rng, person)}</p>"]
    if length >= 1:
        details = rng.sample(DETAILS, k=min(len(DETAILS), length + 1))
        parts.append("<p>" + " ".join(details) + "</p>")
    if length >= 2:
        items = rng.sample(BULLETS, k=rng.randint(2, 4))
        parts.append(
            "<p><strong>Vereinbart:</strong></p><ul>"
            + "".join(f"<li>{fill(item, rng)}</li>" for item in items)
            + "</ul>"
        )
    if length >= 3:
        parts.append(f"<p>{rng.choice(CLOSINGS)}</p>")
    return "".join(parts)


# --- the demo ---------------------------------------------------------------------------------

# Kinds weighted as an SME's journal looks: mostly phone calls and e-mails.
KIND_WEIGHTS = {"Telefonat": 35, "E-Mail": 30, "Besuch": 12, "Brief": 8, "Messe": 8, "Fax": 2}
TYPE_WEIGHTS = {
    "Akquise": 20, "Offertbesprechung": 18, "Konditionsvereinbarung": 10, "Reklamation": 10,
    "Support": 17, "Terminvereinbarung": 15, None: 10,
}  # fmt: skip
# Recurring follow-ups of the demo: (RRULE, subject).
RECURRING = [
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "Telefonische Bestellaufnahme (alle 2 Wochen)"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "Monatsabschluss Konsignationslager"),
    ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", "Quartalsgespräch Rahmenvertrag"),
]
WRITERS = ["admin", "vertrieb", "marketing"]  # the demo users who may write the journal
# Each contact costs a service call (validation, history): the journal covers this many
# companies (the showcase ones first, then spread over the rest), so ``make run`` stays quick.
MAX_COMPANIES = 80


def load_demo_journal(*, seed: int, by) -> int:
    """Contacts for the demo companies, once; returns how many were created (0 if any existed).

    Follow-ups are dated from today, so every demo shows some overdue, some due
    today (the login reminder) and some in the coming weeks.
    """
    if Contact.objects.exists():
        return 0
    kinds, types = seed_contact_master_data()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=WRITERS)}
    writers = [users[name] for name in WRITERS if name in users] or [by]
    rng = random.Random(f"journal-{seed}")
    now = timezone.now().replace(second=0, microsecond=0)
    companies = _companies()
    if not companies:
        return 0
    planned = _plan(rng, companies, kinds, types, writers, now)
    with transaction.atomic():
        for data, present, recorder, follow_up in planned:
            contact = services.contact_create(data=data, by=recorder, people=present)
            if follow_up == "done":
                services.follow_up_done(
                    contact=contact, by=contact.follow_up_owner, now=min(data["follow_up_due"], now)
                )
        _recurring(rng, companies, kinds, types, writers, now)
        _absence(users, by)
    return Contact.objects.count()


def _companies() -> list[Company]:
    ids = list(
        Company.objects.filter(archived_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    if len(ids) > MAX_COMPANIES:
        head = ids[:10]  # the showcase companies of the demo
        rest = ids[10:]
        step = len(rest) / (MAX_COMPANIES - len(head))
        ids = head + [rest[int(i * step)] for i in range(MAX_COMPANIES - len(head))]
    return list(Company.objects.filter(pk__in=ids).prefetch_related("people").order_by("pk"))


def _plan(rng, companies, kinds, types, writers, now) -> list[tuple[dict, list, object, str]]:
    """(data, people, recorded by, follow-up state) of each contact, oldest first."""
    kind_names, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    type_names, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    planned = []
    for company in companies:
        people = list(company.people.all())
        for _ in range(rng.randint(2, 8)):
            type_name = rng.choices(type_names, weights=type_weights)[0]
            present = rng.sample(people, k=min(len(people), rng.choice([0, 1, 1, 1, 2])))
            occurred = now - datetime.timedelta(
                days=rng.randint(1, 730), hours=rng.randint(0, 9), minutes=rng.choice([0, 30])
            )
            data = {
                "occurred_at": occurred,
                "company": company,
                "kind": kinds[rng.choices(kind_names, weights=kind_weights)[0]],
                "type": types[type_name] if type_name else None,
                "subject": subject(rng, type_name),
                "text": text(rng, type_name, str(present[0]) if present else ""),
            }
            planned.append([data, present, rng.choice(writers), ""])
    planned.sort(key=lambda entry: entry[0]["occurred_at"])
    _assign_follow_ups(rng, planned, writers, now)
    return planned


def _assign_follow_ups(rng, planned: list, writers: list, now) -> None:
    """Follow-ups on the latest contacts: per writer overdue, due today, later; a few done."""
    local = timezone.localtime(now)
    states = []
    for owner in writers:
        states += [(owner, "overdue", rng.randint(1, 14)) for _ in range(2)]
        states += [(owner, "today", 0)]
        states += [(owner, "later", rng.randint(1, 42)) for _ in range(4)]
        states += [(owner, "done", rng.randint(1, 20)) for _ in range(2)]
    rng.shuffle(states)
    for entry, (owner, state, days) in zip(reversed(planned), states, strict=False):
        data = entry[0]
        if state == "overdue":
            due = local.replace(hour=10, minute=0) - datetime.timedelta(days=days)
        elif state == "today":
            due = local.replace(hour=16, minute=0)
        elif state == "later":
            due = local.replace(hour=9, minute=0) + datetime.timedelta(days=days)
        else:
            due = data["occurred_at"] + datetime.timedelta(days=days)
        # A follow-up is due after its contact: move the contact back if needed.
        if data["occurred_at"] >= due:
            data["occurred_at"] = due - datetime.timedelta(days=rng.randint(2, 10))
        data["follow_up_owner"] = owner
        data["follow_up_due"] = due
        entry[3] = state


def _recurring(rng, companies, kinds, types, writers, now) -> None:
    """A few series; the fortnightly one has a done occurrence, so the series shows."""
    local = timezone.localtime(now)
    for index, (rule, title) in enumerate(RECURRING):
        company = companies[(index * 7) % len(companies)]
        people = list(company.people.all())[:1]
        started = local.replace(hour=9, minute=0) - datetime.timedelta(days=20 if index == 0 else 0)
        due = recurrence.first(rule, started)
        owner = writers[(index + 1) % len(writers)]
        with_whom = people[0] if people else "dem Einkauf"
        contact = services.contact_create(
            data={
                "occurred_at": started - datetime.timedelta(days=1),
                "company": company,
                "kind": kinds["Telefonat"],
                "type": types["Konditionsvereinbarung" if index == 2 else "Akquise"],
                "subject": title,
                "text": f"<p>Wiederkehrender Kontakt, vereinbart mit {with_whom}.</p>",
                "follow_up_owner": owner,
                "follow_up_due": due,
                "recurrence_rule": rule,
                "recurrence_start": due,
            },
            by=owner,
            people=people,
        )
        # The first fortnightly call lies in the past and was made: the next one is open.
        while index == 0 and contact is not None and contact.follow_up_due < now:
            contact = services.follow_up_done(contact=contact, by=owner, now=contact.follow_up_due)


def _absence(users: dict, by) -> None:
    """Marketing is on holiday today; Vertrieb stands in and sees the follow-ups at login."""
    absent, deputy = users.get("marketing"), users.get("vertrieb")
    if absent is None or deputy is None:
        return
    today = timezone.localdate()
    services.absence_create(
        data={
            "user": absent,
            "deputy": deputy,
            "starts_on": today - datetime.timedelta(days=2),
            "ends_on": today + datetime.timedelta(days=9),
            "reason": AbsenceReason.VACATION,
            "note": "Herbstferien",
        },
        by=by,
    )
