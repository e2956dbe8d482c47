"""Generated contacts (``merkur generate --contacts``): valid rows the journal cannot tell apart."""

import datetime
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from merkur.companies.generate import generate
from merkur.core.text import search_words
from merkur.journal import generate as generate_module
from merkur.journal import richtext
from merkur.journal.catalog import KINDS, TYPES
from merkur.journal.generate import generate_contacts
from merkur.journal.models import Contact, ContactPerson
from merkur.journal.queries import ContactFilter, State
from merkur.journal.services import SEARCH_TEXT_LIMIT

CONTACTS = 400


@pytest.fixture(scope="class")
def generated(django_db_setup, django_db_blocker):
    """30 generated companies and 400 contacts over them, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(companies=30, seed=5)
        out, err = StringIO(), StringIO()
        call_command("generate", contacts=CONTACTS, seed=9, stdout=out, stderr=err)
        yield out.getvalue(), err.getvalue()
        transaction.set_rollback(True)


def _sample(size: int = 60) -> list[Contact]:
    ids = list(Contact.objects.values_list("pk", flat=True))
    chosen = random.Random(4).sample(ids, min(size, len(ids)))
    return list(Contact.objects.filter(pk__in=chosen).prefetch_related("people"))


class TestGeneratedContacts:
    def test_the_requested_number_is_generated_and_reported(self, db, generated):
        out, err = generated
        assert Contact.objects.count() == CONTACTS
        assert f"{CONTACTS:,}" in out.replace(".", ",")
        assert err  # progress

    def test_people_belong_to_the_contacts_company(self, db, generated):
        links = ContactPerson.objects.select_related("contact", "person")
        assert links.exists()
        assert all(link.person.company_id == link.contact.company_id for link in links)

    def test_kinds_and_types_come_from_the_master_tables(self, db, generated):
        kinds = set(Contact.objects.values_list("kind__name", flat=True))
        types = set(Contact.objects.values_list("type__name", flat=True))
        assert kinds <= {name for items in KINDS.values() for name in items}
        assert len(kinds) >= 4
        assert types - {None} <= {name for items in TYPES.values() for name in items}
        assert None in types and len(types) >= 5

    def test_search_text_is_what_the_services_compute(self, db, generated):
        for contact in _sample():
            plain = richtext.to_plain(contact.text)[:SEARCH_TEXT_LIMIT]
            assert contact.search_text == search_words(f"{contact.subject} {plain}")
            assert contact.text == richtext.sanitize(contact.text)

    def test_search_finds_a_word_of_the_subject(self, db, generated):
        contact = _sample(1)[0]
        word = max(contact.subject.split(), key=len)
        assert ContactFilter(q=word.upper()).apply().filter(pk=contact.pk).exists()

    def test_texts_vary_from_one_sentence_to_lists(self, db, generated):
        lengths = [len(text) for text in Contact.objects.values_list("text", flat=True)]
        assert min(lengths) < 200 < max(lengths)
        assert Contact.objects.filter(text__contains="<ul>").exists()

    def test_about_a_tenth_have_open_follow_ups(self, db, generated):
        share = Contact.objects.open_follow_ups().count() / CONTACTS
        assert 0.05 < share < 0.16
        assert Contact.objects.filter(follow_up_done_at__isnull=False).exists()
        assert not Contact.objects.filter(
            follow_up_owner__isnull=False, follow_up_due__isnull=True
        ).exists()
        assert ContactFilter(state=State.OVERDUE).apply().exists()

    def test_twenty_users_record_and_follow_up(self, db, generated):
        assert Contact.objects.values("recorded_by").distinct().count() == generate_module.USERS
        owners = Contact.objects.exclude(follow_up_owner=None).values("follow_up_owner")
        assert owners.distinct().count() > 10

    def test_written_in_the_order_they_occurred(self, db, generated):
        dates = list(Contact.objects.order_by("pk").values_list("occurred_at", flat=True))
        assert dates == sorted(dates)

    def test_occurred_over_ten_years(self, db, generated):
        now = timezone.now()
        dates = Contact.objects.values_list("occurred_at", flat=True)
        assert min(dates) >= now - datetime.timedelta(days=3_651)
        assert max(dates) <= now
        assert min(dates) < now - datetime.timedelta(days=5 * 365)

    def test_created_users_cannot_log_in(self, db, generated):
        from django.contrib.auth import get_user_model

        created = get_user_model().objects.filter(
            username__startswith=generate_module.GENERATED_USER_PREFIX
        )
        assert created.exists()
        assert not any(user.has_usable_password() for user in created)


def test_large_loads_restore_the_indexes_they_drop(db, monkeypatch):
    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            found = set()
            for table in ("journal_contact", "journal_contactperson"):
                found |= set(connection.introspection.get_constraints(cursor, table))
            return found

    generate(companies=5, seed=1)
    before = indexes()
    monkeypatch.setattr(generate_module, "BULK_THRESHOLD", 10)
    result = generate_contacts(contacts=50, seed=3)
    assert result.phases.get("indexes") is not None
    assert indexes() == before
    assert Contact.objects.count() == 50
    contact = Contact.objects.first()
    assert contact.version == 1 and contact.recurrence_rule == "" and not contact.follow_up_skipped
    assert ContactFilter(q=contact.subject.split()[0]).apply().filter(pk=contact.pk).exists()


def test_the_same_seed_gives_the_same_contacts(db):
    generate(companies=5, seed=1)
    now = timezone.now()

    def rows(seed):
        generator = generate_module.Generator(seed=seed, users=[1], now=now)
        generator.plan(40)
        return generator.batch(0, 20, 1), generator.batch(20, 20, 21)

    assert rows(3) == rows(3)
    assert rows(3) != rows(4)


@pytest.mark.parametrize("args", [["--contacts", "0"], ["--contacts", "x"], []])
def test_bad_arguments_are_refused(db, args):
    with pytest.raises(CommandError):
        call_command("generate", *args, stdout=StringIO(), stderr=StringIO())


def test_contacts_without_companies_are_refused(db):
    with pytest.raises(CommandError, match="--companies"):  # in any language
        call_command("generate", contacts=5, stdout=StringIO(), stderr=StringIO())
