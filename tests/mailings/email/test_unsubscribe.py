"""The unsubscribe link: signed token, confirm page, POST and one-click POST, history."""

import datetime

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone, translation

from merkur.companies.models import Person
from merkur.core.audit import history_of
from merkur.mailings.unsubscribe import read_token, unsubscribe_token, unsubscribe_url
from tests.conftest import client_for
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    company = make_company(name="Saarwerk GmbH")
    return make_person(company, first_name="Jördis", last_name="Größ", email="joerdis@example.com")


@pytest.fixture
def anonymous():
    return Client(enforce_csrf_checks=True)  # as a mail client: no session, no CSRF token


def path_of(url: str) -> str:
    return url.removeprefix("https://crm.example.com")


@pytest.fixture
def link(settings, person):
    settings.MERKUR_BASE_URL = "https://crm.example.com"
    return path_of(unsubscribe_url(person.pk, 17))


def test_the_url_is_absolute_on_the_base_url_and_names_person_and_mailing(settings, person):
    settings.MERKUR_BASE_URL = "https://crm.example.com"
    url = unsubscribe_url(person.pk, 17)
    assert url.startswith("https://crm.example.com/mailings/unsubscribe/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert read_token(token) == (person.pk, 17)


def test_a_token_signed_with_another_salt_or_changed_is_refused(person):
    token = unsubscribe_token(person.pk, 1)
    with pytest.raises(signing.BadSignature):
        read_token(signing.dumps([person.pk, 1], compress=True))  # no salt
    with pytest.raises(signing.BadSignature):
        read_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_get_shows_a_confirm_button_and_changes_nothing(anonymous, link, person):
    response = anonymous.get(link)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="unsubscribe-confirm"' in page
    assert "jo•••••@example.com" in page
    assert "noindex" in page and response["X-Robots-Tag"] == "noindex"
    person.refresh_from_db()
    assert person.marketing_opt_out_at is None
    assert not history_of(person).filter(action="update").exists()


def test_post_sets_the_opt_out_and_records_it_in_the_history(anonymous, link, person):
    response = anonymous.post(link)
    assert response.status_code == 200
    assert 'id="unsubscribe-done"' in response.content.decode()
    person.refresh_from_db()
    assert person.marketing_opt_out_at is not None
    assert person.version == 2
    [record] = history_of(person).filter(action="update")
    assert list(record.changes) == ["marketing_opt_out_at"]
    assert record.changes["marketing_opt_out_at"][0] is None
    assert record.user is None


def test_one_click_post_from_a_mail_client_without_csrf_token(anonymous, link, person):
    response = anonymous.post(
        link,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.marketing_opt_out_at is not None


def test_an_existing_opt_out_date_is_kept(anonymous, link, person):
    earlier = timezone.make_aware(datetime.datetime(2025, 1, 2, 9, 0))
    Person.objects.filter(pk=person.pk).update(marketing_opt_out_at=earlier)
    get = anonymous.get(link)
    assert 'id="unsubscribe-done"' in get.content.decode()  # already: no button
    assert anonymous.post(link).status_code == 200
    person.refresh_from_db()
    assert person.marketing_opt_out_at == earlier
    assert not history_of(person).filter(action="update").exists()


@pytest.mark.parametrize("token", ["x", "W1sxLDJdXQ:abc", "a" * 300])
def test_a_bad_token_gives_a_friendly_400_page(anonymous, person, token):
    response = anonymous.post(f"/mailings/unsubscribe/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    person.refresh_from_db()
    assert person.marketing_opt_out_at is None


def test_a_deleted_person_gives_the_400_page(anonymous, link, person):
    Person.objects.filter(pk=person.pk).delete()
    assert anonymous.get(link).status_code == 400
    assert anonymous.post(link).status_code == 400


def test_other_methods_are_refused(anonymous, link):
    assert anonymous.put(link).status_code == 405


def test_the_page_speaks_the_persons_language(anonymous, link, person):
    Person.objects.filter(pk=person.pk).update(language="en")
    with translation.override("de"):
        page = anonymous.get(link).content.decode()
    assert 'lang="en"' in page
    assert "Yes, unsubscribe" in page


def test_a_logged_in_user_gets_the_same_page(readonly_user, link, person):
    client = client_for(readonly_user)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 200
    person.refresh_from_db()
    assert person.marketing_opt_out_at is not None
