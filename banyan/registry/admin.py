from __future__ import annotations

from django.contrib import admin

from banyan.common.admin import CommunityReferenceAdmin

from .models import Category


@admin.register(Category)
class CategoryAdmin(CommunityReferenceAdmin):
    list_display = (
        "name",
        "name_en",
        "code",
        "community",
        "sensitive",
        "has_grade",
        "has_validity",
        "sort_order",
    )
    list_filter = ("sensitive",)
    search_fields = ("name", "name_en", "code")
    ordering = ("sort_order", "code")
