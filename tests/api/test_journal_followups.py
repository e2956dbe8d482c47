"""``/follow-ups`` (mine, due, as deputy, all) and ``/absences`` with the deputy cycles."""

import datetime

import pytest
from django.utils import timezone

from merkur.journal.models import Absence
from tests.factories import make_absence, make_company, make_contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def follow_ups(sales_user, marketing_user, admin_user) -> dict:
    """Open follow-ups of sales (overdue, due later today, next week) and marketing (tomorrow);
    one done follow-up of sales."""
    company = make_company(by=admin_user)
    now = timezone.now()
    end_of_today = timezone.make_aware(datetime.datetime.combine(TODAY(), datetime.time(23, 59)))

    def make(subject, owner, due):
        return make_contact(
            company, by=admin_user, subject=subject, follow_up_owner=owner, follow_up_due=due
        )

    made = {
        "overdue": make("S überfällig", sales_user, now - datetime.timedelta(days=2)),
        "today": make("S heute", sales_user, end_of_today),
        "later": make("S nächste Woche", sales_user, now + datetime.timedelta(days=7)),
        "marketing": make("M morgen", marketing_user, now + datetime.timedelta(days=1)),
        "done": make("S erledigt", sales_user, now - datetime.timedelta(days=5)),
    }
    from merkur.journal import services

    services.follow_up_done(contact=made["done"], by=sales_user)
    return {name: contact.pk for name, contact in made.items()}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_mine_lists_my_open_follow_ups_soonest_first(sales_api, follow_ups):
    response = sales_api.get("/follow-ups")
    assert _ids(response) == [follow_ups["overdue"], follow_ups["today"], follow_ups["later"]]
    first = response.json()["items"][0]
    assert first["overdue"] is True
    assert first["via_deputy"] is False
    assert first["chain"] == []
    assert first["owner"]["username"] == "vertrieb"
    assert first["handled_by"]["username"] == "vertrieb"
    assert first["follow_up"]["state"] == "overdue"
    assert response.json()["items"][2]["overdue"] is False
    assert response.json()["cycles"] == []


def test_due_stops_at_the_end_of_today(sales_api, follow_ups):
    response = sales_api.get("/follow-ups", {"scope": "due"})
    assert _ids(response) == [follow_ups["overdue"], follow_ups["today"]]


def test_a_deputy_sees_the_follow_ups_of_the_absent_user(
    sales_user, marketing_user, api_as, roles, follow_ups
):
    make_absence(sales_user, marketing_user, starts_on=_days(-1), ends_on=_days(3))
    marketing = api_as(roles.MARKETING)
    mine = marketing.get("/follow-ups")
    assert set(_ids(mine)) == {
        follow_ups["overdue"],
        follow_ups["today"],
        follow_ups["later"],
        follow_ups["marketing"],
    }
    redirected = next(i for i in mine.json()["items"] if i["id"] == follow_ups["overdue"])
    assert redirected["via_deputy"] is True
    assert redirected["owner"]["id"] == sales_user.pk
    assert redirected["handled_by"]["id"] == marketing_user.pk
    assert [u["id"] for u in redirected["chain"]] == [sales_user.pk, marketing_user.pk]
    assert redirected["follow_up"]["owner"]["id"] == sales_user.pk
    own = next(i for i in mine.json()["items"] if i["id"] == follow_ups["marketing"])
    assert own["via_deputy"] is False
    deputy = marketing.get("/follow-ups", {"scope": "deputy"})
    assert _ids(deputy) == [follow_ups["overdue"], follow_ups["today"], follow_ups["later"]]
    due = marketing.get("/follow-ups", {"scope": "due"})
    assert _ids(due) == [follow_ups["overdue"], follow_ups["today"]]


