from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "merkur.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from merkur.core import pdf_fonts  # noqa: F401 — registers the font check
