"""Who may use the mailing and event endpoints: reading needs VIEW_RECORDS, writing
MANAGE_EVENTS (one place, so ``/events`` and ``/mailings`` cannot drift apart)."""

from django.http import HttpRequest

from merkur.core.api.auth import require_capability
from merkur.core.roles import Capability


def require_view(request: HttpRequest) -> None:
    """403 unless the user may read records."""
    require_capability(request, Capability.VIEW_RECORDS)


def require_manage(request: HttpRequest) -> None:
    """403 unless the user may manage marketing events and mailings."""
    require_capability(request, Capability.MANAGE_EVENTS)
