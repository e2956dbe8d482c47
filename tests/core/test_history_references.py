"""Change records' references are Django's to keep (the database checks none of them)."""

from django.contrib.auth import get_user_model

from merkur.core.audit import record_change
from merkur.core.models import ChangeRecord
from tests.factories import make_company


def test_a_deleted_user_leaves_the_history_without_a_name(db):
    user = get_user_model().objects.create_user("weg")
    company = make_company(name="Alpha GmbH")
    record = record_change(obj=company, action="update", user=user, company=company)
    user.delete()
    record.refresh_from_db()
    assert record.user is None


def test_a_deleted_company_takes_its_history_along(db):
    company = make_company(name="Alpha GmbH")
    record_change(obj=company, action="update", user=None, company=company)
    assert ChangeRecord.objects.filter(company=company).exists()
    pk = company.pk
    company.address_links.all().delete()
    company.people.all().delete()
    company.delete()
    assert not ChangeRecord.objects.filter(company_id=pk).exists()
