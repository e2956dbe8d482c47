from django import forms

from merkur.core.widgets import LongSelect


class CountryForm(forms.Form):
    country = forms.ChoiceField(
        choices=[("", "Alle"), ("DE", "Deutschland"), ("CH", "Schweiz <CH>")],
        widget=LongSelect(attrs={"class": "form-select"}),
        required=False,
    )


def test_long_select_renders_like_a_select_with_the_value_selected_and_labels_escaped():
    html = str(CountryForm(data={"country": "CH"})["country"])
    assert html.startswith('<select class="form-select" id="id_country" name="country">')
    assert '<option value="CH" selected>Schweiz &lt;CH&gt;</option>' in html
    assert '<option value="DE">Deutschland</option>' in html
    assert html.count("selected") == 1


def test_long_select_without_value_selects_the_empty_choice_only():
    html = str(CountryForm(data={})["country"])
    assert '<option value="" selected>Alle</option>' in html
