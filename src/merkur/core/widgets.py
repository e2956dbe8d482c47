"""Form widgets that render fast where Django's template-per-option widgets are slow."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class LongSelect(forms.Select):
    """A single-choice ``<select>`` built in Python instead of one template per option.

    Django renders every ``<option>`` through a template: for a list of ~250
    countries that is 20 ms of a list page. Same HTML, a few hundred microseconds.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) == selected else "", label)
                for key, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)
