from django.urls import path

from merkur.business.views import abc, abc_fragment, articles, documents, rates, stock

app_name = "business"

urlpatterns = [
    path("articles/", articles.article_list, name="articles"),
    path("articles/<int:pk>/", articles.article_detail, name="article"),
    path("documents/", documents.document_list, name="documents"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("batches/<int:pk>/", stock.batch_detail, name="batch"),
    path("deliveries/<int:pk>/", stock.delivery_detail, name="delivery"),
    path("instances/<int:pk>/", stock.instance_detail, name="instance"),
    path("serial-numbers/", stock.serial_search, name="serials"),
    path("exchange-rates/", rates.rate_list, name="rates"),
    path("exchange-rates/<int:pk>/delete/", rates.rate_delete, name="rate_delete"),
    path("abc-analysis/", abc.abc_analysis, name="abc"),
    path("companies/<int:pk>/abc-class/", abc_fragment.company_abc_class, name="company_abc"),
]
