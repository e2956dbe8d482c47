"""What demo and generated data are made of: master entries, real places, names, phones.

Shared by ``merkur demo`` (through the services) and ``merkur generate`` (bulk).
"""

import random
from dataclasses import dataclass

import phonenumbers
from django.db import transaction
from faker import Faker

from merkur.companies.models import (
    CompanyClass,
    Function,
    Industry,
    InterestArea,
    LegalForm,
    PersonCode,
    SalesRep,
    Salutation,
    Title,
)
from merkur.core.text import fold

COUNTRY_SHARES = {"DE": 60, "AT": 20, "CH": 18, "LI": 2}
LOCALES = {"DE": "de_DE", "AT": "de_AT", "CH": "de_CH", "LI": "de_CH"}

# --- master data ----------------------------------------------------------------------------

# Industry → (words after a family name, words before it), for believable company names.
INDUSTRIES: dict[str, tuple[list[str], list[str]]] = {
    "Anwendersoftware-Hersteller": (["Software", "Softwareentwicklung", "Informatik"], []),
    "Datenbanksoftware": (["Datensysteme", "Datenbanktechnik", "Data Solutions"], []),
    "IT-Dienstleistungen": (["IT-Service", "Systemhaus", "Netzwerktechnik"], ["Systemhaus"]),
    "Maschinenbau": (["Maschinenbau", "Anlagenbau", "Präzisionstechnik"], []),
    "Elektrotechnik": (["Elektrotechnik", "Elektro", "Antriebstechnik"], []),
    "Automobilzulieferer": (["Fahrzeugteile", "Zerspanungstechnik"], ["Autohaus"]),
    "Chemie und Pharma": (["Chemie", "Pharma", "Labortechnik"], []),
    "Handel": (["Handel", "Handelsgesellschaft", "Großhandel"], ["Kaufhaus"]),
    "Bauwesen": (["Bau", "Bauunternehmung", "Hochbau", "Tiefbau"], ["Baugeschäft"]),
    "Gesundheitswesen": (["Medizintechnik", "Pflegedienste"], ["Praxisklinik", "Apotheke"]),
    "Finanzdienstleistungen": (["Finanzberatung", "Vermögensverwaltung", "Treuhand"], []),
    "Versicherungen": (["Versicherungsmakler", "Assekuranz"], []),
    "Logistik und Transport": (["Logistik", "Transporte"], ["Spedition"]),
    "Energieversorgung": (["Energie", "Solartechnik", "Haustechnik"], ["Stadtwerke"]),
    "Lebensmittel": (["Feinkost", "Getränke", "Nahrungsmittel"], ["Bäckerei", "Metzgerei"]),
    "Hotellerie und Gastronomie": (["Gastronomie"], ["Hotel", "Gasthof"]),
    "Beratung": (["Consulting", "Unternehmensberatung"], []),
    "Medien und Verlage": (["Verlag", "Medien", "Druck"], ["Druckerei"]),
    "Handwerk": (["Schreinerei", "Malerbetrieb"], ["Schreinerei", "Tischlerei"]),
}
INTEREST_AREAS = [
    "CRM", "ERP", "Datenbanken", "Cloud-Lösungen", "IT-Sicherheit", "Schulungen",
    "Wartungsverträge", "Business Intelligence", "E-Commerce", "Dokumentenmanagement",
    "Mobile Lösungen", "Künstliche Intelligenz",
]  # fmt: skip
COMPANY_CLASSES = ["A-Kunde", "B-Kunde", "C-Kunde", "Konzern", "KMU"]
# (name, e-mail, phone, region the rep looks after)
SALES_REPS = [
    ("Anna Schneider", "a.schneider@merkur-demo.de", "+49 40 3018840", "DE-N"),
    ("Thomas Becker", "t.becker@merkur-demo.de", "+49 89 2180450", "DE-S"),
    ("Julia Wagner", "j.wagner@merkur-demo.de", "+49 221 9475230", "DE-W"),
    ("Markus Hofmann", "m.hofmann@merkur-demo.de", "+49 341 2250780", "DE-O"),
    ("Sabine Gruber", "s.gruber@merkur-demo.at", "+43 1 5320460", "AT"),
    ("Reto Meier", "r.meier@merkur-demo.ch", "+41 44 2510740", "CH"),
]
# Legal forms with how often each occurs per country.
LEGAL_FORMS: dict[str, dict[str, int]] = {
    "DE": {"GmbH": 45, "GmbH & Co. KG": 15, "AG": 6, "KG": 6, "OHG": 3, "e.K.": 15,
           "UG (haftungsbeschränkt)": 5, "GbR": 5},
    "AT": {"GmbH": 55, "AG": 10, "OG": 10, "KG": 10, "e.U.": 15},
    "CH": {"AG": 50, "GmbH": 35, "Einzelfirma": 10, "Sàrl": 5},
    "LI": {"AG": 60, "Anstalt": 25, "GmbH": 15},
}  # fmt: skip
NO_SUFFIX_FORMS = {"Einzelfirma"}  # the name carries no legal form
FUNCTIONS = [
    "Geschäftsführer", "Einkäufer", "Einkaufsleiter", "Vertriebsleiter", "IT-Leiter",
    "Buchhaltung", "Marketingleiter", "Personalleiter", "Projektleiter", "Technischer Leiter",
    "Assistenz der Geschäftsführung", "Vorstand",
]  # fmt: skip
PERSON_CODES = [
    "Entscheider",
    "Beeinflusser",
    "Newsletter",
    "Messekontakt",
    "VIP",
    "Weihnachtskarte",
]
SALUTATIONS = [
    ("Herr", "Sehr geehrter Herr"),
    ("Frau", "Sehr geehrte Frau"),
    ("Divers", "Guten Tag"),
]
TITLES = [  # (name, part of the letter salutation)
    ("Dr.", True), ("Prof.", True), ("Prof. Dr.", True), ("Mag.", True),
    ("Dipl.-Ing.", False), ("Dipl.-Kfm.", False),
]  # fmt: skip


