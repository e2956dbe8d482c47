"""The template sandbox: no way to Python's internals, files or the network; hostile
templates are stopped by size and time limits; errors name the line."""

import datetime
import time

import pytest
from django.utils import translation

from merkur.core import templating
from merkur.core.templating import Sandbox, TemplateProblem

ROW = {"company": {"name": "Müller & <Söhne>", "city": "Köln"}, "none": None, "items": [1, 2]}


def render(source: str, context: dict | None = None) -> str:
    return Sandbox().compile(source, part="row").render(ROW if context is None else context)


def refused(source: str) -> TemplateProblem:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as problem:
        render(source)
    assert time.monotonic() - started < templating.TIME_LIMIT + 1.5
    return problem.value


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ company.__class__ }}",
        "{{ company|attr('__class__') }}",
        "{{ company['__class__'] }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__['os'] }}",
        "{{ range.__self__ }}",
        "{{ config }}",
        "{{ request }}",
        "{{ lipsum.__globals__ }}",
        "{{ '{0.__class__}'.format(company) }}",
        "{{ company.name.format_map({}) }}",
        "{{ ''.join(['a']) }}",
        "{{ company.name.encode('utf-8') }}",
        "{{ company.items.__self__ }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{% extends 'base.html' %}",
    ],
)
def test_internals_and_files_are_out_of_reach(source):
    problem = refused(source)
    assert problem.line == 1 or problem.line is None


@pytest.mark.parametrize(
    "source",
    [
        "{{ 9 ** (9 ** 9) }}",
        "{{ 'x' * 10 ** 9 }}",
        "{{ [1] * 10 ** 9 }}",
        "{{ 'x'.ljust(10 ** 9) }}",
        "{{ 'x'|center(10 ** 9) }}",
        "{{ ('x' * 1000)|replace('', 'y' * 1000) }}",
        "{{ [1]|batch(10 ** 9, 'x')|list }}",
        "{{ '%999999999d' % 1 }}",
        "{% for i in range(10 ** 9) %}{% endfor %}",
        "{% set r = range(100000) %}{% for a in r %}{% for b in r %}{% endfor %}{% endfor %}",
        "{% set s = 'ab' * 400000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}",
        "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s %}{{ ns.s }}{{ ns.s }}"
        "{% endset %}{% endfor %}{{ ns.s }}",
        "{% set ns = namespace(n=2) %}{% for i in range(64) %}{% set ns.n = ns.n * ns.n %}"
        "{% endfor %}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{% macro f(n) %}{% for i in range(10) %}{{ f(n) }}{% endfor %}{% endmacro %}{{ f(1) }}",
        "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
    ],
)
def test_hostile_templates_are_stopped_quickly(source):
    refused(source)


def test_the_clock_stops_a_slow_template(monkeypatch):
    monkeypatch.setattr(templating, "TIME_LIMIT", 0.05)
    monkeypatch.setattr(templating, "MAX_ITERATIONS", 10**9)
    problem = refused(
        "{% set r = range(100000) %}{% for a in r %}{% for b in r %}{{ a }}{% endfor %}{% endfor %}"
    )
    assert "longer than" in str(problem)


def test_errors_name_the_line():
    problem = refused("first line\nsecond {{ company.nmae }}\nthird")
    assert problem.line == 2
    assert "nmae" in str(problem)
    syntax = refused("a\nb\n{% for %}")
    assert syntax.line == 3


def test_harmless_templates_work():
    source = (
        "{{ company.name|upper }}|{{ company.name|xml }}|{{ company.city|ascii }}|"
        "{{ company.name|fixed(6) }}|{{ 'x'|fixed(3, 'right', '0') }}|{{ none }}|"
        "{% for i in items %}{{ loop.index }}{% endfor %}|{{ 1234.5|number(2, ',', '.') }}|"
        "{{ company.name.split(' ')[0] }}|{{ company.name|csv }}|{{ '0171 / 12 34'|digits }}"
    )
    assert render(source) == (
        "MÜLLER & <SÖHNE>|Müller &amp; &lt;Söhne&gt;|Koeln|Müller|00x||12|1.234,50|"
        "Müller|Müller & <Söhne>|01711234"
    )


