"""``{% my_follow_ups_panel %}``: "Meine Pendenzen" on the start page."""

from django import template

register = template.Library()


@register.inclusion_tag("journal/partials/follow_up_panel.html", takes_context=True)
def my_follow_ups_panel(context) -> dict:
    from merkur.journal.views.followups import panel_context

    return panel_context(context["request"])
