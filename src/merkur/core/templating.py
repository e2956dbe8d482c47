"""Text templates that users write, run in a sandbox: export formats now, mailings later.

Users write Jinja2 templates (``{{ company.name|fixed(30) }}``, ``{% for … %}``)
to produce any text format: fixed-width files for a lettershop, XML for another
system, CSV with special quoting. A template is not trusted code, so it runs in
``Sandbox``, Jinja2's ``SandboxedEnvironment`` made stricter:

- **No Python internals**: attributes are allowed only on plain data — text,
  numbers, dates, lists, dicts — and only a listed set of harmless text and date
  methods (``upper``, ``strip``, ``year`` …). ``''.__class__``, ``format``,
  ``mro`` and everything else is refused with a ``SecurityError``.
- **No files, no network**: there is no loader, so ``include``, ``import`` and
  ``extends`` fail; no global gives access to anything outside the data passed in.
- **Bounded work**: every loop, call, attribute access and filter counts against
  a time limit (``TIME_LIMIT`` seconds per rendering) and loops against an
  iteration budget (``MAX_ITERATIONS``); no value a template makes may exceed
  ``MAX_VALUE`` characters or items (``"x" * 10**9``, ``9 ** 9 ** 9`` and
  ``s.ljust(10**9)`` are refused before they are computed), and one rendering
  writes at most ``MAX_OUTPUT`` characters.
- **Errors name the line**: ``TemplateProblem`` carries the part (header, row,
  footer …) and the template line of a syntax or runtime error.

A missing variable is an error (``StrictUndefined``: a misspelt column does not
silently print nothing); ``None`` prints as an empty string.

Filters for text formats (besides Jinja2's harmless built-ins): ``xml``,
``csv``, ``fixed``, ``date``, ``number``, ``ascii``, ``digits``; see
``docs/export.md``.
"""

import datetime
import decimal
import itertools
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2 import filters as builtin_filters
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace

MAX_VALUE = 1_000_000  # characters of a text, items of a list a template may make
MAX_OUTPUT = 1_000_000  # characters one rendering may write
MAX_ITERATIONS = 1_000_000  # loop steps in one rendering
MAX_RANGE = 100_000  # items of one range()
MAX_POWER = 1_000  # the largest exponent of ``**``
MAX_INT_BITS = 4_096  # the largest number a template may compute
TIME_LIMIT = 2.0  # seconds for one rendering
MAX_SOURCE = 100_000  # characters of a template's text
MAX_NOTES = 100  # truncations remembered per template set (all are counted)
MAX_FORMAT = 1_000  # characters of a date format
MAX_MARK = 10  # characters of number()'s point and thousands mark and ascii()'s replacement
MAX_EXPONENT = 1_000  # digits before or after the point of a number number() writes

# Methods a template may call on plain values; everything else is refused.
TEXT_METHODS = frozenset(
    {
        "capitalize", "casefold", "center", "count", "endswith", "find", "isalnum",
        "isalpha", "isdigit", "islower", "isnumeric", "isspace", "isupper", "ljust",
        "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind",
        "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith",
        "strip", "swapcase", "title", "upper", "zfill",
    }
)  # fmt: skip
DATE_ATTRIBUTES = frozenset(
    {"year", "month", "day", "hour", "minute", "second", "isoformat", "strftime", "weekday",
     "isoweekday", "date"}
)  # fmt: skip
DICT_METHODS = frozenset({"get", "items", "keys", "values"})
# Jinja2's own helpers: their public attributes (loop.index, ns.total …) are fine.
RUNTIME_TYPES = (Namespace, Cycler, Joiner, LoopContext, Macro)
# Jinja2's built-in filters that cannot make much out of little (``indent``,
# ``format``, ``wordwrap`` and the like are left out or replaced below).
BUILTIN_FILTERS = (
    "abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "e",
    "escape", "first", "float", "forceescape", "groupby", "int", "items", "last", "length",
    "list", "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "round",
    "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title",
    "tojson", "trim", "truncate", "unique", "upper", "wordcount",
)  # fmt: skip

