"""The Django admin is for superusers; day-to-day posts are managed at /accounts/posts/."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessLog, ApiToken, Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "node", "building", "community", "active", "granted_at")
    list_filter = ("role", "active")
    search_fields = ("user__username", "user__first_name", "node__name", "title")
    raw_id_fields = ("user", "node", "building", "community")
    readonly_fields = ("granted_at", "revoked_at")
    list_select_related = ("user", "node", "building__compound", "community")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Append-only: nobody edits or deletes access-log rows (SECURITY.md 9)."""

    list_display = ("at", "user", "action", "community", "person", "ip", "via")
    list_filter = ("action", "via")
    list_select_related = ("user", "community", "person")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API; here they can only be looked at or deleted (revoked)."""

    list_display = ("user", "created_at", "expires_at", "last_used_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "key_hash", "created_at", "expires_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
