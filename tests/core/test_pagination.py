import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merkur.companies.models import Company
from merkur.companies.queries import COMPANY_SORTS
from merkur.core.pagination import InvalidCursor, capped_count, keyset_page
from tests.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies():
    # Duplicate sort keys on purpose: the pk must break the ties.
    cities = ["Berlin", "Bonn", "Berlin", "Aachen", "Zürich", "Bonn", "Köln"]
    codes = ["10115", "53111", "10115", "52062", "50667", "53111", "50667"]
    for i in range(21):
        make_company(
            name=f"Firma {i % 5}",
            number=f"K{i:03d}",
            address={"city": cities[i % 7], "postal_code": codes[i % 7]},
        )


def _walk(sort: str, per_page: int) -> list[int]:
    seen, cursor = [], None
    while True:
        page = keyset_page(
            Company.objects.all(), COMPANY_SORTS[sort], cursor=cursor, per_page=per_page
        )
        seen += [c.pk for c in page.items]
        if not page.has_next:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", list(COMPANY_SORTS))
def test_walking_all_pages_visits_every_row_once_in_order(companies, sort):
    expected = list(
        Company.objects.order_by(*COMPANY_SORTS[sort].fields).values_list("pk", flat=True)
    )
    assert _walk(sort, per_page=4) == expected


def test_previous_page_returns_the_page_before(companies):
    ordering = COMPANY_SORTS["city"]
    first = keyset_page(Company.objects.all(), ordering, cursor=None, per_page=5)
    second = keyset_page(Company.objects.all(), ordering, cursor=first.next_cursor, per_page=5)
    back = keyset_page(Company.objects.all(), ordering, cursor=second.previous_cursor, per_page=5)
    assert [c.pk for c in back.items] == [c.pk for c in first.items]
    assert not back.has_previous


@pytest.mark.parametrize("cursor", ["garbage", "eyJrIjogMX0", "eyJrIjpbMV0sImQiOiJuIn0"])
def test_malformed_cursor_is_refused(companies, cursor):
    with pytest.raises(InvalidCursor):
        keyset_page(Company.objects.all(), COMPANY_SORTS["name"], cursor=cursor, per_page=5)


def test_capped_count_is_exact_below_the_cap(companies):
    count = capped_count(Company.objects.all(), cap=100)
    assert (count.value, count.exact) == (21, True)


def test_capped_count_stops_at_the_cap(companies):
    count = capped_count(Company.objects.filter(name__startswith="Firma"), cap=10)
    assert (count.value, count.exact) == (10, False)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(per_page=st.integers(min_value=1, max_value=25), sort=st.sampled_from(list(COMPANY_SORTS)))
def test_any_page_size_walks_the_same_sequence(companies, per_page, sort):
    expected = list(
        Company.objects.order_by(*COMPANY_SORTS[sort].fields).values_list("pk", flat=True)
    )
    assert _walk(sort, per_page) == expected


@pytest.mark.parametrize(
    "values",
    [["Firma", "not-a-number"], ["Firma", 10**30], ["Firma", None], ["x\x00", 1], [["a"], 1]],
)
def test_cursor_values_that_do_not_fit_their_columns_are_refused(companies, values):
    from merkur.core.pagination import _encode

    cursor = _encode(values, "n")
    with pytest.raises(InvalidCursor):
        keyset_page(Company.objects.all(), COMPANY_SORTS["name"], cursor=cursor, per_page=5)