def test_the_chain_goes_on_when_the_deputy_is_away_too(
    sales_user, marketing_user, admin_user, api_as, roles, follow_ups
):
    make_absence(sales_user, marketing_user, starts_on=_days(0), ends_on=_days(2))
    make_absence(marketing_user, admin_user, starts_on=_days(0), ends_on=_days(2))
    admin = api_as(roles.ADMIN)
    items = admin.get("/follow-ups", {"scope": "deputy"}).json()["items"]
    chains = {item["id"]: [u["id"] for u in item["chain"]] for item in items}
    assert chains[follow_ups["overdue"]] == [sales_user.pk, marketing_user.pk, admin_user.pk]
    assert chains[follow_ups["marketing"]] == [marketing_user.pk, admin_user.pk]
    assert _ids(api_as(roles.MARKETING).get("/follow-ups", {"scope": "deputy"})) == []


def test_a_cycle_is_shown_and_the_follow_ups_stay_with_their_owners(
    sales_user, marketing_user, api_as, roles, follow_ups
):
    make_absence(sales_user, marketing_user, starts_on=_days(0), ends_on=_days(2))
    make_absence(marketing_user, sales_user, starts_on=_days(0), ends_on=_days(2))
    response = api_as(roles.SALES).get("/follow-ups")
    assert _ids(response) == [follow_ups["overdue"], follow_ups["today"], follow_ups["later"]]
    assert all(not item["via_deputy"] for item in response.json()["items"])
    [cycle] = response.json()["cycles"]
    assert {u["id"] for u in cycle} == {sales_user.pk, marketing_user.pk}


def test_an_ended_absence_gives_the_follow_ups_back(
    sales_user, marketing_user, api_as, roles, follow_ups
):
    make_absence(sales_user, marketing_user, starts_on=_days(-5), ends_on=_days(-1))
    assert _ids(api_as(roles.MARKETING).get("/follow-ups", {"scope": "deputy"})) == []


def test_all_lists_every_open_follow_up_with_its_handler(
    sales_user, marketing_user, readonly_api, follow_ups
):
    make_absence(marketing_user, sales_user, starts_on=_days(0), ends_on=_days(0))
    response = readonly_api.get("/follow-ups", {"scope": "all"})
    assert _ids(response) == [
        follow_ups["overdue"],
        follow_ups["today"],
        follow_ups["marketing"],
        follow_ups["later"],
    ]
    item = next(i for i in response.json()["items"] if i["id"] == follow_ups["marketing"])
    assert item["via_deputy"] is True
    assert item["handled_by"]["id"] == sales_user.pk
    assert item["owner"]["id"] == marketing_user.pk


def test_an_administrator_may_ask_for_another_user(admin_api, sales_api, sales_user, follow_ups):
    response = admin_api.get("/follow-ups", {"user": sales_user.pk})
    assert _ids(response) == [follow_ups["overdue"], follow_ups["today"], follow_ups["later"]]
    assert _ids(sales_api.get("/follow-ups", {"user": sales_user.pk})) == _ids(response)


def test_others_may_not_ask_for_another_user(sales_api, marketing_user, follow_ups):
    response = sales_api.get("/follow-ups", {"user": marketing_user.pk})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "everything"}, "scope"),
        ({"user": 999999}, "user"),
        ({"user": "me"}, "user"),
        ({"scope": "all", "user": "$self"}, "user"),
        ({"limit": 500}, "limit"),
    ],
    ids=str,
)
def test_bad_follow_up_parameters_are_field_errors(admin_api, admin_user, params, field):
    params = {k: admin_user.pk if v == "$self" else v for k, v in params.items()}
    response = admin_api.get("/follow-ups", params)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_follow_ups_are_paged(sales_api, follow_ups):
    first = sales_api.get("/follow-ups", {"limit": 2}).json()
    assert len(first["items"]) == 2
    assert first["count"] == 3
    second = sales_api.get("/follow-ups", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in second["items"]] == [follow_ups["later"]]
    assert second["next_cursor"] is None


# --- absences ------------------------------------------------------------------------------


def absence(stand_in, **changes) -> dict:
    data = {
        "starts_on": str(_days(1)),
        "ends_on": str(_days(5)),
        "reason": "vacation",
        "deputy": stand_in.pk,
        "note": "Sommerferien",
    }
    data.update(changes)
    return data


