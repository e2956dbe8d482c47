"""Django admin for core models: read-mostly, for operators looking under the hood.

Everyday work happens in Merkur's own pages; writes that have rules (ending a
session, revoking a token) go through the same services here.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from merkur.core import sessions, users
from merkur.core.models import ApiToken, ChangeRecord, UserProfile, UserSession


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows records; nobody adds, changes or deletes them here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "locale"]
    list_filter = ["role", "locale"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = ["user", "role", "locale"]
    readonly_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        # Profiles come with their users (merkur.core.users.user_create).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "last_seen", "ip_address", "user_agent"]
    list_filter = ["user"]
    search_fields = ["user__username", "ip_address"]
    exclude = ["session_key"]
    actions = ["end_sessions"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Needed for the action; the form itself shows read-only fields.
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "session_key"]

    @admin.action(description=_("End selected sessions"))
    def end_sessions(self, request, queryset) -> None:
        keys = list(queryset.values_list("session_key", flat=True))
        for key in keys:
            sessions.session_end(session_key=key)
        self.message_user(
            request,
            ngettext("%(n)d session ended.", "%(n)d sessions ended.", len(keys)) % {"n": len(keys)},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    exclude = ["key_hash"]
    actions = ["revoke_tokens"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "key_hash"]

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_tokens(self, request, queryset) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            users.api_token_revoke(token=token)
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", len(tokens))
            % {"n": len(tokens)},
            messages.SUCCESS,
        )


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "content_type", "object_repr", "company"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "user__username"]
    list_select_related = ["user", "content_type", "company"]
    date_hierarchy = "at"
    # A foreign-key select over millions of companies would not load.
    raw_id_fields = ["company"]
    show_full_result_count = False