# Letters a lettershop's ASCII file spells out rather than drops.
SPELLED = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS",
     "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th"}
)  # fmt: skip


class TemplateProblem(Exception):
    """A template that cannot be used or failed: the message, the part and the line."""

    def __init__(self, message: str, *, part: str = "", line: int | None = None):
        super().__init__(message)
        self.message = message
        self.part = part
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class Note:
    """A value that ``fixed`` cut to its width (the "visible rule" of fixed-width files)."""

    value: str
    width: int
    context: str = ""  # set by the caller, e.g. "row 12"


@dataclass
class _Budget:
    deadline: float = 0.0
    iterations: int = 0
    notes: list[Note] = field(default_factory=list)
    cut: int = 0


def _too_big(what: str = "") -> SecurityError:
    return SecurityError(
        _("The template makes a value larger than %(limit)s characters or items%(what)s.")
        % {"limit": f"{MAX_VALUE:,}", "what": f" ({what})" if what else ""}
    )


CONTAINERS = (list, tuple, dict, set, frozenset, Namespace)


def _size(value) -> int:
    """About how many characters ``value`` makes as text, nested lists, dicts and
    namespaces counted with everything in them (``[a] * 1000`` weighs a thousand ``a``s,
    although it holds one), a separator per item; counting stops past ``MAX_VALUE``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if not isinstance(value, CONTAINERS):
        return 0
    try:
        return _nested_size(value, {})
    except RecursionError:
        return MAX_VALUE + 1


def _nested_size(value, seen: dict[int, int]) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if not isinstance(value, CONTAINERS):
        return 1
    key = id(value)
    if key in seen:
        return seen[key]
    seen[key] = MAX_VALUE + 1  # a value that holds itself is refused
    if isinstance(value, Namespace):
        value = object.__getattribute__(value, "_Namespace__attrs")
    items = itertools.chain.from_iterable(value.items()) if isinstance(value, dict) else value
    total = 0
    for item in items:
        total += _nested_size(item, seen) + 1
        if total > MAX_VALUE:
            break
    seen[key] = total
    return total


def _checked(value):
    # A value grown past the limit where no operator saw it (a ``{% set ns.x %}`` block
    # doubling itself, a list literal of long texts) is refused when it is read again.
    if _size(value) > MAX_VALUE:
        raise _too_big()
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, CONTAINERS):
        # ``str([a] * 1000)`` would write a thousand copies of ``a``.
        _checked(value)
    return str(value)


class Sandbox(SandboxedEnvironment):
    """The environment every user template runs in (see the module's description)."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def __init__(self, *, extra_filters: dict[str, Callable] | None = None):
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            finalize=_text,
            keep_trailing_newline=False,
            optimized=False,  # constant folding would compute "9**9**9" at compile time
            cache_size=0,
        )
        self._budget = _Budget()
        self.globals = {
            "range": self.guarded_range,
            "dict": dict,
            "namespace": Namespace,
            "cycler": Cycler,
            "joiner": Joiner,
        }
        table = {name: builtin_filters.FILTERS[name] for name in BUILTIN_FILTERS}
        table.update(
            {
                "join": self._join,
                "sum": self._sum,
                "replace": self._replace,
                "center": self._center,
                "xml": xml_escape,
                "csv": csv_quote,
                "fixed": self._fixed,
                "date": format_date,
                "number": format_number,
                "ascii": to_ascii,
                "digits": digits,
            }
        )
        table.update(extra_filters or {})
        self.filters = {name: self._guard_filter(function) for name, function in table.items()}

    # --- budget --------------------------------------------------------------------------

    def start(self) -> None:
        """A new rendering: the clock and the loop budget start again."""
        self._budget.deadline = time.monotonic() + TIME_LIMIT
        self._budget.iterations = 0

    def tick(self) -> None:
        if time.monotonic() > self._budget.deadline:
            raise SecurityError(
                _("The template took longer than %(seconds)s seconds.") % {"seconds": TIME_LIMIT}
            )

    @property
    def notes(self) -> list[Note]:
        return self._budget.notes

    @property
    def cut_count(self) -> int:
        return self._budget.cut

    def guard_loop(self, iterable) -> Iterator:
        """Every loop's iterable: counts the steps and watches the clock."""
        budget = self._budget
        if isinstance(iterable, StrictUndefined):
            iter(iterable)  # raises the undefined's error
        for item in iterable:
            budget.iterations += 1
            if budget.iterations > MAX_ITERATIONS:
                raise SecurityError(
                    _("The template's loops ran more than %(limit)s steps.")
                    % {"limit": f"{MAX_ITERATIONS:,}"}
                )
            if budget.iterations % 256 == 0:
                self.tick()
            yield item

    def guard_concat(self, *items) -> str:
        """``a ~ b``: the parts joined, refused beyond ``MAX_VALUE``."""
        parts = [_text(item) if item is not None else "None" for item in items]
        if sum(len(part) for part in parts) > MAX_VALUE:
            raise _too_big("~")
        return "".join(parts)

    def guarded_range(self, *args) -> range:
        for arg in args:
            if not isinstance(arg, int) or isinstance(arg, bool):
                raise SecurityError(_("range() takes whole numbers."))
        numbers = range(*args)
        if len(numbers) > MAX_RANGE:
            raise SecurityError(
                _("range() is limited to %(limit)s numbers.") % {"limit": f"{MAX_RANGE:,}"}
            )
        return numbers

    # --- what the sandbox intercepts -----------------------------------------------------

    def _parse(self, source: str, name, filename) -> nodes.Template:
        """The parsed template with every loop and ``~`` routed through the guards."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.EnvironmentAttribute("guard_loop"), [loop.iter], [], None, None
            ).set_lineno(loop.lineno)
        for concat in list(tree.find_all(nodes.Concat)):
            guarded = nodes.Call(
                nodes.EnvironmentAttribute("guard_concat"), concat.nodes, [], None, None
            ).set_lineno(concat.lineno)
            _replace_node(tree, concat, guarded)
        return tree

    def is_safe_attribute(self, obj, attr: str, value) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, str):
            return attr in TEXT_METHODS
        if isinstance(obj, datetime.date):
            return attr in DATE_ATTRIBUTES
        if isinstance(obj, dict):
            return attr in DICT_METHODS
        return isinstance(obj, RUNTIME_TYPES)

    def wrap_str_format(self, value):
        # ``"{:>999999999}".format(x)`` would build a gigabyte: str.format is not offered
        # (``is_safe_attribute`` refuses it); the filters format values instead.
        return None

    def getattr(self, obj, attribute: str):
        self.tick()
        return _checked(super().getattr(obj, attribute))

    def getitem(self, obj, argument):
        self.tick()
        return _checked(super().getitem(obj, argument))

    def call(__self, __context, __obj, *args, **kwargs):
        __self.tick()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            _check_text_method(owner, __obj.__name__, args, kwargs)
        elif isinstance(owner, datetime.date) and __obj.__name__ == "strftime":
            _check_date_format(args[0] if args else kwargs.get("format"))
        for arg in (*args, *kwargs.values()):
            # A macro or ``loop()`` handed a long list of long texts.
            _checked(arg)
        result = super().call(__context, __obj, *args, **kwargs)
        if _size(result) > MAX_VALUE:
            raise _too_big()
        return result

    def call_binop(self, context, operator: str, left, right):
        self.tick()
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_POWER:
                raise SecurityError(
                    _("Powers are limited to an exponent of %(limit)s.") % {"limit": MAX_POWER}
                )
        elif operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if (
                    isinstance(sequence, str | list | tuple)
                    and isinstance(times, int)
                    and _size(sequence) * times > MAX_VALUE
                ):
                    raise _too_big("*")
        elif operator == "%" and isinstance(left, str):
            raise SecurityError(_("Text formatting with % is not available: use the filters."))
        elif (
            operator == "+"
            and isinstance(left, str | list | tuple)
            and _size(left) + _size(right) > MAX_VALUE
        ):
            raise _too_big("+")
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise SecurityError(_("The template computes a number that is too large."))
        return result

    def _guard_filter(self, function: Callable) -> Callable:
        """The filter, counted against the clock and refused if it makes too big a value."""
        from jinja2.utils import _PassArg

        pass_arg = _PassArg.from_obj(function)

        def guarded(*args, **kwargs):
            self.tick()
            for arg in (*args, *kwargs.values()):
                # ``batch(10**9, "x")`` would fill a list of a billion items;
                # ``tojson``, ``string`` and the like would write ``[a] * 1000`` out.
                if isinstance(arg, int) and abs(arg) > MAX_VALUE:
                    raise _too_big()
                _checked(arg)
            result = function(*args, **kwargs)
            if _size(result) > MAX_VALUE:
                raise _too_big()
            return result

        guarded.__name__ = getattr(function, "__name__", "filter")
        if pass_arg is not None:
            guarded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
        return guarded

    # --- filters that could grow a value: checked before they run -----------------------

    def _join(self, value, d: str = "", attribute=None):
        items = list(value)
        if attribute is not None:
            items = [self.getattr(item, attribute) for item in items]
        texts = [_text(item) for item in items]
        if sum(len(text) for text in texts) + len(d) * len(texts) > MAX_VALUE:
            raise _too_big("join")
        return d.join(texts)

    def _sum(self, iterable, attribute=None, start=0):
        """Jinja2's ``sum``, but lists are joined in one go (adding them one by one takes
        time that grows with the square of their number)."""
        items = list(iterable)
        if attribute is not None:
            items = [builtin_filters.make_attrgetter(self, attribute)(item) for item in items]
        if isinstance(start, list | tuple):
            if not all(isinstance(item, list | tuple) for item in items):
                raise TypeError(_("sum() adds lists only to lists."))
            _checked([start, items])
            return start + type(start)(itertools.chain.from_iterable(items))
        return sum(items, start)

    def _replace(self, value, old: str, new: str, count: int | None = None):
        text = _text(value)
        _check_text_method(text, "replace", (old, new) if count is None else (old, new, count), {})
        return text.replace(old, new) if count is None else text.replace(old, new, count)

    def _center(self, value, width: int = 80):
        if not isinstance(width, int) or width > MAX_VALUE:
            raise _too_big("center")
        return _text(value).center(width)

    def _fixed(self, value, width: int, align: str = "left", fill: str = " ", cut: str = "cut"):
        """``value`` padded or cut to exactly ``width`` characters (see ``fixed_width``)."""
        text = fixed_width(value, width, align=align, fill=fill, cut=cut)
        if len(_text(value)) > width:
            self._budget.cut += 1
            if len(self._budget.notes) < MAX_NOTES:
                self._budget.notes.append(Note(value=_text(value), width=width))
        return text

    # --- compiling and rendering -------------------------------------------------------------

    def compile(self, source: str, *, part: str) -> "UserTemplate":
        """The template ``source`` ready to render; ``TemplateProblem`` naming the line."""
        if len(source) > MAX_SOURCE:
            raise TemplateProblem(
                _("The template is longer than %(limit)s characters.")
                % {"limit": f"{MAX_SOURCE:,}"},
                part=part,
            )
        filename = f"<{part}>"
        try:
            code = super().compile(source, name=part, filename=filename)
            template = self.template_class.from_code(self, code, self.make_globals(None), None)
        except TemplateSyntaxError as error:
            raise TemplateProblem(
                error.message or str(error), part=part, line=error.lineno
            ) from None
        except (TemplateError, RecursionError, MemoryError, ValueError) as error:
            raise TemplateProblem(str(error), part=part) from None
        return UserTemplate(self, template, part, filename, source)


def _replace_node(tree: nodes.Node, old: nodes.Node, new: nodes.Node) -> None:
    """Put ``new`` where ``old`` is in ``tree`` (a field or an item of a list field)."""
    for parent in tree.find_all(nodes.Node):
        for name in parent.fields:
            value = getattr(parent, name, None)
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if item is old:
                        value[index] = new
                        return


def _check_date_format(format) -> None:
    if isinstance(format, str) and len(format) > MAX_FORMAT:
        raise SecurityError(
            _("A date format is limited to %(limit)s characters.") % {"limit": MAX_FORMAT}
        )


def _check_text_method(text: str, name: str, args: tuple, kwargs: dict) -> None:
    """Refuse a text method call whose result would exceed ``MAX_VALUE``."""
    if name in ("ljust", "rjust", "center", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int) and width > MAX_VALUE:
            raise _too_big(name)
    elif name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        count = args[2] if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0 else None
        found = text.count(old) if old else len(text) + 1
        if count is not None:
            found = min(found, count)
        if len(text) + found * (len(new) - len(old)) > MAX_VALUE:
            raise _too_big("replace")


class UserTemplate:
    """A compiled user template; ``render`` runs it under the sandbox's limits."""

    def __init__(self, sandbox: Sandbox, template, part: str, filename: str, source: str):
        self.sandbox = sandbox
        self.template = template
        self.part = part
        self.filename = filename
        self.source = source

    def render(self, context: dict) -> str:
        self.sandbox.start()
        pieces: list[str] = []
        written = 0
        try:
            for piece in self.template.generate(context):
                written += len(piece)
                if written > MAX_OUTPUT:
                    raise SecurityError(
                        _("The template writes more than %(limit)s characters for one record.")
                        % {"limit": f"{MAX_OUTPUT:,}"}
                    )
                pieces.append(piece)
        except RecursionError:
            raise TemplateProblem(
                _("The template calls itself too deeply."), part=self.part
            ) from None
        except MemoryError:
            raise TemplateProblem(
                _("The template needs too much memory."), part=self.part
            ) from None
        except (TemplateError, SecurityError, ArithmeticError, TypeError, ValueError) as error:
            raise TemplateProblem(
                _message(error), part=self.part, line=self._line(error.__traceback__)
            ) from None
        except (LookupError, AttributeError) as error:
            raise TemplateProblem(
                _message(error), part=self.part, line=self._line(error.__traceback__)
            ) from None
        return "".join(pieces)

    def _line(self, traceback) -> int | None:
        """The template line of the innermost template frame of ``traceback``."""
        line = None
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename == self.filename:
                line = traceback.tb_lineno
            traceback = traceback.tb_next
        return line


