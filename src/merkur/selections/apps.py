from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionsConfig(AppConfig):
    name = "merkur.selections"
    label = "selections"
    verbose_name = _("Selections")

    def ready(self) -> None:
        # Every criterion registers itself in the catalog when its module is imported.
        from merkur.selections import criteria  # noqa: F401
