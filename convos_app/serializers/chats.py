"""Wire shapes of the chats API (HAL documents), camelCase on the wire."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatcore.ai.registry import available_models
from chatcore.schema import NOT_BLANK_PATTERN, schema_rules, text_limit_schema
from chatcore.schema_examples import QUESTION, request_example
from chatcore.serializers import (
    UUID_PATTERN,
    PageSizeField,
    StrictBooleanField,
    StrictCharField,
    TimestampField,
    is_uuid,
    iso,
)
from convos_app.models import TITLE_MAX_LENGTH, Conversation
from convos_app.selectors.chats import ChatMessagePage, ChatPage
from convos_app.services.chat_replies import ChatReply
from messages_app.serializers.by_id import ChatMessageSerializer, chat_message_representation

MAX_MESSAGES_PAGE = 100
DEFAULT_MESSAGES_PAGE = 100
DEFAULT_CHATS_PAGE = 25
WORKFLOW_ID_MUST_BE_UUID = "Must be a UUID."
MODEL_ID_MAX_LENGTH = 255


def _href(path: str) -> dict[str, str]:
    return {"href": path}


def chat_reply_representation(reply: ChatReply) -> dict[str, Any]:
    return {
        "data": {
            **chat_message_representation(reply.message),
            "response": chat_message_representation(reply.response),
        }
    }


def chat_representation(chat: Conversation) -> dict[str, Any]:
    path = f"/api/chats/{chat.conversation_id}"
    return {
        "_links": {"self": _href(path), "messages": _href(f"{path}/messages")},
        "id": chat.conversation_id,
        "title": chat.title,
        "modelId": chat.model,
        "createdAt": iso(chat.created_at),
        "updatedAt": iso(chat.updated_at),
    }


# --- output serializers (schema + rendering) --------------------------------------------------
class LinkSerializer(serializers.Serializer):
    href = serializers.CharField()


class ChatMessageWithResponseSerializer(ChatMessageSerializer):
    response = ChatMessageSerializer()


class ChatReplySerializer(serializers.Serializer):
    """The 201 body of a chat reply: the user message with the assistant's ``response`` inside."""

    data = ChatMessageWithResponseSerializer()

    def to_representation(self, instance: ChatReply) -> dict[str, Any]:
        return chat_reply_representation(instance)


class ChatMessageLinksSerializer(serializers.Serializer):
    self = LinkSerializer()


class ChatMessageEmbeddedSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        # The HAL relation name has a colon, which is not a Python identifier.
        return {"inf:message": ChatMessageSerializer(many=True)}


class ChatMessagePageSerializer(serializers.Serializer):
    """The HAL document of ``GET /api/chats/{id}/messages``."""

    _links = ChatMessageLinksSerializer()
    _embedded = ChatMessageEmbeddedSerializer()
    start = serializers.IntegerField()
    count = serializers.IntegerField()
    total = serializers.IntegerField()

    def to_representation(self, instance: ChatMessagePage) -> dict[str, Any]:
        return {
            "_links": {"self": _href(f"/api/chats/{instance.chat_id}/messages")},
            "_embedded": {
                "inf:message": [chat_message_representation(m) for m in instance.messages]
            },
            "start": instance.start,
            "count": len(instance.messages),
            "total": instance.total,
        }


class ChatLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    messages = LinkSerializer()


class ChatSerializer(serializers.Serializer):
    """A chat: a conversation seen through the chats API's names."""

    _links = ChatLinksSerializer()
    id = serializers.CharField()
    title = serializers.CharField()
    modelId = serializers.CharField(allow_null=True)
    createdAt = TimestampField()
    updatedAt = TimestampField()

    def to_representation(self, instance: Conversation) -> dict[str, Any]:
        return chat_representation(instance)


class ChatListLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    next = LinkSerializer(required=False)


class ChatListEmbeddedSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {"inf:chat": ChatSerializer(many=True)}