def test_an_absence_is_recorded_for_oneself(sales_api, sales_user, marketing_user):
    response = sales_api.post("/absences", absence(marketing_user))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["user"]["id"] == sales_user.pk
    assert data["deputy"]["id"] == marketing_user.pk
    assert data["recorded_by"]["id"] == sales_user.pk
    assert data["reason"] == "vacation"
    assert data["reason_label"]
    assert data["active"] is False
    assert data["version"] == 1
    assert sales_api.get(f"/absences/{data['id']}").json() == data


def test_only_an_administrator_records_the_absence_of_another_user(
    sales_api, admin_api, sales_user, marketing_user, admin_user
):
    other = absence(admin_user, user=marketing_user.pk)
    assert sales_api.post("/absences", other).status_code == 403
    response = admin_api.post("/absences", other)
    assert response.status_code == 201
    assert response.json()["user"]["id"] == marketing_user.pk
    assert response.json()["recorded_by"]["id"] == admin_user.pk
    own = absence(marketing_user, user=sales_user.pk)
    assert sales_api.post("/absences", own).status_code == 201


# (changes to the body, field named in the errors)
BAD_ABSENCES = [
    ({"deputy": "$self"}, "deputy"),
    ({"deputy": 999999}, "deputy"),
    ({"deputy": None}, "deputy"),
    ({"reason": "holiday"}, "reason"),
    ({"starts_on": "morgen"}, "starts_on"),
    ({"starts_on": "2030-02-30"}, "starts_on"),
    ({"starts_on": "0001-01-01"}, "starts_on"),
    ({"ends_on": "9999-12-31"}, "ends_on"),
    ({"user": 999999}, "user"),
    ({"note": "x" * 201}, "note"),
    ({"colour": "red"}, "colour"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), BAD_ABSENCES, ids=str)
def test_bad_absence_input_is_a_field_error(admin_api, admin_user, marketing_user, changes, field):
    changes = {k: admin_user.pk if v == "$self" else v for k, v in changes.items()}
    response = admin_api.post("/absences", absence(marketing_user, **changes))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Absence.objects.exists()


def test_an_absence_that_ends_before_it_starts_is_422(sales_api, marketing_user):
    response = sales_api.post(
        "/absences", absence(marketing_user, starts_on=str(_days(5)), ends_on=str(_days(1)))
    )
    assert response.status_code == 422
    assert "ends_on" in response.json()["errors"]
    assert not Absence.objects.exists()


def test_overlapping_absences_are_refused(sales_api, marketing_user):
    assert sales_api.post("/absences", absence(marketing_user)).status_code == 201
    response = sales_api.post(
        "/absences", absence(marketing_user, starts_on=str(_days(4)), ends_on=str(_days(9)))
    )
    assert response.status_code == 422
    assert "starts_on" in response.json()["errors"]


