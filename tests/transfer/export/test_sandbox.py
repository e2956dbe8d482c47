"""The template sandbox: no way to Python's internals, files or the network; hostile
templates are stopped by size and time limits; errors name the line."""

import time

import pytest

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
