"""JSON (one array, streamed) and JSON Lines (one object per line), always UTF-8.

Keys are the column keys. ``structure="flat"`` writes ``{"company.name": …}``,
``nested`` writes ``{"company": {"name": …}}``. Numbers are numbers (a decimal with
more than 15 significant digits is written as a string, so nothing is rounded),
dates are ISO 8601 (date-times in local time with their offset), yes/no are
``true``/``false``, lists are arrays, a missing value is ``null``.
"""

import datetime
import decimal
import json
from collections.abc import Iterable, Iterator

from django.utils import timezone

from merkur.transfer.export.writers import Writer, batches


def json_value(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value() and abs(value) < 10**15:
            return int(value)
        if len(value.normalize().as_tuple().digits) <= 15:
            return float(value)
        return str(value)
    if isinstance(value, list):
        return [json_value(item) for item in value]
    return value


def nest(keys: list[str], values: list) -> dict:
    """``{"company": {"name": …, "attr": {"x": …}}}`` from dotted keys."""
    result: dict = {}
    for key, value in zip(keys, values, strict=True):
        *path, last = key.split(".")
        target = result
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    return result


class JsonLinesWriter(Writer):
    extension = "jsonl"
    content_type = "application/x-ndjson; charset=utf-8"

    def objects(self, rows: Iterable[list]) -> Iterator[str]:
        keys = [column.key for column in self.columns]
        nested = self.options.structure == "nested"
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        for row in rows:
            values = [json_value(value) for value in row]
            yield dumps(nest(keys, values) if nested else dict(zip(keys, values, strict=True)))

    def chunks(self, rows: Iterable[list]) -> Iterator[bytes]:
        for batch in batches(self.objects(rows)):
            yield ("\n".join(batch) + "\n").encode("utf-8")


class JsonWriter(JsonLinesWriter):
    extension = "json"
    content_type = "application/json; charset=utf-8"

    def chunks(self, rows: Iterable[list]) -> Iterator[bytes]:
        first = True
        yield b"["
        for batch in batches(self.objects(rows)):
            text = ",\n".join(batch)
            yield (("\n" if first else ",\n") + text).encode("utf-8")
            first = False
        yield b"\n]\n" if not first else b"]\n"