@dataclass
class Master:
    """The master entries by name, as the demo and the generator use them."""

    industries: dict[str, Industry]
    interest_areas: dict[str, InterestArea]
    classes: dict[str, CompanyClass]
    reps: dict[str, SalesRep]  # by the region they look after (demo reps only)
    all_reps: list[SalesRep]
    legal_forms: dict[str, LegalForm]
    functions: dict[str, Function]
    person_codes: dict[str, PersonCode]
    salutations: dict[str, Salutation]
    titles: dict[str, Title]


def _seed(model, rows: list[dict]) -> dict:
    """Fill an empty master table; a table that has entries is left as the users made it."""
    if not model.objects.exists():
        model.objects.bulk_create(
            model(sort_order=(i + 1) * 10, **row) for i, row in enumerate(rows)
        )
    return {entry.name: entry for entry in model.objects.all()}


@transaction.atomic
def seed_master_data() -> Master:
    legal_names = dict.fromkeys(name for forms in LEGAL_FORMS.values() for name in forms)
    reps = _seed(SalesRep, [{"name": n, "email": e, "phone": p} for n, e, p, _r in SALES_REPS])
    by_region = {region: reps[name] for name, _e, _p, region in SALES_REPS if name in reps}
    return Master(
        industries=_seed(Industry, [{"name": name} for name in INDUSTRIES]),
        interest_areas=_seed(InterestArea, [{"name": name} for name in INTEREST_AREAS]),
        classes=_seed(CompanyClass, [{"name": name} for name in COMPANY_CLASSES]),
        reps=by_region,
        all_reps=list(reps.values()),
        legal_forms=_seed(LegalForm, [{"name": name} for name in legal_names]),
        functions=_seed(Function, [{"name": name} for name in FUNCTIONS]),
        person_codes=_seed(PersonCode, [{"name": name} for name in PERSON_CODES]),
        salutations=_seed(
            Salutation, [{"name": n, "letter_salutation": s} for n, s in SALUTATIONS]
        ),
        titles=_seed(Title, [{"name": n, "in_letter_salutation": s} for n, s in TITLES]),
    )


# --- places and phone numbers ----------------------------------------------------------------

