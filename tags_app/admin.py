"""Read-only tag admin: counts are maintained by the tag services, so they are shown, not edited.

Renaming, reordering and deleting tags changes every linked conversation; staff do that through
the API (``/api/tags``) whose services keep ``count`` and ``position`` exact.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chatcore.admin import EstimatedCountPaginator, OwnerEmailFilter
from tags_app.models import Tag, TaggedConversation


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Tag)
class TagAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("name", "owner", "count", "position", "created_at", "updated_at")
    list_select_related = ("user",)
    list_filter = (OwnerEmailFilter, "created_at")
    search_fields = ("name", "=user__email")
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = ("user",)

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: Tag) -> str:
        return obj.user.email


@admin.register(TaggedConversation)
class TaggedConversationAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("tag", "conversation", "created_at")
    list_select_related = ("tag", "conversation")
    search_fields = ("=tag__name", "=conversation__conversation_id")
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = ("tag", "conversation")
