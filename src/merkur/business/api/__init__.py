"""The business data API: articles, documents, exchange rates, stock, bulk import, figures.

``install(api)`` mounts the routers under the API's root (``/api/v1/``).
"""


def install(api) -> None:
    from merkur.business.api import articles, bulk, documents, figures, files, rates

    api.add_router("/articles", articles.router)
    api.add_router("/batches", articles.batches_router)
    api.add_router("/article-instances", articles.instances_router)
    api.add_router("/documents", documents.router)
    api.add_router("/deliveries", documents.deliveries_router)
    api.add_router("/exchange-rates", rates.router)
    api.add_router("/business-import", files.router)
    api.add_router("/business-import", bulk.router)
    api.add_router("/companies", figures.companies_router)
    api.add_router("/abc", figures.abc_router)