def test_absences_are_listed_by_who_may_see_them(
    sales_api, admin_api, readonly_api, sales_user, marketing_user, admin_user, readonly_user
):
    own = make_absence(sales_user, marketing_user, starts_on=_days(0), ends_on=_days(2))
    as_deputy = make_absence(admin_user, sales_user, starts_on=_days(10), ends_on=_days(12))
    foreign = make_absence(marketing_user, admin_user, starts_on=_days(20), ends_on=_days(22))

    def ids(api, **params):
        response = api.get("/absences", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(sales_api) == [as_deputy.pk, own.pk]
    assert ids(admin_api) == [foreign.pk, as_deputy.pk, own.pk]
    assert ids(admin_api, user=marketing_user.pk) == [foreign.pk]
    assert ids(admin_api, active_on=str(_days(1))) == [own.pk]
    assert ids(admin_api, active_on=str(_days(30))) == []
    assert ids(sales_api, user=marketing_user.pk) == []
    assert ids(readonly_api) == []
    assert readonly_api.get("/absences", {"active_on": "bald"}).status_code == 422
    assert sales_api.get(f"/absences/{as_deputy.pk}").status_code == 200
    assert sales_api.get(f"/absences/{foreign.pk}").status_code == 404  # not even shown
    assert sales_api.get("/absences/999999").status_code == 404
    item = admin_api.get(f"/absences/{own.pk}").json()
    assert item["active"] is True


def test_an_absence_is_changed_with_its_version(sales_api, sales_user, marketing_user):
    created = make_absence(sales_user, marketing_user, starts_on=_days(1), ends_on=_days(3))
    path = f"/absences/{created.pk}"
    response = sales_api.patch(path, {"ends_on": str(_days(4)), "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["ends_on"] == str(_days(4))
    assert response.json()["version"] == 2
    stale = sales_api.patch(path, {"note": "zu spät", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert sales_api.patch(path, {"user": marketing_user.pk}).status_code == 422
    own_deputy = sales_api.patch(path, {"deputy": sales_user.pk})
    assert own_deputy.status_code == 422
    assert "deputy" in own_deputy.json()["errors"]
    bad = sales_api.patch(path, {"ends_on": str(_days(0))})
    assert bad.status_code == 422
    assert "ends_on" in bad.json()["errors"]


def test_only_the_absent_user_or_an_administrator_changes_an_absence(
    api_as, roles, sales_user, marketing_user
):
    created = make_absence(sales_user, marketing_user, starts_on=_days(1), ends_on=_days(3))
    path = f"/absences/{created.pk}"
    marketing = api_as(roles.MARKETING)  # the deputy: may see it, not change it
    assert marketing.get(path).status_code == 200
    assert marketing.patch(path, {"note": "x"}).status_code == 403
    assert marketing.delete(path).status_code == 403
    assert api_as(roles.SALES).delete(path).status_code == 204
    other = make_absence(sales_user, marketing_user, starts_on=_days(1), ends_on=_days(3))
    assert api_as(roles.ADMIN).delete(f"/absences/{other.pk}").status_code == 204
    assert not Absence.objects.exists()


def test_deputy_cycles_in_a_period(readonly_api, sales_user, marketing_user, admin_user):
    make_absence(sales_user, marketing_user, starts_on=_days(3), ends_on=_days(10))
    make_absence(marketing_user, sales_user, starts_on=_days(5), ends_on=_days(6))
    make_absence(admin_user, sales_user, starts_on=_days(5), ends_on=_days(6))
    response = readonly_api.get("/absences/cycles", {"from": str(_days(0)), "to": str(_days(30))})
    assert response.status_code == 200, response.content
    [cycle] = response.json()
    assert cycle["day"] == str(_days(5))
    assert {u["id"] for u in cycle["users"]} == {sales_user.pk, marketing_user.pk}
    assert readonly_api.get("/absences/cycles", {"to": str(_days(4))}).json() == []
    assert len(readonly_api.get("/absences/cycles").json()) == 1  # today and 90 days on


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2030-01-10", "to": "2030-01-01"},
        {"from": "2030-01-01", "to": "2031-06-01"},
        {"from": "bald"},
        {"from": "9999-12-30"},
    ],
    ids=str,
)
def test_bad_cycle_periods_are_422(readonly_api, params):
    response = readonly_api.get("/absences/cycles", params)
    assert response.status_code == 422, response.content
    assert set(response.json()["errors"]) & {"from", "to", "date_from", "date_to"}


def test_the_follow_up_list_needs_the_same_queries_for_one_or_many_rows(
    marketing_user, sales_user, admin_user, api_as, roles, follow_ups
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_absence(sales_user, marketing_user, starts_on=_days(0), ends_on=_days(1))
    marketing = api_as(roles.MARKETING)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert marketing.get("/follow-ups").status_code == 200
        return len(captured)

    queries_for_list()  # the token's first use is written down once
    before = queries_for_list()
    company = make_company(by=admin_user)
    for owner in (sales_user, marketing_user, sales_user):
        make_contact(company, by=admin_user, follow_up_owner=owner, follow_up_due=timezone.now())
    assert queries_for_list() == before
