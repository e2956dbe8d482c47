"""403, 404 and 500 pages in Merkur's look."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_server_error_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Merkur" in response.content
    assert b"merkur.css" in response.content


def test_not_found_page_has_a_way_back_for_anonymous_visitors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b'href="/"' in response.content
