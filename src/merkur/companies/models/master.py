"""Master tables (Stammdaten) that classify companies and people.

Users maintain them in the app; see ``merkur.core.models.MasterData``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from merkur.core.models import MasterData


class Industry(MasterData):
    """Branche — a company may be in several."""

    class Meta(MasterData.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class InterestArea(MasterData):
    """Interessengebiet — a company may have several."""

    class Meta(MasterData.Meta):
        verbose_name = _("interest area")
        verbose_name_plural = _("interest areas")


class CompanyClass(MasterData):
    """Firmenklasse — one per company (e.g. A-Kunde, Konzern, KMU)."""

    class Meta(MasterData.Meta):
        verbose_name = _("company class")
        verbose_name_plural = _("company classes")


class SalesRep(MasterData):
    """Vertreter (Aussendienst) — the one sales representative of a company."""

    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta(MasterData.Meta):
        verbose_name = _("sales representative")
        verbose_name_plural = _("sales representatives")


class LegalForm(MasterData):
    """Rechtsform (GmbH, AG, GmbH & Co. KG, e.K. …)."""

    class Meta(MasterData.Meta):
        verbose_name = _("legal form")
        verbose_name_plural = _("legal forms")


class Function(MasterData):
    """Funktion of a person (Einkäufer, Geschäftsführer …); a person may have several."""

    class Meta(MasterData.Meta):
        verbose_name = _("function")
        verbose_name_plural = _("functions")


class PersonCode(MasterData):
    """Personen-Code: a free classification of people."""

    class Meta(MasterData.Meta):
        verbose_name = _("person code")
        verbose_name_plural = _("person codes")


class Salutation(MasterData):
    """Anrede (Frau, Herr …) with the opening of a letter that goes with it."""

    letter_salutation = models.CharField(
        _("letter salutation"),
        max_length=100,
        help_text=_(
            'Opening of a letter, followed by title and last name, e.g. "Sehr geehrte Frau".'
        ),
    )

    class Meta(MasterData.Meta):
        verbose_name = _("salutation")
        verbose_name_plural = _("salutations")


class Title(MasterData):
    """Titel (Dr., Prof. Dr., Dipl.-Ing. …)."""

    in_letter_salutation = models.BooleanField(
        _("use in letter salutation"),
        default=True,
        help_text=_('Academic titles such as "Dr." are part of the salutation; others are not.'),
    )

    class Meta(MasterData.Meta):
        verbose_name = _("title")
        verbose_name_plural = _("titles")
