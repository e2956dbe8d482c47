"""Template helpers shared by the list pages."""

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def export_link(context, base: str, file_format: str) -> str:
    """``base`` with the current list's filters and ``format`` — without the page cursor,
    since an export takes the whole filtered list."""
    query = QueryDict(mutable=True)
    for key, values in context["request"].GET.lists():
        if key not in ("cursor", "format"):
            query.setlist(key, [v for v in values if v != ""])
    query["format"] = file_format
    return f"{base}?{query.urlencode()}"
