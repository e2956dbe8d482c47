"""The German catalogs are complete and compiled, and pages speak the user's language."""

import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from merkur.core.roles import Role
from merkur.core.users import user_create
from tests.conftest import PASSWORD

LOCALE = Path(__file__).resolve().parents[2] / "src" / "merkur" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[-.0-9]*[sdrfi]|%[sdrfi]|\{\w*\}|</?[a-z]+[^>]*>")


def _unquote(line: str) -> str:
    # A .po string is a C-style quoted literal; these are the escapes gettext writes.
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list of forms), flags.

    Small on purpose: enough for the catalogs ``makemessages`` writes, so the
    test needs no extra package. Obsolete (``#~``) entries are skipped.
    """
    entries: list[dict] = []
    entry: dict | None = None
    field = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line or line.startswith("#~"):
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt"):
            field, entry["msgctxt"] = "msgctxt", _unquote(line)
        elif line.startswith("msgid_plural"):
            field, entry["msgid_plural"] = "msgid_plural", _unquote(line)
        elif line.startswith("msgid"):
            field, entry["msgid"] = "msgid", _unquote(line)
        elif line.startswith("msgstr"):
            index = int(line[7]) if line.startswith("msgstr[") else 0
            field = ("msgstr", index)
            entry["msgstr"][index] = _unquote(line)
        elif line.startswith('"'):
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
    return entries


def catalog(language: str) -> list[dict]:
    return parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def messages(language: str) -> list[dict]:
    """The catalog without its header entry."""
    return [entry for entry in catalog(language) if entry["msgid"]]


@pytest.mark.parametrize("language", ["de", "de_CH"])
def test_catalog_has_no_untranslated_entries(language):
    untranslated = []
    for entry in messages(language):
        forms = entry["msgstr"]
        if len(forms) < (2 if "msgid_plural" in entry else 1) or not all(forms.values()):
            untranslated.append(entry["msgid"])
    assert untranslated == []


@pytest.mark.parametrize("language", ["de", "de_CH"])
def test_catalog_has_no_fuzzy_entries(language):
    fuzzy = [entry["msgid"] for entry in catalog(language) if "fuzzy" in entry["flags"]]
    assert fuzzy == []


def test_german_translations_keep_every_placeholder_and_tag():
    broken = []
    for entry in messages("de"):
        source = entry.get("msgid_plural", entry["msgid"])
        # The singular form may spell the number out ("eine Firma"); the last form must not.
        target = entry["msgstr"][max(entry["msgstr"])]
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
            broken.append(entry["msgid"])
    assert broken == []


def test_swiss_catalog_is_the_german_one_with_ss_for_eszett():
    german = {(e.get("msgctxt"), e["msgid"]): e["msgstr"] for e in messages("de")}
    swiss = {(e.get("msgctxt"), e["msgid"]): e["msgstr"] for e in messages("de_CH")}
    expected = {
        msgid: {n: text.replace("ß", "ss") for n, text in forms.items()}
        for msgid, forms in german.items()
    }
    assert swiss == expected


@pytest.mark.parametrize("language", ["de", "de_CH"])
def test_compiled_catalog_matches_the_po_file(language):
    # CI has no msgfmt step: the committed .mo must carry every current translation.
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    def compiled_text(entry: dict) -> str:
        if "msgctxt" in entry:
            return compiled.pgettext(entry["msgctxt"], entry["msgid"])
        return compiled.gettext(entry["msgid"])

    stale = [
        entry["msgid"]
        for entry in messages(language)
        if "msgid_plural" not in entry and compiled_text(entry) != entry["msgstr"][0]
    ]
    assert stale == []


@pytest.mark.django_db
def test_login_page_speaks_german_by_default(client):
    response = client.get(reverse("login"))
    assert "Anmelden" in response.content.decode()


@pytest.mark.django_db
def test_company_list_speaks_german_to_a_german_user(admin_client):
    content = admin_client.get(reverse("companies:list")).content.decode()
    assert "Firmen" in content
    assert "Abmelden" in content


@pytest.mark.django_db
def test_company_list_speaks_english_to_a_user_who_chose_english():
    user = user_create(
        username="english", password=PASSWORD, role=Role.ADMIN, locale="en", check_password=False
    )
    client = Client()
    client.force_login(user)
    content = client.get(reverse("companies:list")).content.decode()
    assert "Companies" in content
    assert "Log out" in content
    assert "Firmen" not in content
    assert "Abmelden" not in content


def test_swiss_german_writes_ss_instead_of_eszett():
    with translation.override("de"):
        assert translation.gettext("street and number") == "Straße und Hausnummer"
    with translation.override("de-ch"):
        assert translation.gettext("street and number") == "Strasse und Hausnummer"


@pytest.mark.django_db
def test_company_form_uses_swiss_spelling_for_a_swiss_user():
    user = user_create(
        username="zuerich", password=PASSWORD, role=Role.SALES, locale="de-ch", check_password=False
    )
    client = Client()
    client.force_login(user)
    content = client.get(reverse("companies:create")).content.decode()
    assert "Strasse und Hausnummer" in content
    assert "Straße" not in content


def test_austrian_german_falls_back_to_the_german_catalog():
    with translation.override("de-at"):
        assert translation.gettext("Companies") == "Firmen"
