"""Wire shapes of the conversations API (camelCase out, snake_case in Python).

Input serializers carry LibreChat's exact error sentences ("conversationId is required",
"title must be a string", ...) as field messages (``messages_for``); views parse with
``chatcore.serializers.validated``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chatcore.serializers import (
    BodySerializer,
    PageSizeField,
    QueryBooleanField,
    StrictBooleanField,
    StrictCharField,
    messages_for,
    public_id_field,
)
from convos_app.models import SETTINGS_KEYS, Conversation
from convos_app.selectors.conversations import SORT_DIRECTIONS, SORT_FIELDS

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
            "sort_by": attrs.get("sortBy", "updatedAt"),
            "sort_direction": attrs.get("sortDirection", "desc"),
        }


class ConversationUpdateArgSerializer(serializers.Serializer):
    conversationId = public_id_field("conversationId")
    title = StrictCharField(
        allow_blank=True, trim_whitespace=False, error_messages=messages_for("title")
    )


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


class ConversationArchiveInputSerializer(BodySerializer):
    arg = ConversationArchiveArgSerializer(error_messages=ARG_ERRORS)


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


class ConversationDeleteInputSerializer(BodySerializer):
    arg = ConversationDeleteArgSerializer(error_messages=ARG_ERRORS)


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
class ConversationSerializer(serializers.ModelSerializer):
    """A conversation with all its fields: columns, tags, and every stored preset setting.

    ``tags`` comes from the ``tag_names`` annotation the selectors add (no per-row query).
    Preset keys kept in ``settings`` are flattened onto the object, as LibreChat stores them.
    """

    conversationId = serializers.CharField(source="conversation_id")
    user = serializers.CharField(source="user_id")
    endpointType = serializers.CharField(source="endpoint_type", allow_null=True)
    iconURL = serializers.CharField(source="icon_url", allow_null=True)
    isArchived = serializers.BooleanField(source="is_archived")
    isTemporary = serializers.BooleanField(source="is_temporary")
    expiredAt = serializers.DateTimeField(source="expired_at", allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), source="tag_names")
    # List items only (the list selector annotates it): a live shared link exists.
    isShared = serializers.BooleanField(source="is_shared", required=False)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

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
            "isTemporary",
            "expiredAt",
            "files",
            "tags",
            "isShared",
            "createdAt",
            "updatedAt",
        ]

    def to_representation(self, instance: Conversation) -> dict[str, Any]:
        data = super().to_representation(instance)
        settings = instance.settings or {}
        for key in SETTINGS_KEYS:
            if key in settings:
                data[key] = settings[key]
        return data


class ConversationListResponseSerializer(serializers.Serializer):
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
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

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
