"""Read-only admin for messages, their content parts, feedback and memories.

Messages are browsed (and opened from a conversation's tree view); they are not edited here,
because every write must go through the API's services (token counts, tree rules, search
documents). Lists use the estimated-count paginator; search is by exact id or, through the
full-text search backend, by the words of the message, one owner-scoped search per owner the
owner filter names (docs/api-behaviour.md#admin-search). Text keeps its line breaks and code
indentation (``white-space: pre-wrap``), and opening a message records the staff member in the
access log (``chatcore.audit``).

Memories are read-only too (their token counts and the limit belong to the services), but staff
with the delete permission can delete one when a user asks; the database then clears the
``memoryId`` of the messages that named it (docs/api-behaviour.md#memories).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from chatcore.admin import (
    SEARCH_NEEDS_OWNER,
    EstimatedCountPaginator,
    OwnerEmailFilter,
    change_link,
    search_owners,
    short_id,
)
from chatcore.audit import staff_access_record
from chatcore.errors import ApplicationError
from messages_app.models import ContentPart, Feedback, Memory, MemoryPreference, Message
from messages_app.search import message_search

# Full-text hits kept per owner in an admin search (the most relevant first); with at most
# SEARCH_MAX_OWNERS owners that is at most 2,000 ids.
SEARCH_HITS_PER_OWNER = 100


def _pre(text: str | None) -> str:
    return format_html('<div style="white-space: pre-wrap;">{}</div>', text or "")


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContentPartInline(ReadOnlyMixin, admin.TabularInline):
    model = ContentPart
    fields = ("index", "type", "part_text", "agent_id", "payload")
    readonly_fields = fields

    @admin.display(description="text")
    def part_text(self, obj: ContentPart) -> str:
        return _pre(obj.text)

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
        "short_message_id",
        "owner",
        "conversation_title",
        "sender",
        "is_created_by_user",
        "short_text",
        "model",
        "created_at",
    )
    list_display_links = ("short_message_id",)
    list_select_related = ("conversation", "user")
    list_filter = (OwnerEmailFilter, "is_created_by_user", "error", "unfinished")
    search_fields = ("=message_id", "=conversation__conversation_id", "=parent_message_id")
    search_help_text = (
        "Exact messageId, conversationId or parentMessageId, or words of the message "
        "(full-text, per owner: narrow the owner filter when there are many users)"
    )
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
        "message_text",
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

    @admin.display(description="messageId", ordering="message_id")
    def short_message_id(self, obj: Message) -> str:
        return short_id(obj.message_id)

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: Message) -> str:
        return obj.user.email

    @admin.display(description="text")
    def message_text(self, obj: Message) -> str:
        return _pre(obj.text)

    @admin.display(description="conversation")
    def conversation_title(self, obj: Message) -> str:
        return obj.conversation.title

    @admin.display(description="conversation")
    def conversation_ref(self, obj: Message) -> str:
        return change_link(obj.conversation, obj.conversation.title)

    @admin.display(description="text")
    def short_text(self, obj: Message) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Exact id matches, or'ed with the full-text backend's matches for each owner the
        owner filter names (docs/api-behaviour.md#admin-search)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, duplicates
        owners = search_owners(request)
        if owners is None:
            self.message_user(request, SEARCH_NEEDS_OWNER, messages.WARNING)
            return found, duplicates
        pks: set[int] = set()
        for owner in owners:
            try:
                page = message_search(user=owner, query=term, page_size=SEARCH_HITS_PER_OWNER)
            except ApplicationError:
                break  # a query with nothing searchable ("--"): ids only
            pks.update(hit.message_pk for hit in page.hits)
        if pks:
            found = found | queryset.filter(pk__in=pks)
        return found, duplicates

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        message = self.get_object(request, object_id)
        if message is not None:
            staff_access_record(
                staff=request.user,
                owner=message.user,
                object_type="message",
                object_id=message.message_id,
                label=message.conversation.title,
            )
        return super().change_view(request, object_id, form_url, extra_context)


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
