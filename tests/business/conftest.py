"""The business tests read English texts: their users speak English."""

import pytest

from merkur.core import users


@pytest.fixture(autouse=True)
def english_users(monkeypatch):
    # Pages and API answer in the user's language (German by default).
    create = getattr(users.user_create, "__wrapped__", users.user_create)  # under @atomic
    monkeypatch.setitem(create.__kwdefaults__, "locale", "en")
