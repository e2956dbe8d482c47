from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttributesConfig(AppConfig):
    name = "merkur.attributes"
    label = "attributes"
    verbose_name = _("Attributes")

    def ready(self) -> None:
        from merkur.attributes import linkable
        from merkur.companies.models import Company, Person

        linkable.register("company", Company, _("Company"))
        linkable.register("person", Person, _("Person"))