def _message(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error)
    return text or type(error).__name__


def template_names(template: UserTemplate) -> list[tuple[str, ...]]:
    """The dotted names the template reads: ``company.name`` → ``("company", "name")``,
    ``row["attr.x"]`` → ``("row", "attr.x")``; outermost chains only."""
    tree = template.sandbox.parse(template.source)
    found: list[tuple[str, ...]] = []
    inner: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in inner:
            continue
        chain: list[str] = []
        current = node
        while isinstance(current, nodes.Getattr | nodes.Getitem):
            inner.add(id(current))
            if isinstance(current, nodes.Getattr):
                chain.append(current.attr)
            elif isinstance(current.arg, nodes.Const) and isinstance(current.arg.value, str):
                chain.append(current.arg.value)
            else:
                chain = []
                break
            current = current.node
        if chain and isinstance(current, nodes.Name):
            found.append((current.name, *reversed(chain)))
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load":
            found.append((name.name,))
    return found


# --- filters ---------------------------------------------------------------------------------


def xml_escape(value) -> str:
    """Text for XML content and attribute values: ``& < > " '`` escaped, and the control
    characters XML 1.0 forbids dropped."""
    text = _text(value)
    text = "".join(
        char for char in text if char in "\t\n\r" or not (ord(char) < 32 or ord(char) >= 0xFFFE)
    )
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def csv_quote(value, separator: str = ";", quote: str = '"') -> str:
    """One CSV field: quoted (quotes doubled) when it holds the separator, a quote, a line
    break or leading/trailing spaces."""
    text = _text(value)
    if separator in text or quote in text or "\n" in text or "\r" in text or text != text.strip():
        return quote + text.replace(quote, quote + quote) + quote
    return text


