from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttributesConfig(AppConfig):
    name = "merkur.attributes"
    label = "attributes"
    verbose_name = _("Attributes")
