"""Shared building blocks: base models, users' profiles, sessions, API tokens, change history."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merkur.core.roles import Role


class VersionedModel(models.Model):
    """A record that is edited by people: timestamps and a version for optimistic locking.

    ``version`` grows by one on every saved change; an update names the version
    it started from and fails if somebody else saved in between
    (see ``merkur.core.locking``).
    """

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class MasterData(models.Model):
    """An entry of a master table (Stamm) that users maintain themselves.

    Entries are renamed, reordered and deactivated; deactivated ones stay on the
    records that use them but are no longer offered for new entries.
    """

    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="%(app_label)s_%(class)s_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Locale(models.TextChoices):
    """Language of the UI and the formats of dates and numbers."""

    DE = "de", _("German (Germany)")
    DE_AT = "de-at", _("German (Austria)")
    DE_CH = "de-ch", _("German (Switzerland)")
    EN = "en", _("English")


class UserProfile(models.Model):
    """What Merkur keeps about a user beyond Django's ``User``: role and locale."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.READ_ONLY)
    locale = models.CharField(
        _("language and formats"), max_length=10, choices=Locale, default=Locale.DE
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="core_userprofile_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(locale__in=Locale.values), name="core_userprofile_locale_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class UserSession(models.Model):
    """A logged-in browser session; the seat limit counts the users behind these."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merkur_sessions"
    )
    created_at = models.DateTimeField(_("logged in"), default=timezone.now)
    last_seen = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.ip_address or '?'}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal token for the REST API. Only its SHA-256 hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Create a token; the plain key is returned once and never stored."""
        key = "mk_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], key_hash=cls.hash_key(key))
        return token, key


class ChangeRecord(models.Model):
    """One change to a record: who, when, what (old → new). Written by services."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        ARCHIVE = "archive", _("archived")
        RESTORE = "restore", _("restored")
        DELETE = "delete", _("deleted")
        MOVE = "move", _("moved")

    # A change record is written with every change (by a large import, two per row),
    # so the database checks none of its references, as it cannot check
    # ``object_id``'s: deleting a company or user deletes or unlinks its records in
    # Django (``on_delete``), not in the database. Content type and company are
    # looked up through the indexes in ``Meta`` that start with them.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    # The company the change belongs to, so its page can show the history of
    # its people and addresses too.
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="change_records",
        db_index=False,
        db_constraint=False,
    )
    action = models.CharField(max_length=10, choices=Action)
    changes = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            models.Index(fields=["company", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"
