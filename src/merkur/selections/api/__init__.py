"""The selections API: ``install(api)`` mounts ``/selections`` and ``/selection-runs``.

A definition that is not valid is answered with 422, naming the node in ``path``
and in ``errors`` (``definition.where.and.2.value``), never with a server error.
"""

from merkur.selections.errors import DefinitionError


def install(api) -> None:
    from merkur.selections.api import explain, runs, selections
    from merkur.selections.api.common import definition_error_body

    def on_definition_error(request, exc: DefinitionError):
        return api.create_response(request, definition_error_body(exc), status=422)

    api.add_exception_handler(DefinitionError, on_definition_error)
    api.add_router("/selections", selections.router)
    api.add_router("/selections", explain.router)
    api.add_router("/selection-runs", runs.router)
