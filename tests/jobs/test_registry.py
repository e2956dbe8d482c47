"""Registering kinds of job."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from merkur.jobs import registry
from merkur.jobs.registry import UnknownJobKind, get_kind, job, kind_title


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_kinds", dict(registry._kinds))


def test_a_registered_kind_is_found_with_its_title_and_attempts(clean_registry):
    @job("tests.registered", title="Registriert", max_attempts=5)
    def registered(context) -> dict:
        return {}

    kind = get_kind("tests.registered")
    assert (kind.func, kind.title, kind.max_attempts) == (registered, "Registriert", 5)
    assert registered.job_kind == "tests.registered"
    assert kind_title("tests.registered") == "Registriert"


def test_a_name_taken_by_another_function_is_refused(clean_registry):
    @job("tests.taken", title="A")
    def first(context) -> None:
        pass

    with pytest.raises(ImproperlyConfigured, match="registered twice"):

        @job("tests.taken", title="B")
        def second(context) -> None:
            pass


@pytest.mark.parametrize("name, attempts", [("", 3), ("x" * 101, 3), ("tests.ok", 0)])
def test_bad_declarations_are_refused(name, attempts):
    with pytest.raises(ImproperlyConfigured):
        job(name, title="x", max_attempts=attempts)


def test_an_unknown_kind_raises_and_its_title_is_its_name():
    with pytest.raises(UnknownJobKind):
        get_kind("tests.unknown")
    assert kind_title("tests.unknown") == "tests.unknown"


def test_the_test_kinds_were_discovered_on_import():
    assert {"tests.items", "tests.echo", "tests.file"} <= set(registry.kinds())
