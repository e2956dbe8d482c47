"""Fixtures of the transfer tests: English messages and a helper to write sample files."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def write(tmp_path):
    """Write ``data`` (bytes) to a file in the test's folder and return its path."""

    def _write(data: bytes, name: str = "sample.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write
