"""Who may read and who may write through ``/events`` and ``/mailings``: one rule for both."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from merkur.mailings.api.permissions import require_manage, require_view

pytestmark = pytest.mark.django_db


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize("role", ["admin", "sales", "marketing", "read_only"])
def test_every_role_may_read(users, role):
    require_view(request_of(users[role]))


@pytest.mark.parametrize("role", ["admin", "sales", "marketing"])
def test_roles_with_manage_events_may_write(users, role):
    require_manage(request_of(users[role]))


def test_read_only_users_may_not_write(readonly_user):
    with pytest.raises(PermissionDenied):
        require_manage(request_of(readonly_user))


@pytest.mark.parametrize("check", [require_view, require_manage])
def test_nobody_without_a_login_or_a_role(check, django_user_model):
    with pytest.raises(PermissionDenied):
        check(request_of(AnonymousUser()))
    no_role = django_user_model.objects.create_user("ohne-rolle")
    with pytest.raises(PermissionDenied):
        check(request_of(no_role))