class ChatListSerializer(serializers.Serializer):
    """HAL page of chats, newest first; ``nextCursor`` (and ``_links.next``) while more remain."""

    _links = ChatListLinksSerializer()
    _embedded = ChatListEmbeddedSerializer()
    count = serializers.IntegerField()
    nextCursor = serializers.CharField(allow_null=True)

    def to_representation(self, instance: ChatPage) -> dict[str, Any]:
        links: dict[str, Any] = {"self": _href("/api/chats")}
        if instance.next_cursor:
            links["next"] = _href(
                f"/api/chats?count={instance.page_size}&cursor={instance.next_cursor}"
            )
        return {
            "_links": links,
            "_embedded": {"inf:chat": [chat_representation(chat) for chat in instance.chats]},
            "count": len(instance.chats),
            "nextCursor": instance.next_cursor,
        }


# --- input serializers ---------------------------------------------------------------------------
def _model_ids() -> dict:
    """``modelId`` is one of the configured models (``chatcore.ai.registry``), or null for the
    default; the schema lists them as they are when it is generated."""
    return {"enum": [*available_models(), None]}


@schema_rules(properties={"modelId": _model_ids})
@request_example({"title": "Python questions", "isTemporary": False})
class ChatCreateInputSerializer(serializers.Serializer):
    title = StrictCharField(required=False, allow_blank=True, max_length=TITLE_MAX_LENGTH)
    modelId = StrictCharField(
        source="model_id", required=False, allow_null=True, max_length=MODEL_ID_MAX_LENGTH
    )
    # A temporary chat (docs/api-behaviour.md#temporary-chats).
    isTemporary = StrictBooleanField(source="is_temporary", required=False, default=False)


class ChatListQuerySerializer(serializers.Serializer):
    cursor = StrictCharField(required=False, allow_blank=True, max_length=4096)
    count = PageSizeField(source="page_size", default=DEFAULT_CHATS_PAGE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"cursor": attrs.get("cursor") or None, "page_size": attrs["page_size"]}


class ChatMessagesQuerySerializer(serializers.Serializer):
    start = serializers.IntegerField(required=False, min_value=0, default=0)
    count = serializers.IntegerField(required=False, min_value=1, default=DEFAULT_MESSAGES_PAGE)

    def validate_count(self, value: int) -> int:
        return min(value, MAX_MESSAGES_PAGE)


@extend_schema_field({"type": "string", "description": "The caller's user id"})
class UserIdField(serializers.Field):
    """The chats API's ``userId``: a string; the numeric form of the same id is accepted too."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return str(data)

    def to_representation(self, value: Any) -> str:
        return str(value)


@schema_rules(
    properties={
        "content": lambda: {"pattern": NOT_BLANK_PATTERN, **text_limit_schema()},
        "modelId": _model_ids,
        # validate_workflowId lower-cases before checking, so either case is a UUID here.
        "workflowId": {"format": "uuid", "pattern": UUID_PATTERN.pattern.replace("a-f", "a-fA-F")},
    }
)
@request_example({"content": QUESTION, "modelId": "echo"})
class ChatMessageCreateInputSerializer(serializers.Serializer):
    """A chat message body: ``{content, modelId?, userId?, workflowId?}``; ``userId`` defaults
    to the caller (any other is a 403) and ``modelId`` to the chat's model."""

    content = StrictCharField(max_length=None, trim_whitespace=False)
    modelId = StrictCharField(
        source="model_id",
        required=False,
        allow_null=True,
        max_length=MODEL_ID_MAX_LENGTH,
        help_text="Default: the chat's model.",
    )
    userId = UserIdField(
        source="user_id",
        required=False,
        allow_null=True,
        help_text="Default: the caller; another user's id is refused (403).",
    )
    workflowId = StrictCharField(source="workflow_id", required=False, allow_null=True)

    def validate_content(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        limit = settings.CHATCORE_MAX_TEXT_CHARS
        if len(value) > limit:
            raise serializers.ValidationError(
                f"Ensure this field has no more than {limit} characters."
            )
        return value

    def validate_workflowId(self, value: str | None) -> str | None:
        if value is not None and not is_uuid(value.lower()):
            raise serializers.ValidationError(WORKFLOW_ID_MUST_BE_UUID)
        return value.lower() if value else None
