"""Admin for reference data a community extends (categories, facility kinds).

A community admin (Cap.MANAGE_POSTS) signs into the Django admin with is_staff and
the model permissions; they see the shared rows read-only and add or change rows of
their own communities only. Superusers manage the shared rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope


class CommunityReferenceAdmin(admin.ModelAdmin):
    def _own(self, request: HttpRequest) -> frozenset[int]:
        return get_scope(request.user).community_ids(Cap.MANAGE_POSTS)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(community__isnull=True) | Q(community_id__in=self._own(request)))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not request.user.is_superuser:
            if obj.community_id not in self._own(request):
                return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Reference rows are referenced by history; retire them instead of deleting.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "community" and not request.user.is_superuser:
            from banyan.places.models import Node

            kwargs["queryset"] = Node.objects.filter(pk__in=self._own(request))
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