def fixed_width(
    value, width: int, *, align: str = "left", fill: str = " ", cut: str = "cut"
) -> str:
    """Exactly ``width`` characters: padded with ``fill`` (text on the left, ``align="right"``
    for numbers), longer values cut at the right end (``cut="error"`` refuses them)."""
    if not isinstance(width, int) or isinstance(width, bool) or not 0 <= width <= MAX_VALUE:
        raise SecurityError(
            _("fixed() needs a width between 0 and %(limit)s.") % {"limit": MAX_VALUE}
        )
    if not isinstance(fill, str) or len(fill) != 1:
        raise ValueError(_("fixed() fills with exactly one character."))
    if align not in ("left", "right", "center"):
        raise ValueError(_("fixed() aligns left, right or center."))
    text = _text(value).replace("\r", " ").replace("\n", " ")
    if len(text) > width:
        if cut == "error":
            raise ValueError(
                _("“%(value)s” is longer than %(width)s characters.")
                % {"value": text, "width": width}
            )
        return text[:width]
    if align == "right":
        return text.rjust(width, fill)
    if align == "center":
        return text.center(width, fill)
    return text.ljust(width, fill)


def format_date(value, format: str = "%d.%m.%Y") -> str:
    """A date or date-time written with ``strftime`` codes; empty for no value."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        _check_date_format(format)
        return value.strftime(format)
    raise ValueError(_("date() needs a date, not “%(value)s”.") % {"value": value})


def format_number(value, decimals: int = 2, point: str = ",", thousands: str = "") -> str:
    """A number with ``decimals`` places, ``point`` as decimal mark, optional grouping."""
    if value is None or value == "":
        return ""
    if not isinstance(decimals, int) or not 0 <= decimals <= 20:
        raise ValueError(_("number() takes 0 to 20 decimal places."))
    for mark in (point, thousands):
        if not isinstance(mark, str) or len(mark) > MAX_MARK:
            raise ValueError(
                _("number() takes marks of at most %(limit)s characters.") % {"limit": MAX_MARK}
            )
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise ValueError(
            _("number() needs a number, not “%(value)s”.") % {"value": value}
        ) from None
    if number.is_finite() and number.adjusted() > MAX_EXPONENT:
        # ``"1e999999999"|number`` would write a billion digits.
        raise ValueError(_("number() writes numbers of at most %(limit)s digits.") % {
            "limit": MAX_EXPONENT})  # fmt: skip
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def to_ascii(value, replacement: str = "?") -> str:
    """Text in plain ASCII: umlauts spelt out (ä → ae, ß → ss), accents dropped (é → e),
    anything else replaced."""
    if not isinstance(replacement, str) or len(replacement) > MAX_MARK:
        raise ValueError(
            _("ascii() replaces with at most %(limit)s characters.") % {"limit": MAX_MARK}
        )
    text = _text(value).translate(SPELLED)
    decomposed = unicodedata.normalize("NFKD", text)
    result = []
    written = 0
    for char in decomposed:
        if ord(char) < 128:
            result.append(char)
            written += 1
        elif not unicodedata.combining(char):
            result.append(replacement)
            written += len(replacement)
        if written > MAX_VALUE:
            raise _too_big("ascii")
    return "".join(result)


def digits(value) -> str:
    """Only the digits of a value (a phone number, a postal code)."""
    return "".join(char for char in _text(value) if char.isdigit())