# Real postal codes with their town and telephone area code; "fr"/"it" marks where
# people mostly speak French or Italian.
PLACES: dict[str, list[tuple[str, str, str, str]]] = {
    "DE": [
        ("10115", "Berlin", "30", ""), ("10178", "Berlin", "30", ""), ("12099", "Berlin", "30", ""),
        ("20095", "Hamburg", "40", ""), ("22297", "Hamburg", "40", ""),
        ("80331", "München", "89", ""), ("81379", "München", "89", ""),
        ("50667", "Köln", "221", ""), ("60311", "Frankfurt am Main", "69", ""),
        ("70173", "Stuttgart", "711", ""), ("40213", "Düsseldorf", "211", ""),
        ("04109", "Leipzig", "341", ""), ("44135", "Dortmund", "231", ""),
        ("45127", "Essen", "201", ""), ("28195", "Bremen", "421", ""),
        ("01067", "Dresden", "351", ""), ("30159", "Hannover", "511", ""),
        ("90402", "Nürnberg", "911", ""), ("47051", "Duisburg", "203", ""),
        ("44787", "Bochum", "234", ""), ("42103", "Wuppertal", "202", ""),
        ("33602", "Bielefeld", "521", ""), ("53111", "Bonn", "228", ""),
        ("48143", "Münster", "251", ""), ("68159", "Mannheim", "621", ""),
        ("76133", "Karlsruhe", "721", ""), ("86150", "Augsburg", "821", ""),
        ("65183", "Wiesbaden", "611", ""), ("52062", "Aachen", "241", ""),
        ("38100", "Braunschweig", "531", ""), ("24103", "Kiel", "431", ""),
        ("09111", "Chemnitz", "371", ""), ("06108", "Halle (Saale)", "345", ""),
        ("39104", "Magdeburg", "391", ""), ("79098", "Freiburg im Breisgau", "761", ""),
        ("55116", "Mainz", "6131", ""), ("23552", "Lübeck", "451", ""),
        ("99084", "Erfurt", "361", ""), ("18055", "Rostock", "381", ""),
        ("34117", "Kassel", "561", ""), ("66111", "Saarbrücken", "681", ""),
        ("93047", "Regensburg", "941", ""), ("97070", "Würzburg", "931", ""),
        ("89073", "Ulm", "731", ""), ("37073", "Göttingen", "551", ""),
        ("69117", "Heidelberg", "6221", ""), ("64283", "Darmstadt", "6151", ""),
        ("49074", "Osnabrück", "541", ""), ("33098", "Paderborn", "5251", ""),
        ("85049", "Ingolstadt", "841", ""), ("07743", "Jena", "3641", ""),
        ("54290", "Trier", "651", ""), ("56068", "Koblenz", "261", ""),
        ("94032", "Passau", "851", ""), ("96047", "Bamberg", "951", ""),
        ("78462", "Konstanz", "7531", ""), ("21335", "Lüneburg", "4131", ""),
        ("02826", "Görlitz", "3581", ""), ("73728", "Esslingen am Neckar", "711", ""),
        ("88045", "Friedrichshafen", "7541", ""), ("87435", "Kempten (Allgäu)", "831", ""),
        ("83022", "Rosenheim", "8031", ""), ("26122", "Oldenburg", "441", ""),
        ("57072", "Siegen", "271", ""), ("95444", "Bayreuth", "921", ""),
        ("91052", "Erlangen", "9131", ""), ("72070", "Tübingen", "7071", ""),
        ("63065", "Offenbach am Main", "69", ""),
    ],
    "AT": [
        ("1010", "Wien", "1", ""), ("1030", "Wien", "1", ""), ("1100", "Wien", "1", ""),
        ("1210", "Wien", "1", ""), ("8010", "Graz", "316", ""), ("4020", "Linz", "732", ""),
        ("5020", "Salzburg", "662", ""), ("6020", "Innsbruck", "512", ""),
        ("9020", "Klagenfurt am Wörthersee", "463", ""), ("9500", "Villach", "4242", ""),
        ("4600", "Wels", "7242", ""), ("3100", "St. Pölten", "2742", ""),
        ("6850", "Dornbirn", "5572", ""), ("2700", "Wiener Neustadt", "2622", ""),
        ("4400", "Steyr", "7252", ""), ("6800", "Feldkirch", "5522", ""),
        ("6900", "Bregenz", "5574", ""), ("8700", "Leoben", "3842", ""),
        ("3500", "Krems an der Donau", "2732", ""), ("7000", "Eisenstadt", "2682", ""),
    ],
    "CH": [
        ("8001", "Zürich", "44", ""), ("8004", "Zürich", "44", ""), ("8050", "Zürich", "44", ""),
        ("4051", "Basel", "61", ""), ("3011", "Bern", "31", ""), ("1003", "Lausanne", "21", "fr"),
        ("1201", "Genève", "22", "fr"), ("8400", "Winterthur", "52", ""),
        ("6003", "Luzern", "41", ""), ("9000", "St. Gallen", "71", ""),
        ("6900", "Lugano", "91", "it"), ("2502", "Biel/Bienne", "32", ""),
        ("3600", "Thun", "33", ""), ("8200", "Schaffhausen", "52", ""),
        ("7000", "Chur", "81", ""), ("1700", "Fribourg", "26", "fr"), ("6300", "Zug", "41", ""),
        ("5000", "Aarau", "62", ""), ("5400", "Baden", "56", ""), ("4600", "Olten", "62", ""),
        ("4500", "Solothurn", "32", ""), ("8500", "Frauenfeld", "52", ""),
        ("2000", "Neuchâtel", "32", "fr"),
    ],
    "LI": [
        ("9490", "Vaduz", "", ""), ("9494", "Schaan", "", ""), ("9495", "Triesen", "", ""),
        ("9496", "Balzers", "", ""), ("9492", "Eschen", "", ""),
    ],
}  # fmt: skip
COUNTRY_CODES = {"DE": "49", "AT": "43", "CH": "41", "LI": "423"}
MOBILE_PREFIXES = {
    "DE": ["151", "160", "170", "171", "172", "175", "176", "177", "178", "179"],
    "AT": ["650", "660", "664", "676", "680", "699"],
    "CH": ["76", "77", "78", "79"],
    "LI": ["78", "79"],
}
_NATIONAL_LENGTHS = {"DE": (10, 11), "AT": (9, 10, 11), "CH": (9,), "LI": (7,)}


