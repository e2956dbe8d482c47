"""The one error a selection definition can have: a message pointing at its node."""


class DefinitionError(ValueError):
    """``path`` names the node, e.g. ``where.and.2.value`` (items counted from 1)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path, self.message = path, str(message)

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message}
