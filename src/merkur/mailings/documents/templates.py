"""Compiling a mailing's templates in the sandbox, checked against the merge fields.

``compile_checked(source, *, part, known, where=…)`` compiles ``source`` with
``core.templating.Sandbox`` and refuses — before anything is produced — a template
that reads a name that is not a merge field, with a message naming the field and
where it is (``where(line)`` turns a template line into "paragraph 3" …).
"""

from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _
from jinja2 import nodes

from merkur.core.templating import Sandbox, TemplateProblem, UserTemplate

# Names a template may read without being fields: Jinja's own and the sandbox's globals.
BUILTIN_NAMES = frozenset(
    {"loop", "caller", "varargs", "kwargs", "range", "dict", "namespace", "cycler", "joiner",
     "true", "false", "none", "True", "False", "None"}
)  # fmt: skip


def unknown_names(template: UserTemplate, known: Iterable[str]) -> list[tuple[str, int]]:
    """``(name, line)`` of every name the template reads that is neither a field nor set by
    the template itself (``{% set %}``, a loop variable, a macro's argument)."""
    tree = template.sandbox.parse(template.source)
    assigned = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    allowed = set(known) | BUILTIN_NAMES | assigned
    found = []
    seen = set()
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in allowed and node.name not in seen:
            seen.add(node.name)
            found.append((node.name, node.lineno))
    return found


def compile_checked(
    source: str,
    *,
    part: str,
    known: Iterable[str],
    sandbox: Sandbox | None = None,
    where: Callable[[int], str] | None = None,
) -> UserTemplate:
    """The compiled template; ``TemplateProblem`` for a syntax error or an unknown field."""
    sandbox = sandbox or Sandbox()
    try:
        template = sandbox.compile(source, part=part)
    except TemplateProblem as problem:
        if where is not None and problem.line is not None:
            raise TemplateProblem(f"{where(problem.line)}: {problem.message}", part=part) from None
        raise
    unknown = unknown_names(template, known)
    if unknown:
        name, line = unknown[0]
        message = _("“%(name)s” is not a merge field.") % {"name": name}
        if where is not None:
            message = f"{where(line)}: {message}"
        if len(unknown) > 1:
            message += " " + _("Also unknown: %(names)s.") % {
                "names": ", ".join(f"“{other}”" for other, _line in unknown[1:])
            }
        # With ``where`` the message names the place itself ("paragraph 3"), not a line.
        raise TemplateProblem(message, part=part, line=None if where is not None else line)
    return template
