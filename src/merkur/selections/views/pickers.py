"""Value pickers of the builder: for each value kind of the catalog, which inputs the
editor shows and how their posted values become the definition's value.

A picker reads what was typed as it is ("abc" for a number stays "abc"): checking is
``definition.parse``'s job, which names the problem at the node. Empty inputs give
``None`` (no value, no parameter).
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from merkur.core.users import display_name
from merkur.selections import periods
from merkur.selections.models import SavedSelection

RANGES = ("number_range", "date_range", "text_range", "scalar_range")
LISTS = ("texts", "scalars")
CHOICES_LIMIT = 1000  # entries of a master table offered in a multi-select

PARAM_LABELS = {
    "period": gettext_lazy("Period"),
    "divisions": gettext_lazy("Divisions"),
    "categories": gettext_lazy("Article categories"),
    "currency": gettext_lazy("Currency"),
    "articles": gettext_lazy("Articles"),
    "kinds": gettext_lazy("Kinds"),
    "kind_groups": gettext_lazy("Kind groups"),
    "types": gettext_lazy("Types"),
    "type_groups": gettext_lazy("Type groups"),
    "attribute": gettext_lazy("Attribute"),
    "as_of": gettext_lazy("As of"),
}


def param_label(name: str) -> str:
    return str(PARAM_LABELS.get(name, name.replace("_", " ").capitalize()))


def _number(text: str) -> str:
    text = text.strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # "100000,50" as a German user writes it
    return text


def _id(text: str):
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 20 else text


def read(kind: str, prefix: str, post) -> object:
    """The value of picker ``prefix`` of ``kind`` in the posted form, or None."""
    if kind == "none":
        return None
    if kind in RANGES:
        low, high = (post.get(f"{prefix}-from", "").strip(), post.get(f"{prefix}-to", "").strip())
        if not low and not high:
            return None
        if kind == "number_range":
            return [_number(low), _number(high)]
        return [low, high]
    if kind == "period":
        relative = post.get(f"{prefix}-relative", "")
        if relative == "range":
            return {"from": post.get(f"{prefix}-from", ""), "to": post.get(f"{prefix}-to", "")}
        return {"relative": relative} if relative else None
    if kind == "countries" or kind.startswith("records:"):
        chosen = [item for item in post.getlist(prefix) if item.strip()]
        if not chosen:
            return None
        return chosen if kind == "countries" else [_id(item) for item in chosen]
    if kind in LISTS or kind == "ids":
        # One text of lines, or the entries chosen in a list of fixed choices.
        posted = "\n".join(post.getlist(prefix))
        lines = [line.strip() for line in posted.splitlines() if line.strip()]
        if kind == "ids":
            lines = [_id(line) for line in lines]
        return lines or None
    text = post.get(prefix, "").strip()
    if not text:
        return None
    if kind == "number":
        return _number(text)
    if kind == "id":
        return _id(text)
    return text


def record_choices(model_label: str, user) -> list[tuple[str, str]]:
    """The entries of a master table (or the saved selections the user may see)."""
    model = apps.get_model(model_label)
    if model is SavedSelection:
        queryset = SavedSelection.objects.visible_to(user)
        return [(str(pk), name) for pk, name in queryset.values_list("pk", "name")]
    if model is get_user_model():
        queryset = model.objects.filter(is_active=True).order_by("username")
        return [(str(item.pk), display_name(item)) for item in queryset[:CHOICES_LIMIT]]
    return [(str(item.pk), str(item)) for item in model.objects.all()[:CHOICES_LIMIT]]


def picker(
    kind: str,
    prefix: str,
    value,
    *,
    label: str,
    user,
    required: bool = True,
    choices: list[tuple[str, str]] | None = None,
) -> dict:
    """What the template needs to draw the picker with the stored value in it."""
    widget = kind.split(":", 1)[0] if kind.startswith("records:") else kind
    spec = {
        "kind": widget,
        "prefix": prefix,
        "label": label,
        "required": required,
        "value": "" if value is None or isinstance(value, (list, dict)) else str(value),
        "low": "",
        "high": "",
        "selected": set(),
        "choices": [],
        "relative": "",
    }
    if kind in RANGES and isinstance(value, list) and len(value) == 2:
        spec["low"], spec["high"] = (str(value[0]), str(value[1]))
    elif kind in (*LISTS, "ids") and isinstance(value, list):
        spec["value"] = "\n".join(str(item) for item in value)
    elif kind == "period" and isinstance(value, dict):
        if "relative" in value:
            spec["relative"] = str(value["relative"])
        else:
            spec["relative"] = "range"
            spec["low"], spec["high"] = str(value.get("from", "")), str(value.get("to", ""))
    elif isinstance(value, list):
        spec["selected"] = {str(item) for item in value}
    if kind == "countries":
        spec["choices"] = [(code, name) for code, name in countries]
    elif kind.startswith("records:"):
        spec["choices"] = record_choices(kind.split(":", 1)[1], user)
    elif kind == "period":
        spec["choices"] = [(key, str(label)) for key, label in periods.RELATIVE.items()]
        spec["choices"].append(("range", _("from … to …")))
    if kind == "ids":
        spec["kind"] = "texts"
    if choices is not None and kind in LISTS:
        # Fixed entries (a company's roles, a member's statuses): picked from a list.
        spec["kind"] = "records"
        spec["choices"] = [(key, str(text)) for key, text in choices]
        spec["selected"] = {str(item) for item in value} if isinstance(value, list) else set()
    return spec


# --- attributes: the value's picker follows the chosen attribute's type ------------------------
# An attribute criterion takes ``scalar`` values whose meaning its attribute's type gives:
# a whole number, a date, yes/no, a choice of its list … The builder offers the picker of
# that type and writes the value in the form the criterion checks (ints, booleans, text).

SCALAR_KINDS = ("scalar", "scalars", "scalar_range")


def attribute_of(params: dict, applies: str):
    """The attribute a condition's ``attribute`` parameter names, if it applies."""
    from merkur.attributes.models import AttributeDefinition

    pk = params.get("attribute") if isinstance(params, dict) else None
    if isinstance(pk, bool) or not isinstance(pk, int) or not 1 <= pk < 2**63:
        return None
    return AttributeDefinition.objects.filter(pk=pk, **{applies: True}).first()


