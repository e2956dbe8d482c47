from merkur import __version__
from merkur.core.roles import Capability, has_capability, role_of


def merkur(request):
    user = getattr(request, "user", None)
    return {
        "merkur_version": __version__,
        "user_role": role_of(user),
        "can_edit": has_capability(user, Capability.EDIT_RECORDS),
        "can_manage_master_data": has_capability(user, Capability.MANAGE_MASTER_DATA),
        "can_manage_users": has_capability(user, Capability.MANAGE_USERS),
        "can_view_journal": has_capability(user, Capability.VIEW_JOURNAL),
        "can_write_journal": has_capability(user, Capability.WRITE_JOURNAL),
        "can_manage_journal": has_capability(user, Capability.MANAGE_JOURNAL),
        "can_manage_events": has_capability(user, Capability.MANAGE_EVENTS),
    }
