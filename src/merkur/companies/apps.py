from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "merkur.companies"
    label = "companies"
    verbose_name = _("Companies and people")

    def ready(self) -> None:
        from merkur.companies import models
        from merkur.core import linkable
        from merkur.core.masterdata import register

        linkable.register("company", models.Company, _("Company"))
        linkable.register("person", models.Person, _("Person"))

        register("industries", models.Industry)
        register("interest-areas", models.InterestArea)
        register("company-classes", models.CompanyClass)
        register("sales-reps", models.SalesRep, ("email", "phone"))
        register("legal-forms", models.LegalForm)
        register("functions", models.Function)
        register("person-codes", models.PersonCode)
        register("salutations", models.Salutation, ("letter_salutation",))
        register("titles", models.Title, ("in_letter_salutation",))