def attribute_picker(prefix: str, value, *, applies: str, label: str) -> dict:
    from merkur.attributes.models import AttributeDefinition

    definitions = AttributeDefinition.objects.filter(**{applies: True})
    return {
        **picker("text", prefix, value, label=label, user=None),
        "kind": "choice",
        "choices": [(str(item.pk), item.display_label) for item in definitions],
    }


def _typed_kind(definition, kind: str) -> str:
    """The ordinary value kind a scalar kind stands for with this attribute."""
    from merkur.attributes.models import CHOICE_TYPES, AttributeType

    if kind not in SCALAR_KINDS:
        return kind
    shape = {"scalar": "one", "scalars": "list", "scalar_range": "range"}[kind]
    if definition.type in CHOICE_TYPES or definition.type == AttributeType.BOOLEAN:
        return "choice" if shape == "one" else "choice_list"
    base = {
        AttributeType.INTEGER: "number",
        AttributeType.DECIMAL: "number",
        AttributeType.DATE: "date",
    }.get(definition.type, "text")
    return {"one": base, "list": "texts", "range": f"{base}_range"}[shape]


def _attribute_choices(definition) -> list[tuple[str, str]]:
    from merkur.attributes.models import AttributeType

    if definition.type == AttributeType.BOOLEAN:
        return [("true", _("yes")), ("false", _("no"))]
    return [(str(choice.pk), str(choice)) for choice in definition.choices.all()]


def _typed(definition, text):
    """A typed-in or chosen value in the form the attribute's type compares with."""
    from merkur.attributes.models import CHOICE_TYPES, AttributeType

    if not isinstance(text, str):
        return text
    if definition.type == AttributeType.BOOLEAN:
        return {"true": True, "false": False}.get(text, text)
    if definition.type in (*CHOICE_TYPES, AttributeType.INTEGER, AttributeType.LINK):
        number = text.strip().lstrip("-")
        if number.isdigit() and len(number) < 20:
            return int(text)
    return text


def read_attribute_value(definition, kind: str, prefix: str, post):
    typed = _typed_kind(definition, kind)
    if typed == "choice":
        value = post.get(prefix, "") or None
    elif typed == "choice_list":
        value = [item for item in post.getlist(prefix) if item] or None
    else:
        value = read(typed, prefix, post)
    if isinstance(value, list):
        return [_typed(definition, item) for item in value]
    return None if value is None else _typed(definition, value)


def attribute_value_picker(definition, kind: str, prefix: str, value, *, label: str) -> dict:
    typed = _typed_kind(definition, kind)
    shown = value
    if isinstance(value, bool):
        shown = "true" if value else "false"
    spec = picker(
        "texts" if typed == "texts" else typed if typed != "choice_list" else "ids",
        prefix,
        shown,
        label=label,
        user=None,
    )
    if typed in ("choice", "choice_list"):
        spec["kind"] = "choice" if typed == "choice" else "records"
        spec["choices"] = _attribute_choices(definition)
        if isinstance(shown, list):
            spec["selected"] = {
                ("true" if item is True else "false" if item is False else str(item))
                for item in shown
            }
    return spec
