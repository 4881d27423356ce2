"""The Django admin is for superusers; day-to-day posts are managed at /accounts/posts/."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import AccessLog, ApiToken, Post
from .sessions import sign_ins_end_without_post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """A post ended, deleted or given to someone else here ends the sign-ins (tokens and
    sessions) of a user left without an active post, as `services.post_revoke` does."""

    list_display = ("user", "role", "node", "building", "community", "active", "granted_at")
    list_filter = ("role", "active")
    search_fields = ("user__username", "user__first_name", "node__name", "title")
    raw_id_fields = ("user", "node", "building", "community")
    readonly_fields = ("granted_at", "revoked_at")
    list_select_related = ("user", "node", "building__compound", "community")

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        before = Post.objects.filter(pk=obj.pk).values_list("user_id", flat=True).first()
        super().save_model(request, obj, form, change)
        for user_id in {obj.user_id, before} - {None}:
            sign_ins_end_without_post(user_id=user_id)

    def delete_model(self, request: HttpRequest, obj: Post) -> None:
        super().delete_model(request, obj)
        sign_ins_end_without_post(user_id=obj.user_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        user_ids = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in user_ids:
            sign_ins_end_without_post(user_id=user_id)


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
