"""The selection tests read English texts (messages of the definition checks)."""

import pytest


@pytest.fixture
def user_locale():
    return "en"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