def test_fixed_counts_the_values_it_cuts():
    sandbox = Sandbox()
    template = sandbox.compile("{{ company.name|fixed(3) }}", part="row")
    assert template.render(ROW) == "Mül"
    assert sandbox.cut_count == 1
    assert sandbox.notes[0].value == "Müller & <Söhne>"
    strict = sandbox.compile("{{ company.name|fixed(3, cut='error') }}", part="row")
    with pytest.raises(TemplateProblem):
        strict.render(ROW)


def test_csv_filter_quotes_like_a_spreadsheet():
    assert templating.csv_quote('a;"b"') == '"a;""b"""'
    assert templating.csv_quote("plain") == "plain"
    assert templating.csv_quote(" pad") == '" pad"'


def test_xml_filter_drops_forbidden_control_characters():
    assert templating.xml_escape("a\x00b\x1fc\td'") == "abc\td&apos;"


def test_a_huge_template_is_refused():
    with pytest.raises(TemplateProblem):
        Sandbox().compile("x" * (templating.MAX_SOURCE + 1), part="row")


# A list may hold one long text many times over (it keeps references, not copies):
# writing it out, turning it into JSON or adding its lists up would make the copies.
# ``n`` stands for a thousand copies of a million characters.
NESTED = (
    '{% set a = "x" * 1000000 %}{% set l = [a, a, a, a, a, a, a, a, a, a] %}'
    "{% set m = [l, l, l, l, l, l, l, l, l, l] %}{% set n = [m, m, m, m, m, m, m, m, m, m] %}"
)


@pytest.mark.parametrize(
    "source",
    [
        '{% set a = "x" * 1000000 %}{{ [a] * 300 }}',
        NESTED + "{{ n }}",
        NESTED + "{{ n|tojson }}",
        NESTED + "{{ n|string }}",
        NESTED + "{{ [n]|join }}",
        NESTED + "{{ 'x' ~ n }}",
        NESTED + "{{ dict(b=n) }}",
        "{% set ns = namespace(x='x' * 900000) %}{% set l = [ns, ns, ns, ns, ns, ns, ns, ns] %}"
        "{{ [l, l, l, l, l, l, l, l] }}",
        "{{ ([[1] * 1000000] * 300)|sum(start=[])|length }}",
        # a chain of long texts grown in a loop (gigabytes before the clock stops it)
        "{% set ns = namespace(x=[]) %}{% for i in range(3000) %}"
        "{% set ns.x = [ns.x, ('y' * 999990) ~ i] %}{% endfor %}{{ ns.x|length }}",
        # filters whose other arguments would multiply the value
        "{{ '1e300000000'|number }}",
        "{{ '1e100000'|number(0, ',', 'y' * 1000000) }}",
        "{{ ('€' * 100000)|ascii('x' * 1000000) }}",
    ],
)
def test_values_repeated_inside_lists_count_in_full(source):
    started = time.monotonic()
    with translation.override("en"), pytest.raises(TemplateProblem) as problem:
        render(source)
    # refused before the copies are made: at once, and not by running out of memory
    assert time.monotonic() - started < 1.0
    assert "memory" not in str(problem.value)
    assert "writes more than" not in str(problem.value)


def test_a_date_format_is_limited():
    with translation.override("en"), pytest.raises(TemplateProblem, match="date format"):
        render("{{ today.strftime('%c' * 500000) }}", {"today": datetime.date(2024, 5, 1)})
    with translation.override("en"), pytest.raises(TemplateProblem, match="date format"):
        render("{{ today|date('%c' * 500000) }}", {"today": datetime.date(2024, 5, 1)})


def test_sum_is_quick_for_many_lists():
    started = time.monotonic()
    assert render("{{ ([[1]] * 100000)|sum(start=[])|length }}") == "100000"
    assert time.monotonic() - started < 3  # adding them one by one: half a minute


def test_sum_number_and_ascii_still_work():
    assert render("{{ [[1, 2], [3]]|sum(start=[]) }} {{ [1, 2, 3]|sum }}") == "[1, 2, 3] 6"
    assert render("{{ 1234567.891|number(2, ',', '.') }}") == "1.234.567,89"
    assert render("{{ 0.000001|number(2) }}") == "0,00"
    assert render("{{ 'Müller é €'|ascii('?') }}") == "Mueller e ?"
    assert render("{{ [company, company]|length }}") == "2"
