"""The export as a background job (kind ``transfer.export_addresses``).

The web page and the API enqueue it for XLSX, for encodings whose problems must be
reported, and for large exports; ``merkur export-addresses`` runs the same function
in-process. Its params are JSON: ``source``, ``params`` (the source's), ``options``
(``Options.to_dict()``). It writes the file into the job's directory and offers it
for download; run again after a crash it simply writes the file again.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from merkur.core.templating import TemplateProblem
from merkur.transfer.export import runner
from merkur.transfer.export.encoding import EncodingRefused


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return " ".join(error.messages)


def export_addresses(context, *, source: str, params: dict, options: dict) -> dict:
    """Write the export's file for the job's user; the summary for the job's page."""
    try:
        export = runner.prepare(source=source, params=params, options=options, user=context.user)
    except ValidationError as error:
        raise context.Error(
            _("The export cannot run: %(reason)s") % {"reason": _messages(error)}
        ) from None
    except PermissionDenied:
        raise context.Error(_("You may not export these addresses.")) from None
    total = export.count()
    context.progress(done=0, total=total, message=_("Reading …"))

    def progress(done: int) -> None:
        context.check_cancelled()
        context.progress(done=done, total=total)

    path = context.result_path(export.file_name)
    try:
        summary = export.save(path, progress=progress)
    except (EncodingRefused, TemplateProblem) as error:
        raise context.Error(runner.problem_message(error)) from None
    context.progress(done=export.done, total=total, message=_("Done."))
    context.set_result_file(path, content_type=export.content_type, name=export.file_name)
    return summary
