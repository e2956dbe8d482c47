"""Building blocks of the REST API shared by every app's routers.

Authentication (``auth``), the JSON error shape (``errors``), cursor pagination
(``pagination``), input helpers (``schemas``) and the generated master-table
routes (``master``). The ``NinjaAPI`` itself lives in ``merkur.api``.
"""
