"""The business tests read English texts: their users speak English (pages and API
answer in the user's language, German by default)."""

import pytest


@pytest.fixture
def user_locale():
    return "en"
