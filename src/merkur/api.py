"""The REST API at ``/api/v1/``: token or session auth, JSON errors, OpenAPI and docs.

Routers live with their apps (``merkur.companies.api``) and in
``merkur.core.api`` (master tables, account); this module only assembles them.
Swagger UI's files come from ninja's own static files (``ninja`` is in
``INSTALLED_APPS``), so ``/api/v1/docs`` works without internet access.
"""

from ninja import NinjaAPI
from ninja.operation import Operation

from merkur.attributes.api import definitions as attribute_definitions
from merkur.attributes.api import records as attribute_records
from merkur.business.api import install as install_business_api
from merkur.companies.api import addresses, companies, people
from merkur.core.api import account, errors, master
from merkur.core.api.auth import SessionAuth, TokenAuth
from merkur.jobs.api import router as jobs_router
from merkur.journal.api import contacts as journal_contacts
from merkur.journal.api import followups as journal_followups
from merkur.mailings.api import install as install_mailings_api
from merkur.selections.api import install as install_selections_api
from merkur.transfer.export import api as export_api
from merkur.transfer.importing import api as import_api

DESCRIPTION = """\
The Merkur CRM: companies, their people and addresses, and the master tables.

**Authentication**: a personal API token (create one under *Account → API tokens*)
as `Authorization: Bearer <token>`, or the session of a logged-in browser (then
unsafe methods need the `X-CSRFToken` header). What a caller may do follows the
user's role.

**Errors** are JSON: `{"detail": "…", "errors": {"field": ["message", …]}}`.
400 malformed request, 401 not authenticated, 403 not allowed, 404 not found,
409 conflict (stale `version`, entry in use), 422 invalid input.

**Lists** are paged by cursor: pass `next_cursor` back as `?cursor=`; `limit` is
at most 200. `count` stops at a cap on large tables (`count_exact` is then false).
"""


class MerkurAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # ``list_companies`` instead of ``merkur_companies_api_companies_list_companies``:
        # generated clients name their methods after these.
        return operation.view_func.__name__


api = MerkurAPI(
    title="Merkur API",
    version="1",
    description=DESCRIPTION,
    auth=[TokenAuth(), SessionAuth()],
)
errors.install(api)
attribute_records.install(api)

api.add_router("/", account.router)
api.add_router("/companies", companies.router)
api.add_router("/companies", addresses.links_router)
api.add_router("/addresses", addresses.router)
api.add_router("/people", people.router)
api.add_router("/master", master.build_router())
api.add_router("/attributes", attribute_definitions.router)
api.add_router("/companies", attribute_records.record_router("company"))
api.add_router("/people", attribute_records.record_router("person"))
api.add_router("/attribute-values", attribute_records.values_router)
api.add_router("/contacts", journal_contacts.router)
api.add_router("/", journal_followups.router)
install_business_api(api)
install_selections_api(api)
api.add_router("/jobs", jobs_router)
api.add_router("/exports", export_api.router)
api.add_router("/imports", import_api.router)
install_mailings_api(api)
