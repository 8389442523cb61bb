"""Read-only admin for messages, their content parts, feedback and memories.

Messages are browsed (and opened from a conversation's tree view); they are not edited here,
because every write must go through the API's services (token counts, tree rules, search
documents). Lists use the estimated-count paginator and exact-id search only, so a million rows
cost one index scan per page.

Memories are read-only too (their token counts and the limit belong to the services), but staff
with the delete permission can delete one when a user asks; the database then clears the
``memoryId`` of the messages that named it (docs/api-behaviour.md#memories).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chatcore.admin import EstimatedCountPaginator, OwnerEmailFilter, change_link
from messages_app.models import ContentPart, Feedback, Memory, MemoryPreference, Message


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContentPartInline(ReadOnlyMixin, admin.TabularInline):
    model = ContentPart
    fields = ("index", "type", "text", "agent_id", "payload")
    readonly_fields = fields
    ordering = ("index",)
    extra = 0
    show_change_link = False


class FeedbackInline(ReadOnlyMixin, admin.StackedInline):
    model = Feedback
    fields = ("rating", "tag", "text", "comment_key", "created_at", "updated_at")
    readonly_fields = fields
    extra = 0


@admin.register(Message)
class MessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "message_id",
        "conversation_title",
        "sender",
        "is_created_by_user",
        "short_text",
        "model",
        "created_at",
    )
    list_select_related = ("conversation",)
    list_filter = (OwnerEmailFilter, "is_created_by_user", "error", "unfinished")
    search_fields = ("=message_id", "=conversation__conversation_id", "=parent_message_id")
    search_help_text = "Exact messageId, conversationId or parentMessageId"
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("conversation", "user")
    inlines = (ContentPartInline, FeedbackInline)
    readonly_fields = (
        "message_id",
        "conversation_ref",
        "user",
        "parent_message_id",
        "sender",
        "text",
        "is_created_by_user",
        "endpoint",
        "model",
        "token_count",
        "summary",
        "unfinished",
        "error",
        "finish_reason",
        "cost",
        "memory",
        "metadata",
        "attachments",
        "files",
        "extra",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    @admin.display(description="conversation")
    def conversation_title(self, obj: Message) -> str:
        return obj.conversation.title

    @admin.display(description="conversation")
    def conversation_ref(self, obj: Message) -> str:
        return change_link(obj.conversation, obj.conversation.title)

    @admin.display(description="text")
    def short_text(self, obj: Message) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"


@admin.register(ContentPart)
class ContentPartAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "message", "index", "type", "agent_id")
    list_filter = ("type",)
    search_fields = ("=message__message_id",)
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = ("message", "user")


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("message", "rating", "tag", "text", "created_at")
    list_filter = ("rating", "created_at")
    search_fields = ("=message__message_id",)
    list_select_related = ("message",)
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = ("message", "user")


@admin.register(Memory)
class MemoryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Memories per user (filter by owner email); deleting is allowed on request."""

    list_display = ("key", "owner", "agent_id", "short_value", "token_count", "updated_at")
    list_select_related = ("user",)
    list_filter = (OwnerEmailFilter,)
    search_fields = ("=key", "=memory_id")
    search_help_text = "Exact key or memory id"
    ordering = ("-updated_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = ("user",)
    readonly_fields = (
        "memory_id",
        "user",
        "agent_id",
        "key",
        "value",
        "token_count",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: Memory) -> str:
        return obj.user.email

    @admin.display(description="value")
    def short_value(self, obj: Memory) -> str:
        return obj.value if len(obj.value) <= 80 else obj.value[:79] + "…"


@admin.register(MemoryPreference)
class MemoryPreferenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who turned memories off (no row: on)."""

    list_display = ("user", "memories", "updated_at")
    list_select_related = ("user",)
    list_filter = ("memories", OwnerEmailFilter)
    raw_id_fields = ("user",)
    readonly_fields = ("user", "memories", "updated_at")
    fields = readonly_fields
