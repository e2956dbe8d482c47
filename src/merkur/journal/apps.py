from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "merkur.journal"
    label = "journal"
    verbose_name = _("Contact journal")

    def ready(self) -> None:
        from merkur.core.masterdata import register
        from merkur.journal import models

        # Two levels each: the group is its own master table, the item points at it.
        register("contact-kind-groups", models.ContactKindGroup)
        register("contact-kinds", models.ContactKind, ("group",))
        register("contact-type-groups", models.ContactTypeGroup)
        register("contact-types", models.ContactType, ("group",))