def valid_phone(rng: random.Random, country: str, prefix: str) -> str:
    """A random number that ``normalize_phone`` accepts, in its international format."""
    region = country
    for _attempt in range(60):
        length = rng.choice(_NATIONAL_LENGTHS[country])
        start = prefix or str(rng.choice([2, 3]))
        rest = "".join(str(rng.randint(0, 9)) for _ in range(max(length - len(start), 4)))
        rest = str(rng.randint(1, 9)) + rest[1:]  # subscriber numbers never start with 0
        number = phonenumbers.parse(f"+{COUNTRY_CODES[country]}{start}{rest}", region)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    example = phonenumbers.example_number(region)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def rep_region(country: str, postal_code: str) -> str:
    """The region a demo sales rep looks after (see ``SALES_REPS``)."""
    if country != "DE":
        return "AT" if country == "AT" else "CH"
    first = postal_code[:1]
    if first in ("0", "1"):
        return "DE-O"
    if first in ("2", "3"):
        return "DE-N"
    return "DE-W" if first in ("4", "5") else "DE-S"


def mobile_phone(rng: random.Random, country: str) -> str:
    return valid_phone(rng, country, rng.choice(MOBILE_PREFIXES[country]))


def slug(text: str) -> str:
    """An e-mail/domain-safe form of a name: ``Müller & Söhne`` → ``mueller-soehne``."""
    chars = [c if c.isascii() and c.isalnum() else "-" for c in fold(text)]
    return "-".join(part for part in "".join(chars).split("-") if part)


def swiss(text: str, country: str) -> str:
    """Swiss and Liechtenstein German write no ß."""
    return text.replace("ß", "ss") if country in ("CH", "LI") else text


def street(rng: random.Random, fake: Faker, country: str) -> str:
    number = str(rng.randint(1, 140))
    if rng.random() < 0.1:
        number += rng.choice("abc")
    if country == "AT" and rng.random() < 0.3:
        number += f"/{rng.randint(1, 12)}"  # door number, as Austrians write it
    return swiss(f"{fake.street_name()} {number}", country)


def weighted(rng: random.Random, shares: dict[str, int]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def company_name(
    rng: random.Random, fake: Faker, country: str, industry: str
) -> tuple[str, str, str]:
    """(name, legal form, domain) — e.g. ("Huber Maschinenbau GmbH", "GmbH", "huber-….de")."""
    after, before = INDUSTRIES[industry]
    family = fake.last_name()
    roll = rng.random()
    if before and roll < 0.3:
        base = f"{rng.choice(before)} {family}"
    elif roll < 0.45:
        base = f"{family} & {fake.last_name()}"
    elif roll < 0.52:
        base = f"{family} & Söhne"
    else:
        base = f"{family} {rng.choice(after)}"
    legal = weighted(rng, LEGAL_FORMS[country])
    if base.split()[0] in {"Bäckerei", "Metzgerei", "Gasthof", "Apotheke"} and country == "DE":
        legal = "e.K."
    name = swiss(base if legal in NO_SUFFIX_FORMS else f"{base} {legal}", country)
    tld = {"DE": "de", "AT": "at", "CH": "ch", "LI": "li"}[country]
    return name, legal, f"{slug(base)}.{tld}"
