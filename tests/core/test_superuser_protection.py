import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.com", "x-Secret-42!")


@pytest.mark.parametrize("name", ["user_edit", "user_password"])
def test_administrator_by_role_cannot_change_a_superuser(admin_client, superuser, name):
    response = admin_client.post(
        reverse(name, args=[superuser.pk]),
        {"new_password1": "Ganz-Neu-2026!", "new_password2": "Ganz-Neu-2026!", "is_active": ""},
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active
    assert superuser.check_password("x-Secret-42!")
