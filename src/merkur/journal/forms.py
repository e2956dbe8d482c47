"""The forms of the journal pages: list filters, recording and editing a contact, links.

They only collect and check input; saving goes through ``merkur.journal.services``,
whose ``ValidationError`` is put back onto the fields (``apply_contact_errors``).
"""

import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merkur.attributes.forms import LinkInput
from merkur.companies.forms.base import MerkurForm, VersionMixin
from merkur.companies.forms.filters import MAX_ID_DIGITS, ListFilterForm
from merkur.companies.models import Company, Person
from merkur.core import linkable
from merkur.core.forms import apply_service_errors
from merkur.core.users import display_name
from merkur.journal import recurrence, richtext
from merkur.journal.models import (
    ContactKind,
    ContactKindGroup,
    ContactType,
    ContactTypeGroup,
)
from merkur.journal.queries import SORTS, ContactFilter, State

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
_REF = re.compile(r"\(#(\d{1,18})\)\s*$")


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def user_label(user) -> str:
    return display_name(user)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_label(obj)


def user_choices(current=()):
    """Active users plus those already on the record (a former owner stays readable)."""
    query = Q(is_active=True)
    ids = [c for c in current if c]
    if ids:
        query |= Q(pk__in=ids)
    return get_user_model().objects.filter(query).order_by("first_name", "last_name", "username")


# --- a record chosen by name ----------------------------------------------------------------


class RecordField(forms.CharField):
    """A company or person typed by name and picked from the suggestions ("Name (#id)").

    Without JavaScript a plain name works too when it is unambiguous; the id
    alone is accepted for links from other pages (``?company=12``).
    """

    def __init__(self, *, kind: str, active_only: bool = True, **kwargs):
        self.kind = kind
        self.active_only = active_only
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("widget", LinkInput(link_kind=kind))
        super().__init__(**kwargs)

    @property
    def model(self):
        return linkable.kind(self.kind).model

    def prepare_value(self, value):
        if isinstance(value, Company | Person):
            return f"{value} (#{value.pk})"
        return value

    def _records(self):
        records = self.model.objects.all()
        if self.active_only:
            records = records.filter(archived_at__isnull=True)
        return records

    def clean(self, value):
        if isinstance(value, Company | Person):
            return value
        text = super().clean(value)
        if not text:
            return None
        label = linkable.kind(self.kind).label
        match = _REF.search(text)
        if match or (text.isdigit() and len(text) <= MAX_ID_DIGITS):
            pk = int(match.group(1) if match else text)
            found = self._records().filter(pk=pk).first()
            if found is None:
                raise ValidationError(
                    _("%(kind)s #%(id)s does not exist or is archived.") % {"kind": label, "id": pk}
                )
            return found
        matches = list(self._records().search(text)[:20])
        if len(matches) == 1:
            return matches[0]
        exact = [m for m in matches if str(m).casefold() == text.casefold()]
        if len(exact) == 1:
            return exact[0]
        if not matches:
            raise ValidationError(
                _("No %(kind)s matches “%(text)s”.") % {"kind": label, "text": text}
            )
        raise ValidationError(
            _("Several records match “%(text)s”; pick one from the suggestions.") % {"text": text}
        )


# --- two-level master tables as grouped selects --------------------------------------------


def grouped_choices(item_model, *, current=(), blank=None) -> list:
    """``<optgroup>`` per group: active items plus the ones already used by the record."""
    query = Q(is_active=True, group__is_active=True)
    ids = [c for c in current if c]
    if ids:
        query |= Q(pk__in=ids)
    items = item_model.objects.filter(query).select_related("group")
    items = items.order_by("group__sort_order", "group__name", "sort_order", "name")
    groups: dict = {}
    for item in items:
        groups.setdefault(item.group.name, []).append((str(item.pk), item.name))
    choices = list(groups.items())
    return [("", blank), *choices] if blank is not None else choices


class GroupedItemField(forms.ChoiceField):
    """An item of a two-level master table, chosen from a select grouped by its groups."""

    def __init__(self, item_model, *, current=(), blank="–", **kwargs):
        self.item_model = item_model
        super().__init__(
            choices=grouped_choices(item_model, current=current, blank=blank), **kwargs
        )

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return self.item_model.objects.get(pk=int(value))


def _group_field(group_model, label) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=group_model.objects.order_by("sort_order", "name"),
        required=False,
        label=label,
        empty_label=_("All"),
    )


