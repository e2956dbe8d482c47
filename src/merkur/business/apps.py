from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessConfig(AppConfig):
    name = "merkur.business"
    label = "business"
    verbose_name = _("Business data")

    def ready(self) -> None:
        from merkur.business import models
        from merkur.core import linkable
        from merkur.core.masterdata import register

        register("divisions", models.Division)
        register("article-categories", models.ArticleCategory)

        # Keys are stored with every link: never rename them.
        linkable.register("sales_order", models.SalesOrder, _("Sales order"))
        linkable.register("offer", models.Offer, _("Offer"))
        linkable.register("purchase_order", models.PurchaseOrder, _("Purchase order"))
        linkable.register("article", models.Article, _("Article"))
        linkable.register("batch", models.Batch, _("Batch"))
        linkable.register("article_instance", models.ArticleInstance, _("Article instance"))
        linkable.register("serial_number", models.ArticleInstance, _("Serial number"))
