"""Wire shapes of the conversations API (camelCase out, snake_case in Python).

Input serializers carry LibreChat's exact error sentences ("conversationId is required",
"title must be a string", ...) as field messages (``messages_for``); views parse with
``chatcore.serializers.validated``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from chatcore.schema import schema_rules
from chatcore.schema_examples import CONVERSATION_ID, MESSAGE_ID, request_example
from chatcore.serializers import (
    BodySerializer,
    ModelSerializer,
    PageSizeField,
    PublicIdField,
    QueryBooleanField,
    StrictBooleanField,
    StrictCharField,
    TimestampField,
    iso,
    messages_for,
    public_id_field,
)
from convos_app.models import SETTINGS_KEYS, Conversation
from convos_app.selectors.conversations import (
    ITEM_COLUMNS,
    SORT_DIRECTIONS,
    SORT_FIELDS,
    ConversationPage,
)
from convos_app.services.fork import FORK_OPTIONS

# --- Inputs -----------------------------------------------------------------------------------
# The ``{arg: {...}}`` envelope LibreChat's client sends to rename, archive and delete.
ARG_ERRORS = {
    "required": "arg is required",
    "null": "arg is required",
    "invalid": "arg must be an object",
}


class ConversationListQuerySerializer(serializers.Serializer):
    limit = PageSizeField(default=25, maximum=100)
    cursor = StrictCharField(
        required=False, allow_blank=True, error_messages=messages_for("cursor")
    )
    isArchived = QueryBooleanField(
        required=False, error_messages={"invalid": "isArchived must be true or false"}
    )
    tags = serializers.ListField(
        child=StrictCharField(error_messages=messages_for("tags")), required=False
    )
    search = StrictCharField(
        required=False, allow_blank=True, error_messages=messages_for("search")
    )
    pinned = QueryBooleanField(
        required=False, error_messages={"invalid": "pinned must be true or false"}
    )
    projectId = PublicIdField(required=False, error_messages=messages_for("projectId"))
    sortBy = serializers.ChoiceField(
        choices=list(SORT_FIELDS),
        required=False,
        error_messages={"invalid_choice": "sortBy must be one of: " + ", ".join(SORT_FIELDS)},
    )
    sortDirection = serializers.ChoiceField(
        choices=list(SORT_DIRECTIONS),
        required=False,
        error_messages={"invalid_choice": "sortDirection must be one of: asc, desc"},
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # axios-style ``tags[]=a&tags[]=b`` is accepted as well as ``tags=a&tags=b``.
        fields["tags[]"] = serializers.ListField(
            child=StrictCharField(error_messages=messages_for("tags")), required=False
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tags = [*attrs.pop("tags", []), *attrs.pop("tags[]", [])]
        return {
            "limit": attrs["limit"],
            "cursor": attrs.get("cursor") or None,
            "is_archived": attrs.get("isArchived", False),
            "tags": [tag for tag in tags if tag],
            "search": attrs.get("search") or None,
            "pinned": attrs.get("pinned"),
            "project_id": attrs.get("projectId") or None,
            "sort_by": attrs.get("sortBy", "updatedAt"),
            "sort_direction": attrs.get("sortDirection", "desc"),
        }


class ConversationUpdateArgSerializer(serializers.Serializer):
    conversationId = public_id_field("conversationId")
    title = StrictCharField(
        allow_blank=True, trim_whitespace=False, error_messages=messages_for("title")
    )


@request_example({"arg": {"conversationId": CONVERSATION_ID, "title": "Reversing lists in Python"}})
class ConversationUpdateInputSerializer(BodySerializer):
    arg = ConversationUpdateArgSerializer(error_messages=ARG_ERRORS)


class ConversationArchiveArgSerializer(serializers.Serializer):
    conversationId = public_id_field("conversationId")
    isArchived = StrictBooleanField(
        error_messages={
            "required": "isArchived is required",
            "null": "isArchived must be a boolean",
            "invalid": "isArchived must be a boolean",
        }
    )


@request_example({"arg": {"conversationId": CONVERSATION_ID, "isArchived": True}})
class ConversationArchiveInputSerializer(BodySerializer):
    arg = ConversationArchiveArgSerializer(error_messages=ARG_ERRORS)


class ConversationPinArgSerializer(serializers.Serializer):
    conversationId = public_id_field("conversationId")
    pinned = StrictBooleanField(
        error_messages={
            "required": "pinned is required",
            "null": "pinned must be a boolean",
            "invalid": "pinned must be a boolean",
        }
    )


@request_example({"arg": {"conversationId": CONVERSATION_ID, "pinned": True}})
class ConversationPinInputSerializer(BodySerializer):
    arg = ConversationPinArgSerializer(error_messages=ARG_ERRORS)


class ArchiveAllResponseSerializer(serializers.Serializer):
    archivedCount = serializers.IntegerField()


class ConversationDeleteArgSerializer(serializers.Serializer):
    conversationId = public_id_field("conversationId")
    source = StrictCharField(
        required=False, allow_null=True, allow_blank=True, error_messages=messages_for("source")
    )
    thread_id = StrictCharField(
        required=False, allow_null=True, allow_blank=True, error_messages=messages_for("thread_id")
    )
    endpoint = StrictCharField(
        required=False, allow_null=True, allow_blank=True, error_messages=messages_for("endpoint")
    )


@request_example({"arg": {"conversationId": CONVERSATION_ID}})
class ConversationDeleteInputSerializer(BodySerializer):
    arg = ConversationDeleteArgSerializer(error_messages=ARG_ERRORS)


@schema_rules(properties={"option": {"enum": [*FORK_OPTIONS, None]}})
@request_example(
    {
        "conversationId": CONVERSATION_ID,
        "messageId": MESSAGE_ID,
        "option": "directPath",
        "splitAtTarget": False,
        "latestMessageId": MESSAGE_ID,
    }
)
class ConversationForkInputSerializer(BodySerializer):
    conversationId = public_id_field("conversationId")
    messageId = public_id_field("messageId")
    option = StrictCharField(
        required=False, allow_null=True, allow_blank=True, error_messages=messages_for("option")
    )
    splitAtTarget = StrictBooleanField(
        required=False,
        allow_null=True,
        error_messages={"invalid": "splitAtTarget must be a boolean"},
    )
    latestMessageId = public_id_field("latestMessageId", required=False, allow_null=True)


@request_example({"conversationId": CONVERSATION_ID, "title": "Reversing lists in Python (copy)"})
class ConversationDuplicateInputSerializer(BodySerializer):
    conversationId = public_id_field("conversationId")
    title = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        error_messages=messages_for("title"),
    )


# --- Outputs ----------------------------------------------------------------------------------
def conversation_item(row: Mapping[str, Any]) -> dict[str, Any]:
    """The one place a conversation becomes its wire item (docs/api-behaviour.md#conversation-read).

    ``row`` holds ``ITEM_COLUMNS`` and ``tag_names`` (a ``ConversationRow`` from the selectors,
    or a model instance's values through ``ConversationSerializer``). A plain function rather
    than a serializer per row: a 60-row list page spent a third of its time in DRF field
    machinery. Timestamps go through ``iso`` (its fast path: database values are UTC). Preset keys
    kept in ``settings`` are flattened onto the object, as LibreChat stores them.
    """
    item = {
        "conversationId": row["conversation_id"],
        "title": row["title"],
        "user": str(row["user_id"]),
        "endpoint": row["endpoint"],
        "endpointType": row["endpoint_type"],
        "model": row["model"],
        "agent_id": row["agent_id"],
        "assistant_id": row["assistant_id"],
        "spec": row["spec"],
        "iconURL": row["icon_url"],
        "isArchived": row["is_archived"],
        "archivedAt": iso(row["archived_at"]),
        "pinned": row["pinned"],
        "projectId": row["project_public_id"],
        "chatProjectId": row["project_public_id"],
        "isTemporary": row["is_temporary"],
        "expiredAt": iso(row["expired_at"]),
        "files": row["files"],
        "tags": list(row["tag_names"] or ()),
        "isShared": row.get("is_shared", False),
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }
    settings = row["settings"]
    if settings:
        for key in SETTINGS_KEYS:
            if key in settings:
                item[key] = settings[key]
    return item


def conversation_list_body(page: ConversationPage) -> dict[str, Any]:
    """``GET /api/convos``'s body (its schema: ``ConversationListResponseSerializer``)."""
    return {
        "conversations": [conversation_item(row) for row in page.conversations],
        "nextCursor": page.next_cursor,
        "pageNumber": page.page_number,
        "pageSize": page.page_size,
        "pages": page.pages,
    }


class ConversationSerializer(ModelSerializer):
    """A conversation with all its fields: columns, tags, and every stored preset setting.

    The declared fields describe the item for the OpenAPI schema; the output itself is
    ``conversation_item``, so a model instance (a write path's answer) and a list row render
    through the same function. ``tags`` comes from the ``tag_names`` annotation the selectors
    add (no per-row query).
    """

    conversationId = serializers.CharField(source="conversation_id")
    user = serializers.CharField(source="user_id")
    endpointType = serializers.CharField(source="endpoint_type", allow_null=True)
    iconURL = serializers.CharField(source="icon_url", allow_null=True)
    isArchived = serializers.BooleanField(source="is_archived")
    archivedAt = TimestampField(source="archived_at", allow_null=True)
    pinned = serializers.BooleanField()
    projectId = serializers.CharField(allow_null=True, help_text="The project's public id")
    chatProjectId = serializers.CharField(
        allow_null=True, help_text="The same id under the name LibreChat's client reads"
    )
    isTemporary = serializers.BooleanField(source="is_temporary")
    expiredAt = TimestampField(source="expired_at", allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), source="tag_names")
    # A live shared link exists (docs/api-behaviour.md#shared-links).
    isShared = serializers.BooleanField(source="is_shared")
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    class Meta:
        model = Conversation
        fields = [
            "conversationId",
            "title",
            "user",
            "endpoint",
            "endpointType",
            "model",
            "agent_id",
            "assistant_id",
            "spec",
            "iconURL",
            "isArchived",
            "archivedAt",
            "pinned",
            "projectId",
            "chatProjectId",
            "isTemporary",
            "expiredAt",
            "files",
            "tags",
            "isShared",
            "createdAt",
            "updatedAt",
        ]

    def to_representation(self, instance: Conversation) -> dict[str, Any]:
        row = {column: getattr(instance, column) for column in ITEM_COLUMNS}
        row["tag_names"] = getattr(instance, "tag_names", None)
        # A fresh copy (fork, duplicate) is not read through the selectors: it has no link yet.
        row["is_shared"] = getattr(instance, "is_shared", False)
        if hasattr(instance, "project_public_id"):
            row["project_public_id"] = instance.project_public_id
        else:  # a write path's fresh instance, not read through the selectors
            row["project_public_id"] = instance.project.project_id if instance.project_id else None
        return conversation_item(row)


class ConversationListResponseSerializer(serializers.Serializer):
    """The list body's schema; the body itself is built by ``conversation_list_body``."""

    conversations = ConversationSerializer(many=True)
    nextCursor = serializers.CharField(source="next_cursor", allow_null=True)
    pageNumber = serializers.IntegerField(source="page_number")
    pageSize = serializers.IntegerField(source="page_size")
    pages = serializers.IntegerField()


class DeletedMessagesSerializer(serializers.Serializer):
    deletedCount = serializers.IntegerField(source="messages")


class ConversationDeleteResponseSerializer(serializers.Serializer):
    acknowledged = serializers.SerializerMethodField()
    deletedCount = serializers.IntegerField(source="conversations")
    messages = DeletedMessagesSerializer(source="*")

    def get_acknowledged(self, obj: object) -> bool:
        return True


class ConversationMessageSerializer(serializers.Serializer):
    """A message as fork/duplicate return it (LibreChat's ``TMessage`` keys).

    Reads ``content_parts`` and ``feedback`` prefetched by the selector, so no per-row query.
    """

    messageId = serializers.CharField(source="message_id")
    conversationId = serializers.CharField(source="conversation.conversation_id")
    parentMessageId = serializers.CharField(source="parent_message_id")
    sender = serializers.CharField()
    text = serializers.CharField()
    isCreatedByUser = serializers.BooleanField(source="is_created_by_user")
    endpoint = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    tokenCount = serializers.IntegerField(source="token_count", allow_null=True)
    unfinished = serializers.BooleanField()
    error = serializers.BooleanField()
    finish_reason = serializers.CharField(allow_null=True)
    iconURL = serializers.CharField(source="icon_url", allow_null=True)
    thread_id = serializers.CharField(allow_null=True)
    attachments = serializers.JSONField(allow_null=True)
    files = serializers.JSONField(allow_null=True)
    metadata = serializers.JSONField(allow_null=True)
    content = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    def get_content(self, obj: Any) -> list[dict[str, Any]] | None:
        parts = sorted(obj.content_parts.all(), key=lambda part: part.index)
        return [part.payload for part in parts] or None

    def get_feedback(self, obj: Any) -> dict[str, Any] | None:
        row = getattr(obj, "feedback", None)
        if row is None:
            return None
        body: dict[str, Any] = {"rating": row.rating, "tag": row.tag}
        if row.text is not None:
            body[row.comment_key] = row.text
        return body

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        for key, value in (instance.extra or {}).items():
            data.setdefault(key, value)
        return data


class ConversationCopyResponseSerializer(serializers.Serializer):
    conversation = ConversationSerializer()
    messages = ConversationMessageSerializer(many=True)


class TitleResponseSerializer(serializers.Serializer):
    title = serializers.CharField()
