"""Importing articles, exchange rates, batches, deliveries and article instances.

These files are small next to the order lines, so every record goes through
exactly the checks and services of the API (``merkur.business.api.inputs``):
the same rules, the same messages, the revenue aggregate kept exact. A CSV row
becomes the record the API's bulk import takes; the rows of a delivery (one per
line, the delivery's columns repeated) follow one another and become one record.
"""

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from merkur.business.api import inputs
from merkur.business.importer import values
from merkur.business.importer.result import ImportResult

# kind → {column: required}; the columns are the API's field names.
COLUMNS = {
    "articles": {
        "number": True,
        "name": True,
        "division": True,
        "category": True,
        "unit": False,
        "is_active": False,
        "tracking": False,
    },
    "rates": {"currency": True, "valid_from": True, "rate": True},
    "batches": {
        "article": True,
        "number": True,
        "supplier_number": False,
        "received_on": False,
        "purchase_order_number": False,
    },
    "instances": {
        "article": True,
        "serial_number": True,
        "batch": False,
        "produced_on": False,
        "production_run": False,
        "customer_number": False,
    },
    "deliveries": {
        "number": True,
        "company_number": True,
        "order_number": False,
        "date": True,
        "position": False,
        "article": False,
        "quantity": False,
        "batch": False,
        "serials": False,
    },
}
DELIVERY_HEADER = ("company_number", "order_number", "date")
DELIVERY_LINE = ("position", "article", "quantity", "batch", "serials")
DATES = {"valid_from", "received_on", "produced_on", "date"}
NUMBERS = {"rate", "quantity"}
BOOLEANS = {"is_active"}
MASTER_REFERENCES = {"division", "category"}
SERIAL_SEPARATORS = re.compile(r"[\s,|]+")


class RowProblem(Exception):
    def __init__(self, column: str, value: str, reason):
        self.column, self.value, self.reason = column, value, str(reason)


def _value(column: str, text: str, decimal_comma: bool):
    """A CSV field as the API takes it (``None``: empty, the API's default applies)."""
    text = text.strip()
    if not text:
        return None
    try:
        if column in DATES:
            return values.date(text).isoformat()
        if column in BOOLEANS:
            return values.boolean(text)
        if column in NUMBERS and decimal_comma:
            return text.replace(".", "").replace(",", ".")
        if column == "serials":
            return [serial for serial in SERIAL_SEPARATORS.split(text) if serial]
        if column == "position":
            return values.integer(text)
        if column in MASTER_REFERENCES and text.isdecimal():
            return int(text)  # an id, as JSON would give it; names are not all digits
    except values.Bad as reason:
        raise RowProblem(column, text, reason) from None
    return text


def _fields(row: dict[str, str], columns, decimal_comma: bool) -> dict:
    item = {}
    for column in columns:
        if column in row:
            value = _value(column, row[column], decimal_comma)
            if value is not None:
                item[column] = value
    return item


class RecordImport:
    """Feeds rows (CSV) or items (JSON) to the API's checks and writes them one by one."""

    def __init__(self, kind: str, result: ImportResult, *, decimal_comma: bool = False):
        self.kind, self.result, self.decimal_comma = kind, result, decimal_comma
        self.delivery: dict | None = None  # the delivery being read, with its rows' lines
        # A record's key (a delivery's number) → the line it first appeared on.
        self.first_lines: dict = {}

    def csv_row(self, line: int, row: dict[str, str]) -> None:
        self.result.rows += 1
        try:
            if self.kind == "deliveries":
                self._delivery_row(line, row)
                return
            item = _fields(row, COLUMNS[self.kind], self.decimal_comma)
        except RowProblem as problem:
            self.result.add_error(line, problem.column, problem.value, problem.reason)
            return
        self.item(line, item, {}, {line: row})

    def _delivery_row(self, line: int, row: dict[str, str]) -> None:
        number = row["number"].strip()
        header = _fields(row, DELIVERY_HEADER, self.decimal_comma)
        line_fields = _fields(row, DELIVERY_LINE, self.decimal_comma)
        delivery = self.delivery
        if delivery is None or delivery["item"]["number"] != number:
            self.flush()
            if number in self.first_lines:
                # Written already: its rows here would replace the earlier ones unseen.
                self.result.add_error(
                    line,
                    "number",
                    number,
                    _(
                        "Delivery %(number)s appears again; the lines of a delivery must follow "
                        "one another (first at line %(line)s)."
                    )
                    % {"number": number, "line": self.first_lines[number]},
                )
                return
            self.first_lines[number] = line
            delivery = self.delivery = {
                "line": line,
                "item": {"number": number, **header, "lines": []},
                "lines": {},
                "rows": {line: row},
            }
        else:
            differing = [
                name for name in DELIVERY_HEADER if header.get(name) != delivery["item"].get(name)
            ]
            for name in differing:
                self.result.add_error(
                    line,
                    name,
                    row.get(name, ""),
                    _("Differs from the first line of delivery %(number)s (line %(line)s).")
                    % {"number": number, "line": delivery["line"]},
                )
            if differing:
                return
        delivery["rows"][line] = row
        if line_fields:
            delivery["item"]["lines"].append(line_fields)
            delivery["lines"][len(delivery["item"]["lines"])] = line

    def flush(self) -> None:
        if self.delivery is not None:
            delivery, self.delivery = self.delivery, None
            self.item(delivery["line"], delivery["item"], delivery["lines"], delivery["rows"])

    def item(self, line: int, item, line_of: dict[int, int], rows: dict | None = None) -> None:
        """Check and write one record; ``line_of`` maps its lines (from 1) to file lines,
        ``rows`` the file lines to the CSV rows (for the value shown with an error)."""
        self.result.records += 1
        # CSV deliveries are checked row by row (``_delivery_row``); everything else here.
        if isinstance(item, dict) and (self.kind != "deliveries" or not line_of):
            key = tuple(str(item.get(name, "")).strip() for name in inputs.KINDS[self.kind].keys)
            if key in self.first_lines:
                # A second row for the same record: one of the two is a mistake.
                self.result.add_error(
                    line,
                    inputs.KINDS[self.kind].keys[-1],
                    " / ".join(key),
                    _("This record appears again in the file (first at line %(line)s).")
                    % {"line": self.first_lines[key]},
                )
                return
            self.first_lines[key] = line
        try:
            write = inputs.check_item(self.kind, item)
            if write.unchanged:
                self.result.unchanged += 1
                return
            with transaction.atomic():
                _record, created = write.run()
        except ValidationError as error:
            self._report(line, error, line_of, rows or {})
            return
        except IntegrityError:
            self.result.add_error(line, "", "", _("The record conflicts with existing data."))
            return
        if created:
            self.result.created += 1
        else:
            self.result.updated += 1

    def _report(self, line: int, error: ValidationError, line_of: dict, rows: dict) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.result.add_error(line, "", "", message)
            return
        for path, messages in error.message_dict.items():
            row_line, column = line, "" if path == NON_FIELD_ERRORS else path
            parts = column.split(".")
            in_line = len(parts) >= 3 and parts[0] == "lines" and parts[1].isdigit()
            if in_line and int(parts[1]) in line_of:  # CSV: the row of that line, its column
                row_line, column = line_of[int(parts[1])], parts[2]
            row = rows.get(row_line, {})
            if column and column not in row and f"{column}_number" in row:
                column = f"{column}_number"  # a CSV names companies by number only
            value = row.get(column, "")
            for message in messages:
                self.result.add_error(row_line, column, value, message)
