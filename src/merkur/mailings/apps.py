from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingsConfig(AppConfig):
    name = "merkur.mailings"
    label = "mailings"
    verbose_name = _("Mailings")

    def ready(self) -> None:
        from merkur.core.masterdata import register
        from merkur.mailings import models

        register("event-kinds", models.EventKind)
        from merkur.core import linkable

        # Journal contacts of a mailing link to it and to its event (keys never change).
        linkable.register("mailing", models.Mailing, _("Mailing"))
        linkable.register("event", models.MarketingEvent, _("Marketing event"))
        from merkur.mailings.events import hooks

        hooks.install()
