"""The attribute master pages: list, create, edit, choices, delete — administrators only."""

import datetime

import pytest
from django.urls import reverse

from merkur.attributes import services
from merkur.attributes.models import AttributeChoice, AttributeDefinition
from merkur.core.roles import Role
from tests.conftest import client_for
from tests.factories import make_attribute, make_company

pytestmark = pytest.mark.django_db


def _form_data(**overrides) -> dict:
    data = {
        "code": "mitarbeiter",
        "label": "Mitarbeiter",
        "label_en": "Employees",
        "help_text": "",
        "type": "integer",
        "for_companies": "on",
        "multi_valued": "",
        "group": "Kennzahlen",
        "sort_order": "10",
        "is_active": "on",
        "unit": "",
        "min_value": "0",
        "max_value": "",
        "link_kind": "",
        "choices_text": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def _edit_data(definition, **overrides) -> dict:
    data = _form_data(code=definition.code, type=definition.type, version=definition.version)
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES, Role.MARKETING, Role.READ_ONLY])
def test_master_permission_matrix(users, role):
    definition = make_attribute("sprache", type="choice", choices=["de"])
    choice = definition.choices.get()
    client = client_for(users[role])
    expected = 200 if role == Role.ADMIN else 403
    pages = [
        ("get", reverse("attributes:list"), {}),
        ("get", reverse("attributes:create"), {}),
        ("get", reverse("attributes:edit", args=[definition.pk]), {}),
        ("get", reverse("attributes:delete", args=[definition.pk]), {}),
        ("post", reverse("attributes:create"), {"code": ""}),
        ("post", reverse("attributes:edit", args=[definition.pk]), {"code": ""}),
        ("post", reverse("attributes:choice_add", args=[definition.pk]), {"label": ""}),
    ]
    for method, url, data in pages:
        response = getattr(client, method)(url, data)
        assert response.status_code in ((expected, 400) if expected == 200 else (403,)), url
    for url in (
        reverse("attributes:choice_update", args=[choice.pk]),
        reverse("attributes:delete", args=[definition.pk]),
    ):
        response = client.post(url, {"label": "x"})
        assert response.status_code == (302 if role == Role.ADMIN else 403)
    navbar = client.get(reverse("home")).content
    assert (reverse("attributes:list").encode() in navbar) is (role == Role.ADMIN)


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("attributes:list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_list_shows_definitions_with_value_counts(admin_client):
    licences = make_attribute(group="Lizenzen")
    make_attribute("notiz", type="text", for_people=True)
    services.value_set(
        definition=licences,
        record=make_company(),
        value=3,
        valid_from=datetime.date(2025, 1, 1),
        by=None,
    )
    response = admin_client.get(reverse("attributes:list"))
    assert response.status_code == 200
    counts = {d.code: d.value_count for d in response.context["definitions"]}
    assert counts == {"lizenzen": 1, "notiz": 0}
    assert b"<code>notiz</code>" in response.content


def test_create_with_choices(admin_client):
    response = admin_client.post(
        reverse("attributes:create"),
        _form_data(code="groesse", type="choice", min_value="", choices_text="klein\n\ngross\n"),
    )
    definition = AttributeDefinition.objects.get(code="groesse")
    assert response.status_code == 302
    assert response["Location"] == definition.get_absolute_url()
    assert [c.label for c in definition.choices.all()] == ["klein", "gross"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "kein slug!"}, "code"),
        ({"type": "nonsense"}, "type"),
        ({"type": "link", "min_value": ""}, "link_kind"),
        ({"min_value": "10", "max_value": "5"}, "max_value"),
        ({"for_companies": ""}, "for_companies"),
        ({"min_value": "abc"}, "min_value"),
    ],
)
def test_create_with_bad_input_shows_field_errors(admin_client, overrides, field):
    response = admin_client.post(reverse("attributes:create"), _form_data(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert not AttributeDefinition.objects.exists()


def test_duplicate_code_is_a_field_error(admin_client):
    make_attribute("mitarbeiter")
    response = admin_client.post(reverse("attributes:create"), _form_data())
    assert response.context["form"].errors.get("code")


def test_edit_saves_and_records_version(admin_client):
    definition = make_attribute("mitarbeiter")
    response = admin_client.post(
        reverse("attributes:edit", args=[definition.pk]),
        _edit_data(definition, label="Beschäftigte", max_value="1000", type="integer"),
    )
    assert response.status_code == 302
    definition.refresh_from_db()
    assert (definition.label, definition.max_value, definition.version) == ("Beschäftigte", 1000, 2)


def test_type_change_with_values_is_refused_on_the_field(admin_client):
    definition = make_attribute("mitarbeiter")
    services.value_set(
        definition=definition,
        record=make_company(),
        value=3,
        valid_from=datetime.date(2025, 1, 1),
        by=None,
    )
    response = admin_client.post(
        reverse("attributes:edit", args=[definition.pk]), _edit_data(definition, type="decimal")
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("type")
    definition.refresh_from_db()
    assert definition.type == "integer"


def test_stale_version_is_a_form_error_not_a_500(admin_client):
    definition = make_attribute("mitarbeiter")
    services.definition_update(
        definition=definition, data={"label": "Neu"}, expected_version=None, by=None
    )
    response = admin_client.post(
        reverse("attributes:edit", args=[definition.pk]),
        _edit_data(definition, label="Alt", version=1),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_choices_add_rename_deactivate(admin_client):
    definition = make_attribute("groesse", type="choice", choices=["klein"])
    small = definition.choices.get()
    response = admin_client.post(
        reverse("attributes:choice_add", args=[definition.pk]), {"label": "gross"}
    )
    assert response.status_code == 302
    response = admin_client.post(
        reverse("attributes:choice_add", args=[definition.pk]), {"label": "GROSS"}
    )
    assert response.status_code == 400
    assert response.context["choice_form"].errors.get("label")
    admin_client.post(reverse("attributes:choice_update", args=[small.pk]), {"label": "mini"})
    small.refresh_from_db()
    assert (small.label, small.is_active) == ("mini", False)
    admin_client.post(
        reverse("attributes:choice_update", args=[small.pk]), {"label": "mini", "is_active": "on"}
    )
    small.refresh_from_db()
    assert small.is_active
    response = admin_client.post(
        reverse("attributes:choice_update", args=[small.pk]), {"label": "gross"}, follow=True
    )
    small.refresh_from_db()
    assert small.label == "mini"
    assert list(response.context["messages"])
    assert AttributeChoice.objects.count() == 2
    page = admin_client.get(reverse("attributes:edit", args=[definition.pk]))
    assert b'id="choices"' in page.content


def test_delete_unused_and_refuse_used(admin_client):
    unused = make_attribute("frei")
    used = make_attribute("belegt")
    services.value_set(
        definition=used,
        record=make_company(),
        value=3,
        valid_from=datetime.date(2025, 1, 1),
        by=None,
    )
    response = admin_client.post(reverse("attributes:delete", args=[unused.pk]))
    assert response.status_code == 302
    assert not AttributeDefinition.objects.filter(pk=unused.pk).exists()
    response = admin_client.post(reverse("attributes:delete", args=[used.pk]), follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    assert AttributeDefinition.objects.filter(pk=used.pk).exists()
    page = admin_client.get(reverse("attributes:delete", args=[used.pk]))
    assert b"confirm-form" not in page.content
