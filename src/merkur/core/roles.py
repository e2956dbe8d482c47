"""Roles and what each may do — the one place that maps a role to its rights.

Every view and API route asks ``has_capability`` (or ``require``) instead of
checking roles itself, so changing what a role may do is a one-line change here.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    READ_ONLY = "read_only", _("Read only")


class Capability(models.TextChoices):
    VIEW_RECORDS = "view_records", _("View companies, people and addresses")
    EDIT_RECORDS = "edit_records", _("Create and change companies, people and addresses")
    MANAGE_MASTER_DATA = "manage_master_data", _("Maintain master tables")
    MANAGE_USERS = "manage_users", _("Manage users and sessions")
    VIEW_JOURNAL = "view_journal", _("View the contact journal")
    WRITE_JOURNAL = "write_journal", _("Record contacts and follow-ups")
    MANAGE_JOURNAL = "manage_journal", _("Delete any contact and record absences for others")
    SAVE_SELECTIONS = "save_selections", _("Save selections and freeze their runs")
    MANAGE_JOBS = "manage_jobs", _("See and cancel everybody's background jobs")
    MANAGE_EVENTS = "manage_events", _("Manage marketing events and mailings")


_ALL = frozenset(Capability)
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: _ALL,
    Role.SALES: frozenset(
        {
            Capability.VIEW_RECORDS,
            Capability.EDIT_RECORDS,
            Capability.VIEW_JOURNAL,
            Capability.WRITE_JOURNAL,
            Capability.SAVE_SELECTIONS,
            Capability.MANAGE_EVENTS,
        }
    ),
    Role.MARKETING: frozenset(
        {
            Capability.VIEW_RECORDS,
            Capability.EDIT_RECORDS,
            Capability.VIEW_JOURNAL,
            Capability.WRITE_JOURNAL,
            Capability.SAVE_SELECTIONS,
            Capability.MANAGE_EVENTS,
        }
    ),
    Role.READ_ONLY: frozenset({Capability.VIEW_RECORDS, Capability.VIEW_JOURNAL}),
}


def role_of(user) -> str | None:
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile else None


def has_capability(user, capability: str) -> bool:
    role = role_of(user)
    return role is not None and capability in ROLE_CAPABILITIES.get(role, frozenset())


def require(user, capability: str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` has ``capability``."""
    if not has_capability(user, capability):
        raise PermissionDenied