# --- the journal list's filters -------------------------------------------------------------

STATE_CHOICES = [
    (State.ALL, _("All")),
    (State.OPEN, _("Follow-up open")),
    (State.OVERDUE, _("Follow-up overdue")),
    (State.DONE, _("Follow-up done")),
    (State.NO_FOLLOW_UP, _("No follow-up")),
]
SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("due", _("Follow-up due")),
    ("subject", _("Subject")),
]


def linked_record(kind: str | None, pk: int | None):
    """The record of a registered linkable kind, or None (unknown kind or id)."""
    target = linkable.kind(kind or "")
    if target is None or not pk:
        return None
    return target.model.objects.filter(pk=pk).first()


class LinkTargetMixin(forms.Form):
    """Hidden ``link_kind``/``link_id``: the record page a list or a new contact came from."""

    link_kind = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    link_id = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=10**18
    )

    def clean(self):
        cleaned = super().clean()
        kind, pk = cleaned.get("link_kind"), cleaned.get("link_id")
        if kind or pk:
            record = linked_record(kind, pk)
            if record is None:
                self.add_error(None, _("The linked record does not exist."))
                cleaned["link_kind"] = cleaned["link_id"] = None
            cleaned["linked_record"] = record
        return cleaned

    def link(self) -> tuple[str, int] | None:
        data = getattr(self, "cleaned_data", {})
        if data.get("linked_record") is None:
            return None
        return data["link_kind"], data["link_id"]


class ContactFilterForm(LinkTargetMixin, ListFilterForm):
    """The journal's filters. GET parameters: q, date_from, date_to, kind_group, kind,
    type_group, type, company, person, recorded_by, owner, state, sort, cursor."""

    q = forms.CharField(label=_("Search in subject and text"), required=False, max_length=200)
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_widget())
    company = RecordField(kind="company", active_only=False, label=_("Company"), required=False)
    person = RecordField(kind="person", active_only=False, label=_("Person"), required=False)
    state = forms.ChoiceField(label=_("Follow-up"), choices=STATE_CHOICES, required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1000)
    sorts = SORTS

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["kind_group"] = _group_field(ContactKindGroup, _("Kind group"))
        self.fields["kind"] = GroupedItemField(
            ContactKind, current=self._ids("kind"), blank=_("All"), label=_("Kind"), required=False
        )
        self.fields["type_group"] = _group_field(ContactTypeGroup, _("Type group"))
        self.fields["type"] = GroupedItemField(
            ContactType, current=self._ids("type"), blank=_("All"), label=_("Type"), required=False
        )
        users = user_choices(self._ids("recorded_by") + self._ids("owner"))
        self.fields["recorded_by"] = UserChoiceField(
            queryset=users, required=False, label=_("Recorded by"), empty_label=_("All")
        )
        self.fields["owner"] = UserChoiceField(
            queryset=users, required=False, label=_("Follow-up by"), empty_label=_("All")
        )
        self.order_fields(
            [
                "q",
                "date_from",
                "date_to",
                "kind_group",
                "kind",
                "type_group",
                "type",
                "company",
                "person",
                "recorded_by",
                "owner",
                "state",
                "sort",
            ]
        )
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = "form-control form-control-sm"
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})

    def _ids(self, key: str) -> list[int]:
        if not self.data:
            return []
        values = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data.get(key)]
        return [int(v) for v in values if v and v.isdigit() and len(v) <= MAX_ID_DIGITS]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned

    def to_filter(self) -> ContactFilter:
        values = self.valid()

        def pk(name: str) -> int | None:
            entry = values.get(name)
            return entry.pk if entry else None

        return ContactFilter(
            q=values.get("q", ""),
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            kinds=[pk("kind")] if values.get("kind") else [],
            kind_group=pk("kind_group"),
            types=[pk("type")] if values.get("type") else [],
            type_group=pk("type_group"),
            company=pk("company"),
            person=pk("person"),
            recorded_by=pk("recorded_by"),
            owner=pk("owner"),
            state=values.get("state") or State.ALL,
            link=self.link(),
        )

    def describe(self) -> list[tuple[str, str]]:
        """The applied filters as (label, value) pairs, for the page and exports."""
        values = self.valid()
        pairs = []
        for name, field in self.fields.items():
            value = values.get(name)
            if name in ("cursor", "sort", "link_kind", "link_id") or value in (None, "", []):
                continue
            if isinstance(field, forms.ChoiceField) and not isinstance(field, GroupedItemField):
                value = dict(field.choices).get(value, value)
            pairs.append((str(field.label), str(value)))
        record = values.get("linked_record")
        if record is not None:
            pairs.append((str(_("Linked to")), str(record)))
        return pairs


