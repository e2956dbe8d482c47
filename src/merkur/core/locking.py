"""Optimistic locking: a save names the version it started from.

If somebody saved the record in between, the save is refused with
``EditConflict``, which carries what the other person changed, so the form can
show it instead of silently overwriting it.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models

from merkur.core.audit import field_label
from merkur.core.models import ChangeRecord


@dataclass(frozen=True)
class ConflictingChange:
    field: str  # the label, in the reader's language
    old: object
    new: object
    user: str
    at: object
    name: str = ""  # the field's name in the data (API)


class EditConflict(Exception):
    """The record changed since the editor loaded it."""

    def __init__(self, current: models.Model, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        super().__init__(
            f"{current._meta.verbose_name} {current.pk} is at version {current.version}, "
            f"the edit started from version {expected_version}"
        )

    @property
    def changes(self) -> list[ConflictingChange]:
        records = (
            ChangeRecord.objects.filter(
                content_type=ContentType.objects.get_for_model(self.current),
                object_id=self.current.pk,
                version__gt=self.expected_version,
            )
            .select_related("user")
            .order_by("at", "id")
        )
        result = []
        for record in records:
            for field, (old, new) in record.changes.items():
                result.append(
                    ConflictingChange(
                        field=field_label(type(self.current), field),
                        old=old,
                        new=new,
                        user=str(record.user) if record.user else "",
                        at=record.at,
                        name=field,
                    )
                )
        return result


def lock_for_update(model: type[models.Model], pk: int, expected_version: int | None):
    """Load the row locked for this transaction and check its version.

    ``expected_version=None`` skips the check (used by imports and the API when
    the client sends no version).
    """
    obj = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and obj.version != expected_version:
        raise EditConflict(obj, expected_version)
    return obj
