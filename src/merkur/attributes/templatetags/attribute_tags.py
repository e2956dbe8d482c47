"""``{% attribute_panel record %}``: the attribute panel on the company and person pages."""

from django import template

register = template.Library()


@register.inclusion_tag("attributes/partials/panel.html", takes_context=True)
def attribute_panel(context, record) -> dict:
    from merkur.attributes.views import panel_context

    return panel_context(context["request"], record)