# --- recording and editing a contact -------------------------------------------------------

NONE = ""
FREQUENCY_CHOICES = [
    (NONE, _("Does not repeat")),
    ("DAILY", _("Daily")),
    ("WEEKLY", _("Weekly")),
    ("MONTHLY", _("Monthly")),
    ("QUARTERLY", _("Quarterly")),
    ("YEARLY", _("Yearly")),
]
WEEKDAY_CHOICES = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
MONTHLY_CHOICES = [
    ("", _("On the day of the due date")),
    ("day", _("On day …")),
    ("weekday", _("On the … weekday")),
]
WEEK_OF_MONTH_CHOICES = [
    ("1", _("first")),
    ("2", _("second")),
    ("3", _("third")),
    ("4", _("fourth")),
    ("-1", _("last")),
]
END_CHOICES = [
    ("never", _("Never")),
    ("count", _("After a number of times")),
    ("until", _("On a date")),
]
RECURRENCE_FIELDS = [
    "rec_frequency", "rec_interval", "rec_weekdays", "rec_monthly", "rec_month_day",
    "rec_week_of_month", "rec_month_weekday", "rec_end", "rec_count", "rec_until",
]  # fmt: skip


class RecurrenceMixin(forms.Form):
    """The schedule of a recurring contact, turned into an RRULE by ``recurrence.Schedule``."""

    rec_frequency = forms.ChoiceField(label=_("Repeats"), choices=FREQUENCY_CHOICES, required=False)
    rec_interval = forms.IntegerField(
        label=_("Every"),
        min_value=1,
        max_value=recurrence.MAX_INTERVAL,
        required=False,
        initial=1,
        help_text=_("Every 2 = every other day, week, month, quarter or year."),
    )
    rec_weekdays = forms.MultipleChoiceField(
        label=_("On"), choices=WEEKDAY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    rec_monthly = forms.ChoiceField(label=_("Which day"), choices=MONTHLY_CHOICES, required=False)
    rec_month_day = forms.IntegerField(
        label=_("Day of the month"), min_value=1, max_value=31, required=False
    )
    rec_week_of_month = forms.ChoiceField(
        label=_("Which"), choices=WEEK_OF_MONTH_CHOICES, required=False
    )
    rec_month_weekday = forms.ChoiceField(
        label=_("Weekday"), choices=[("", "–"), *WEEKDAY_CHOICES], required=False
    )
    rec_end = forms.ChoiceField(label=_("Ends"), choices=END_CHOICES, required=False)
    rec_count = forms.IntegerField(
        label=_("Number of times"), min_value=1, max_value=recurrence.MAX_COUNT, required=False
    )
    rec_until = forms.DateField(label=_("Last date"), required=False, widget=_date_widget())

    def schedule(self) -> recurrence.Schedule | None:
        """The schedule the fields describe (None: does not repeat); errors go on the fields."""
        data = self.cleaned_data
        frequency = data.get("rec_frequency") or NONE
        if not frequency:
            return None
        interval = data.get("rec_interval") or 1
        if frequency == "QUARTERLY":
            frequency, interval = "MONTHLY", interval * 3
            if interval > recurrence.MAX_INTERVAL:
                self.add_error("rec_interval", _("This interval is too large."))
                return None
        weekdays, month_day, week_of_month = (), None, None
        if frequency == "WEEKLY":
            weekdays = tuple(data.get("rec_weekdays") or ())
        elif frequency == "MONTHLY":
            mode = data.get("rec_monthly") or ""
            if mode == "day":
                month_day = data.get("rec_month_day")
                if not month_day:
                    self.add_error("rec_month_day", _("Enter the day of the month."))
                    return None
            elif mode == "weekday":
                day = data.get("rec_month_weekday")
                nth = data.get("rec_week_of_month")
                if not day or not nth:
                    self.add_error("rec_month_weekday", _("Choose which weekday of the month."))
                    return None
                weekdays, week_of_month = (day,), int(nth)
        end = data.get("rec_end") or "never"
        count = data.get("rec_count") if end == "count" else None
        until = data.get("rec_until") if end == "until" else None
        if end == "count" and not count:
            self.add_error("rec_count", _("Enter how many times."))
            return None
        if end == "until" and not until:
            self.add_error("rec_until", _("Enter the last date."))
            return None
        return recurrence.Schedule(
            frequency=frequency,
            interval=interval,
            weekdays=weekdays,
            month_day=month_day,
            week_of_month=week_of_month,
            count=count,
            until=until,
        )

    def recurrence_rule(self) -> str:
        """The RRULE for the service ("" when it does not repeat)."""
        schedule = self.schedule()
        if schedule is None:
            return ""
        try:
            return schedule.to_rule()
        except ValidationError as error:
            self.add_error("rec_frequency", error)
            return ""


def recurrence_initial(rule: str) -> dict:
    """The recurrence fields for an existing rule (the inverse of ``Schedule.to_rule``)."""
    if not rule:
        return {}
    try:
        parts = recurrence.parse(rule)
    except ValidationError:
        return {}
    frequency, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    initial = {"rec_frequency": frequency, "rec_interval": interval}
    if frequency == "MONTHLY" and interval % 3 == 0:
        initial.update(rec_frequency="QUARTERLY", rec_interval=interval // 3)
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if frequency == "WEEKLY":
        initial["rec_weekdays"] = days
    elif days and days[0][-2:] in dict(WEEKDAY_CHOICES):
        nth = days[0][:-2] or parts.get("BYSETPOS", "1")
        initial.update(rec_monthly="weekday", rec_week_of_month=nth, rec_month_weekday=days[0][-2:])
    if "BYMONTHDAY" in parts:
        initial.update(rec_monthly="day", rec_month_day=int(parts["BYMONTHDAY"].split(",")[0]))
    if "COUNT" in parts:
        initial.update(rec_end="count", rec_count=int(parts["COUNT"]))
    elif "UNTIL" in parts:
        until = parts["UNTIL"][:8]
        initial.update(rec_end="until", rec_until=f"{until[:4]}-{until[4:6]}-{until[6:]}")
    return initial


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once; each is checked by ``services.check_upload`` in the view."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class SanitisedTextarea(forms.Textarea):
    """Shows the text sanitised: after an error the raw input goes back into the
    editor, which displays it as HTML. The raw input itself is what is saved
    (the service sanitises it once; twice would escape entities twice)."""

    def format_value(self, value):
        return richtext.sanitize(value) if value else value


class ContactForm(RecurrenceMixin, MerkurForm):
    """A contact: when, with whom, what kind, what about; its follow-up and schedule."""

    autofocus = False
    occurred_at = forms.DateTimeField(label=_("Date and time"), widget=_datetime_widget())
    company = RecordField(kind="company", label=_("Company"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=SanitisedTextarea(attrs={"rows": 8, "data-richtext": "1"}),
        help_text=_("Paragraphs, lists, bold, italic and links are kept; nothing else."),
    )
    follow_up_due = forms.DateTimeField(
        label=_("Follow-up due"), required=False, widget=_datetime_widget()
    )

    def __init__(self, data=None, *args, contact=None, fixed_company=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.contact = contact
        kind_id = contact.kind_id if contact else None
        type_id = contact.type_id if contact else None
        self.fields["kind"] = GroupedItemField(ContactKind, current=[kind_id], label=_("Kind"))
        self.fields["type"] = GroupedItemField(
            ContactType, current=[type_id], label=_("Type"), required=False
        )
        owner = contact.follow_up_owner_id if contact else None
        self.fields["follow_up_owner"] = UserChoiceField(
            queryset=user_choices([owner]),
            required=False,
            label=_("Follow-up by"),
            empty_label=_("No follow-up"),
        )
        if fixed_company is not None:
            # "Done and schedule next" keeps the company of the contact it follows.
            self.fields["company"].disabled = True
            self.fields["company"].widget = forms.TextInput(attrs={"class": "form-control"})
            self.initial["company"] = fixed_company
        self.company = fixed_company or self._company()
        self.fields["people"] = forms.ModelMultipleChoiceField(
            queryset=self._people_choices(),
            required=False,
            label=_("People"),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )
        self.order_fields(
            [
                "occurred_at",
                "company",
                "people",
                "kind",
                "type",
                "subject",
                "text",
                "follow_up_owner",
                "follow_up_due",
                *RECURRENCE_FIELDS,
            ]
        )
        self.fields["subject"].widget.attrs["autofocus"] = True
        for name in ("kind", "type", "follow_up_owner"):
            # Added after BootstrapMixin styled the declared fields.
            self.fields[name].widget.attrs["class"] = "form-select"

    def _company(self):
        """The company whose people are offered: the submitted one, else the initial one."""
        if self.is_bound:
            try:
                return self.fields["company"].clean(self.data.get(self.add_prefix("company")))
            except ValidationError:
                return None
        initial = self.initial.get("company")
        if isinstance(initial, Company):
            return initial
        return self.contact.company if self.contact else None

    def _people_choices(self):
        # The chosen company's current people, the ones already on the contact and
        # whatever was submitted (the service says precisely who does not fit).
        query = Q(pk__in=[])
        if self.company is not None:
            query |= Q(company=self.company, archived_at__isnull=True)
        if self.contact is not None and self.contact.pk:
            query |= Q(pk__in=self.contact.people.values("pk"))
        if self.is_bound:
            submitted = [
                int(v)
                for v in self.data.getlist(self.add_prefix("people"))
                if v.isdigit() and len(v) <= MAX_ID_DIGITS
            ]
            query |= Q(pk__in=submitted)
        return Person.objects.filter(query).order_by("sort_name", "id")

    def clean(self):
        cleaned = super().clean()
        if not self.errors or not any(f.startswith("rec_") for f in self.errors):
            cleaned["recurrence_rule"] = self.recurrence_rule()
        return cleaned

    def contact_data(self) -> dict:
        data = self.cleaned_data
        return {
            "occurred_at": data["occurred_at"],
            "company": data["company"],
            "kind": data["kind"],
            "type": data.get("type"),
            "subject": data["subject"],
            "text": data.get("text") or "",
            "follow_up_owner": data.get("follow_up_owner"),
            "follow_up_due": data.get("follow_up_due"),
            "recurrence_rule": data.get("recurrence_rule", ""),
        }

    def people(self) -> list[Person]:
        return list(self.cleaned_data.get("people") or [])


class ContactCreateForm(LinkTargetMixin, ContactForm):
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _(
            "Up to %(limit)d MB each; types: %(types)s. After an error, choose the files again."
        ) % {
            "limit": settings.MERKUR_ATTACHMENT_MAX_MB,
            "types": ", ".join(settings.MERKUR_ATTACHMENT_TYPES),
        }


class ContactEditForm(VersionMixin, ContactForm):
    pass


def contact_initial(contact) -> dict:
    """An existing contact as the form shows it."""
    return {
        "occurred_at": timezone.localtime(contact.occurred_at),
        "company": contact.company,
        "people": list(contact.people.all()),
        "kind": contact.kind_id,
        "type": contact.type_id,
        "subject": contact.subject,
        "text": contact.text,
        "follow_up_owner": contact.follow_up_owner_id,
        "follow_up_due": timezone.localtime(contact.follow_up_due)
        if contact.follow_up_due
        else None,
        "version": contact.version,
        **recurrence_initial(contact.recurrence_rule),
    }


# Where a service's field names differ from the form's.
_SERVICE_FIELDS = {"recurrence_rule": "rec_frequency", "recurrence_start": "follow_up_due"}


def apply_contact_errors(error: ValidationError, form: forms.Form) -> None:
    if hasattr(error, "error_dict"):
        error = ValidationError(
            {_SERVICE_FIELDS.get(name, name): errors for name, errors in error.error_dict.items()}
        )
    apply_service_errors(error, form)


# --- attachments and links on the detail page ---------------------------------------------


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Add files"))


class LinkForm(MerkurForm):
    autofocus = False
    kind = forms.ChoiceField(label=_("Kind of record"))
    record = forms.CharField(label=_("Record"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = linkable.choices()

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and cleaned.get("record"):
            field = RecordField(kind=kind)
            try:
                cleaned["target"] = _resolve(field, cleaned["record"])
            except ValidationError as error:
                self.add_error("record", error)
        return cleaned


def _resolve(field: RecordField, text: str):
    """A record of any linkable kind; kinds without a name search take "(#id)" or the id."""
    records = field.model.objects.all()
    if hasattr(records, "search"):
        field.active_only = hasattr(field.model, "archived_at")
        return field.clean(text)
    match = _REF.search(text)
    raw = match.group(1) if match else text.strip()
    found = records.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) <= 18 else None
    if found is None:
        raise ValidationError(_("Pick a record from the suggestions."))
    return found
