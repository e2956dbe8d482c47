"""Journal output: the filtered list as CSV/Excel/PDF, a contact as letter or e-mail."""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_safe

from merkur.companies.models import Person
from merkur.core import listexport
from merkur.core.listexport import Column
from merkur.core.roles import Capability
from merkur.core.users import display_name
from merkur.core.views import capability_required
from merkur.journal import emails, letters, queries, richtext
from merkur.journal.forms import ContactFilterForm
from merkur.journal.models import Contact


def _user_name(user) -> str:
    return display_name(user) if user else ""


def _people(contact: Contact) -> str:
    return ", ".join(person.full_name for person in contact.people.all())


def _kind(contact: Contact) -> str:
    return contact.kind.full_name


def _type(contact: Contact) -> str:
    return contact.type.full_name if contact.type else ""


CONTACT_COLUMNS = [
    Column(gettext_lazy("Date and time"), lambda c: c.occurred_at, 16),
    Column(gettext_lazy("Company"), lambda c: c.company.display_name, 25),
    Column(gettext_lazy("People"), _people, 20),
    Column(gettext_lazy("Contact kind"), _kind, 18),
    Column(gettext_lazy("Contact type"), _type, 18),
    Column(gettext_lazy("Subject"), lambda c: c.subject, 30),
    Column(gettext_lazy("Text"), lambda c: richtext.to_plain(c.text), 50),
    Column(gettext_lazy("Recorded by"), lambda c: _user_name(c.recorded_by), 16),
    Column(gettext_lazy("Follow-up by"), lambda c: _user_name(c.follow_up_owner), 16),
    Column(gettext_lazy("Due"), lambda c: c.follow_up_due, 16),
    Column(gettext_lazy("Done"), lambda c: c.follow_up_done_at, 16),
]


@capability_required(Capability.VIEW_JOURNAL)
@require_safe
def journal_export(request: HttpRequest) -> HttpResponse:
    fmt = listexport.requested_format(request)
    if fmt is None:
        return listexport.unknown_format()
    form = ContactFilterForm(request.GET)
    rows = (
        form.to_filter()
        .apply(
            Contact.objects.select_related(
                "company", "kind__group", "type__group", "recorded_by", "follow_up_owner"
            )
            .prefetch_related(Prefetch("people", queryset=Person.objects.order_by("sort_name")))
            .defer("search_text", "company__search_text", "company__notes")
        )
        .order_by(*queries.SORTS[form.sort()].fields)
    )
    listing = listexport.Listing(
        title=_("Contact journal"),
        columns=CONTACT_COLUMNS,
        rows=rows,
        filename=pgettext("file name", "contacts"),
        description=[f"{label}: {value}" for label, value in form.describe()],
        user=request.user,
    )
    return listexport.respond(listing, fmt)


# --- one contact: letter and e-mail ---------------------------------------------------------


def _contact(pk: int) -> Contact:
    return get_object_or_404(
        Contact.objects.select_related("company", "kind__group", "type__group"), pk=pk
    )


def _people_of(contact: Contact) -> list[Person]:
    return list(
        contact.people.select_related("title", "salutation", "company").order_by("sort_name", "id")
    )


@capability_required(Capability.VIEW_JOURNAL)
@require_safe
def contact_letter(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(pk)
    people = _people_of(contact)
    chosen = request.GET.get("person", "")
    if chosen:
        person = next((p for p in people if str(p.pk) == chosen), None)
        if person is None:
            raise Http404(_("This person is not part of the contact."))
    else:
        person = letters.default_recipient(people, contact.company)
    document = letters.build(contact, person=person, user=request.user)
    response = HttpResponse(
        document,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=letters.file_name(contact)
    )
    response["Cache-Control"] = "private, no-store"
    return response


class ContactEmailForm(forms.Form):
    recipient = forms.TypedChoiceField(label=pgettext_lazy("e-mail recipient", "To"), coerce=int)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=100_000,
    )

    def __init__(self, *args, people: list[Person], **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        self.fields["recipient"].choices = [
            (person.pk, f"{person.full_name} <{person.email}>") for person in people
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        if "\n" in subject or "\r" in subject:
            raise forms.ValidationError(_("The subject must be a single line."))
        return subject

    def person(self) -> Person:
        return self.people[self.cleaned_data["recipient"]]


def _chosen(request: HttpRequest, people: list[Person]) -> int | None:
    """The recipient asked for by ``?person=`` (from the contact page), else the first."""
    wanted = request.GET.get("person", "")
    for person in people:
        if str(person.pk) == wanted:
            return person.pk
    return people[0].pk if people else None


@capability_required(Capability.WRITE_JOURNAL)
def contact_email(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(pk)
    people = emails.recipients(contact)
    kind = emails.email_kind()
    problem = emails.problem(contact)
    if request.method == "POST":
        form = ContactEmailForm(request.POST, people=people)
        if problem:
            form.add_error(None, problem)
        elif form.is_valid():
            try:
                sent = emails.send(
                    contact=contact,
                    person=form.person(),
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    user=request.user,
                )
            except emails.SendFailed as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("E-mail sent to %(name)s and recorded in the journal.")
                    % {"name": form.person().full_name},
                )
                return redirect(sent.contact)
    else:
        initial = {
            "subject": contact.subject,
            "body": emails.initial_body(contact),
            "recipient": _chosen(request, people),
        }
        form = ContactEmailForm(initial=initial, people=people)
    context = {
        "contact": contact,
        "form": form,
        "people": people,
        "opted_out": [person for person in people if person.is_opted_out],
        "without_email": [p for p in _people_of(contact) if p.pk not in form.people],
        "email_kind": kind,
        "problem": problem,
    }
    return render(request, "journal/contact_email.html", context)


urlpatterns = [
    path("export/", journal_export, name="export"),
    path("<int:pk>/letter/", contact_letter, name="contact_letter"),
    path("<int:pk>/email/", contact_email, name="contact_email"),
]
