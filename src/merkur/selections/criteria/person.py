"""Person criteria: function, person code, e-mail, consent and objection, language."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merkur.companies.models import Person
from merkur.companies.models.person import PersonLanguage
from merkur.selections.catalog import PERSON, Criterion, YesNo, register
from merkur.selections.criteria.common import choice_values, membership


@register
class Functions(Criterion):
    key = "person.functions"
    subject = PERSON
    area = "person"
    label = _("Function")
    operators = {"in": "records:companies.Function", "not_in": "records:companies.Function"}

    def q(self, condition, context) -> Q:
        return membership(Person, "functions", condition.operator, condition.value)


@register
class PersonCodes(Criterion):
    key = "person.codes"
    subject = PERSON
    area = "person"
    label = _("Person code")
    operators = {"in": "records:companies.PersonCode", "not_in": "records:companies.PersonCode"}

    def q(self, condition, context) -> Q:
        return membership(Person, "person_codes", condition.operator, condition.value)


@register
class HasEmail(YesNo):
    key = "person.has_email"
    subject = PERSON
    area = "person"
    label = _("Has an e-mail address")

    def holds(self, condition, context) -> Q:
        return ~Q(email="")


@register
class Consent(YesNo):
    key = "person.marketing_consent"
    subject = PERSON
    area = "person"
    label = _("Consented to marketing")

    def holds(self, condition, context) -> Q:
        return Q(marketing_consent_at__isnull=False)


@register
class OptOut(YesNo):
    key = "person.marketing_opt_out"
    subject = PERSON
    area = "person"
    label = _("Objected to marketing")

    def holds(self, condition, context) -> Q:
        return Q(marketing_opt_out_at__isnull=False)


@register
class Language(Criterion):
    key = "person.language"
    subject = PERSON
    area = "person"
    label = _("Language")
    operators = {"in": "texts"}

    def clean_value(self, operator, value):
        return choice_values(value, PersonLanguage.values)

    def q(self, condition, context) -> Q:
        return Q(language__in=condition.value)
