"""An export put together: source → rows → writer, as a stream, a file or a job.

``prepare`` checks everything that can be checked before a row is read — the
options, the source and its parameters, the columns, a template's syntax and
column names — and raises ``ValidationError`` (per field) or ``PermissionDenied``.
The prepared ``Export`` then streams (``stream``: CSV, JSON, vCard, templates) or
writes a file (``save``: every format, XLSX only so); a CSV in UTF-8 on PostgreSQL
is written by the database where it comes out byte for byte alike (``copying``).
``runs_in_worker`` tells the UI and the API when a download would be a poor idea:
XLSX, encodings whose problems must be reported, and more rows than
``MERKUR_EXPORT_STREAM_MAX_ROWS``.
"""

import datetime
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from merkur.core.templating import TemplateProblem
from merkur.core.users import display_name
from merkur.transfer.export import catalog, copying, sources
from merkur.transfer.export import options as export_options
from merkur.transfer.export.encoding import EncodingRefused
from merkur.transfer.export.reading import Plan, Scope, read
from merkur.transfer.export.writers import Context, Writer, for_format
from merkur.transfer.export.writers.templated import referenced_keys

JOB_KIND = "transfer.export_addresses"
PROGRESS_EVERY = 1000


def stream_max_rows() -> int:
    return settings.MERKUR_EXPORT_STREAM_MAX_ROWS


def export_language(options, user) -> str:
    """The language of headings and values: the one chosen, in the user's variant."""
    profile = getattr(user, "profile", None)
    locale = getattr(profile, "locale", None) or translation.get_language() or "de"
    chosen = options.language
    if chosen and not locale.startswith(chosen):
        return chosen
    return locale


@dataclass
class Export:
    source: str
    params: dict
    options: export_options.Options
    user: object
    scope: Scope
    columns: list[catalog.Column]
    writer: Writer
    plan: Plan
    getters: list[Callable]
    language: str
    now: datetime.datetime
    done: int = 0
    copied: bool | None = None  # written by PostgreSQL's COPY (None: not yet written)

    @property
    def file_name(self) -> str:
        base = slugify(self.scope.title) or "adressen"
        return f"{base}-{timezone.localtime(self.now):%Y-%m-%d}.{self.writer.extension}"

    @property
    def content_type(self) -> str:
        return self.writer.content_type

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[list]:
        for values in read(self.plan, self.getters):
            self.done += 1
            if progress is not None and self.done % PROGRESS_EVERY == 0:
                progress(self.done)
            yield values

    def count(self, limit: int | None = None) -> int:
        """How many rows (at most ``limit`` + 1 counted)."""
        keys = self.scope.queryset.order_by().values("pk")
        if limit is not None:
            keys = keys[: limit + 1]
        return keys.count()

    def runs_in_worker(self) -> bool:
        if not self.writer.streams:
            return True
        if self.options.format in export_options.TEXT_FORMATS and self.options.codec != "utf-8":
            return True
        limit = stream_max_rows()
        return self.count(limit) > limit

    def copier(self) -> copying.Copier | None:
        """PostgreSQL's COPY where it writes this file byte for byte as the writer would
        (CSV in UTF-8, see ``copying``), else None. Call in the export's language."""
        copier = copying.copier(self)
        self.copied = copier is not None
        return copier

    def stream(self) -> Iterator[bytes]:
        """The file's bytes as they are made; see ``primed`` for checking the first rows."""
        with translation.override(self.language):
            copier = self.copier()
            if copier is not None:
                yield from copier.chunks(self)
            else:
                yield from self.writer.chunks(self.rows())

    def primed(self) -> Iterator[bytes]:
        """``stream``, with the first rows made already: a template that fails on the
        first record is a ``ValidationError`` here, not a broken download."""
        pieces = self.stream()
        first = []
        try:
            for piece in pieces:
                first.append(piece)
                if self.done:
                    break
        except TemplateProblem as problem:
            raise ValidationError({_template_field(problem): str(problem)}) from None

        def rest() -> Iterator[bytes]:
            yield from first
            yield from pieces

        return rest()

    def save(self, path: Path, *, progress: Callable[[int], None] | None = None) -> dict:
        """Write the file to ``path``; the summary (rows, what was replaced or cut).

        ``EncodingRefused`` and ``TemplateProblem`` leave no file behind.
        """
        path = Path(path)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".export-")
        try:
            with os.fdopen(handle, "wb") as target, translation.override(self.language):
                copier = self.copier()
                if copier is not None:
                    for piece in copier.chunks(self, progress):
                        target.write(piece)
                else:
                    self.writer.save(self.rows(progress), target)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return self.summary()

    def summary(self) -> dict:
        return {"rows": self.done, "format": self.options.format, **self.writer.summary()}


def _template_field(problem: TemplateProblem) -> str:
    return f"template_{problem.part}" if problem.part else "template_row"


def prepare(
    *,
    source: str,
    params: dict | None,
    options,
    user,
    now: datetime.datetime | None = None,
) -> Export:
    """An export checked and ready to run (see the module)."""
    if not isinstance(options, export_options.Options):
        options = export_options.parse(options)
    found = sources.get(source)
    language = export_language(options, user)
    with translation.override(language):
        scope = found.scope(params or {}, user=user, options=options)
        keys = list(options.columns or catalog.DEFAULT_COLUMNS[scope.target])
        if options.format == "template":
            keys.extend(key for key in referenced_keys(options, scope.target) if key not in keys)
        writer_class = for_format(options.format)
        columns = catalog.resolve(keys, scope.target) if writer_class.uses_columns else []
        context = Context(
            title=scope.title,
            target=scope.target,
            language=language,
            description=scope.description,
            user=display_name(user) if user is not None and user.is_authenticated else "",
            now=now or timezone.now(),
        )
        writer = writer_class(columns, options, context)
        plan = Plan(scope, options)
        getters = writer.bind(plan)
    return Export(
        source=source,
        params=params or {},
        options=options,
        user=user,
        scope=scope,
        columns=columns,
        writer=writer,
        plan=plan,
        getters=getters,
        language=language,
        now=context.now,
    )


def problem_message(error: Exception) -> str:
    """The one-line (or, for encodings, listed) reason an export failed."""
    if isinstance(error, EncodingRefused):
        return error.report.message()
    if isinstance(error, TemplateProblem):
        part = {"header": _("header"), "row": _("row template"), "footer": _("footer")}.get(
            error.part, error.part
        )
        return f"{part}: {error}" if part else str(error)
    return str(error)
