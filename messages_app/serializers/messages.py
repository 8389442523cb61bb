"""Wire shapes of messages: ``TMessage`` out; list query, create and edit bodies in.

The output serializer renders ``MessageRecord``s with one direct mapping per message instead
of DRF's per-field machinery, because a conversation can hold thousands of messages; its
declared fields are what the OpenAPI schema shows, and a test pins that both agree.
Feedback, branch and artifact bodies have modules of their own beside this one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from chatcore.errors import InvalidInput
from chatcore.models import NO_PARENT
from chatcore.schema import schema_rules, text_limit_schema
from chatcore.schema_examples import (
    ANSWER,
    MESSAGE_ID,
    PARENT_MESSAGE_ID,
    QUESTION,
    request_example,
)
from chatcore.serializers import (
    JSONListField,
    JSONObjectField,
    PageSizeField,
    PublicIdField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    TimestampField,
    is_uuid,
)
from messages_app.rows import part_text
from messages_app.selectors.messages import SORT_FIELDS, MessageRecord, MessageSearchRecord
from messages_app.serializers.feedback import FeedbackSerializer, feedback_representation
from messages_app.services.messages import INVALID_INDEX

MESSAGE_NOT_SAVED = "Message not saved"
CONVERSATION_ID_MUST_BE_UUID = "conversationId must be a lowercase UUID"
CONVERSATION_ID_MISMATCH = "conversationId in the body does not match the URL"


def max_text_length(value: str) -> None:
    """``CHATCORE_MAX_TEXT_CHARS``, read when validating so the setting can change at runtime."""
    limit = settings.CHATCORE_MAX_TEXT_CHARS
    if len(value) > limit:
        raise serializers.ValidationError(f"Text is longer than {limit} characters.")


def _text_field(**kwargs: Any) -> StrictCharField:
    return StrictCharField(
        allow_blank=True, trim_whitespace=False, validators=[max_text_length], **kwargs
    )


# --- output ------------------------------------------------------------------------------------
# Optional TMessage keys left out when the message has no value for them (LibreChat omits
# undefined keys; a client tests ``message.content`` and ``message.feedback`` for presence).
_OPTIONAL_KEYS = (
    ("tokenCount", "token_count"),
    ("finish_reason", "finish_reason"),
    ("iconURL", "icon_url"),
    ("thread_id", "thread_id"),
    ("attachments", "attachments"),
    ("files", "files"),
    ("metadata", "metadata"),
)


def message_representation(record: MessageRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messageId": record.message_id,
        "conversationId": record.conversation_id,
        "parentMessageId": record.parent_message_id,
        "sender": record.sender,
        "isCreatedByUser": record.is_created_by_user,
        "endpoint": record.endpoint,
        "model": record.model,
        "unfinished": record.unfinished,
        "error": record.error,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
    }
    # A content-only message (e.g. a branch) has no legacy text, as in LibreChat.
    if record.text or not record.content:
        body["text"] = record.text
    if record.content:
        body["content"] = record.content
    for key, attribute in _OPTIONAL_KEYS:
        value = getattr(record, attribute)
        if value is not None:
            body[key] = value
    if record.cost is not None:
        body["cost"] = float(record.cost)
    if record.feedback is not None:
        body["feedback"] = feedback_representation(record.feedback)
    if isinstance(record, MessageSearchRecord):
        # Search hits carry their conversation's title and model, as LibreChat's do.
        body["title"] = record.title
        body["model"] = record.conversation_model
        body["searchResult"] = record.search_result
    return body


class MessageSerializer(serializers.Serializer):
    """``TMessage``: a stored message without internal fields (no user, no primary key)."""

    messageId = serializers.CharField()
    conversationId = serializers.CharField()
    parentMessageId = serializers.CharField()
    sender = serializers.CharField()
    text = serializers.CharField(required=False)
    content = serializers.ListField(child=serializers.DictField(), required=False)
    isCreatedByUser = serializers.BooleanField()
    endpoint = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    tokenCount = serializers.IntegerField(required=False)
    unfinished = serializers.BooleanField()
    error = serializers.BooleanField()
    finish_reason = serializers.CharField(required=False)
    iconURL = serializers.CharField(required=False)
    thread_id = serializers.CharField(required=False)
    attachments = serializers.ListField(child=serializers.DictField(), required=False)
    files = serializers.ListField(child=serializers.DictField(), required=False)
    metadata = serializers.DictField(required=False)
    cost = serializers.FloatField(required=False, help_text="USD, where known")
    feedback = FeedbackSerializer(required=False)
    createdAt = TimestampField()
    updatedAt = TimestampField()

    def to_representation(self, instance: MessageRecord) -> dict[str, Any]:
        return message_representation(instance)


class MessageListItemSerializer(MessageSerializer):
    """A list item; search hits (``?search=``) add their conversation's title, the
    conversation's ``model`` and a highlight snippet."""

    title = serializers.CharField(required=False, help_text="Search hits: conversation title")
    searchResult = serializers.CharField(
        required=False, help_text="Search hits: HTML-escaped snippet, matches in <mark>"
    )


class MessageListResponseSerializer(serializers.Serializer):
    messages = MessageListItemSerializer(many=True)
    nextCursor = serializers.CharField(source="next_cursor", allow_null=True)


class MessageUpdateResultSerializer(serializers.Serializer):
    """The subset LibreChat answers after an edit: no content, no timestamps."""

    messageId = serializers.CharField(source="message_id")
    conversationId = serializers.CharField(source="conversation_id")
    parentMessageId = serializers.CharField(source="parent_message_id")
    sender = serializers.CharField()
    text = serializers.CharField()
    isCreatedByUser = serializers.BooleanField(source="is_created_by_user")
    tokenCount = serializers.IntegerField(source="token_count", required=False)
    feedback = FeedbackSerializer(required=False)
    endpoint = serializers.CharField(allow_null=True)

    def to_representation(self, instance: MessageRecord) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messageId": instance.message_id,
            "conversationId": instance.conversation_id,
            "parentMessageId": instance.parent_message_id,
            "sender": instance.sender,
            "text": instance.text,
            "isCreatedByUser": instance.is_created_by_user,
        }
        if instance.token_count is not None:
            body["tokenCount"] = instance.token_count
        if instance.feedback is not None:
            body["feedback"] = feedback_representation(instance.feedback)
        body["endpoint"] = instance.endpoint
        return body


# --- input -------------------------------------------------------------------------------------
class MessageListQuerySerializer(serializers.Serializer):
    """Query string of ``GET /api/messages``; unknown ``sortBy`` values are refused (400)."""

    conversationId = StrictCharField(source="conversation_id", required=False, allow_blank=True)
    messageId = StrictCharField(source="message_id", required=False, allow_blank=True)
    search = StrictCharField(required=False, allow_blank=True, max_length=1000)
    cursor = StrictCharField(required=False, allow_blank=True, max_length=4096)
    pageSize = PageSizeField(source="page_size")
    sortBy = serializers.ChoiceField(
        source="sort_by",
        choices=list(SORT_FIELDS),
        default="createdAt",
        error_messages={"invalid_choice": "Must be one of: endpoint, createdAt, updatedAt."},
    )
    sortDirection = serializers.ChoiceField(
        source="sort_direction",
        choices=["asc", "desc"],
        default="desc",
        error_messages={"invalid_choice": "Must be one of: asc, desc."},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The selector's arguments; empty strings mean "not given"."""
        return {
            "conversation_id": attrs.get("conversation_id") or None,
            "message_id": attrs.get("message_id") or None,
            "search": attrs.get("search") or None,
            "cursor": attrs.get("cursor") or None,
            "page_size": attrs["page_size"],
            "sort_by": attrs["sort_by"],
            "descending": attrs["sort_direction"] == "desc",
        }


def _check_content(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limit = settings.CHATCORE_MAX_TEXT_CHARS
    for part in parts:
        kind = part.get("type")
        if not isinstance(kind, str) or not kind or len(kind) > 64:
            raise serializers.ValidationError('Every part needs a "type" string (1-64 chars).')
        if len(part_text(part)) > limit:
            raise serializers.ValidationError(f"Part text is longer than {limit} characters.")
    return parts


TEXT_OR_CONTENT_REQUIRED = "text or content is required"


NOT_THE_ROOT = {"not": {"enum": [NO_PARENT]}}


@schema_rules(
    # validate(): text (a string) or a non-empty content must be sent; the root placeholder
    # id is no message's own id.
    anyOf=[
        {"required": ["text"], "properties": {"text": {"type": "string"}}},
        {"required": ["content"], "properties": {"content": {"type": "array", "minItems": 1}}},
    ],
    properties={
        "text": text_limit_schema,
        # _check_content: every part is an object with a "type" of 1..64 characters.
        "content": {
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "string", "minLength": 1, "maxLength": 64}},
            }
        },
        "messageId": NOT_THE_ROOT,
        "newMessageId": NOT_THE_ROOT,
    },
)
@request_example(
    {
        "messageId": MESSAGE_ID,
        "parentMessageId": PARENT_MESSAGE_ID,
        "sender": "User",
        "text": QUESTION,
        "isCreatedByUser": True,
        "endpoint": "openAI",
        "model": "gpt-4o",
    }
)
class MessageCreateInputSerializer(serializers.Serializer):
    """Body of ``POST /api/messages/{conversationId}`` (a ``TMessage``)."""

    messageId = PublicIdField(uuid=True, source="message_id", required=False)
    newMessageId = PublicIdField(uuid=True, source="new_message_id", required=False)
    conversationId = StrictCharField(source="conversation_id", required=False)
    parentMessageId = PublicIdField(
        uuid=True, source="parent_message_id", required=False, allow_null=True
    )
    text = _text_field(required=False, allow_null=True)
    content = JSONListField(required=False, allow_null=True)
    sender = StrictCharField(required=False, allow_blank=True, max_length=255)
    isCreatedByUser = StrictBooleanField(source="is_created_by_user", required=False)
    endpoint = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=128)
    model = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    iconURL = StrictCharField(source="icon_url", required=False, allow_null=True, max_length=2048)
    tokenCount = StrictIntegerField(
        source="token_count", required=False, allow_null=True, min_value=0, max_value=2**31 - 1
    )
    unfinished = StrictBooleanField(required=False)
    error = StrictBooleanField(required=False)
    finish_reason = StrictCharField(required=False, allow_null=True, max_length=64)
    thread_id = StrictCharField(required=False, allow_null=True, max_length=255)
    isTemporary = StrictBooleanField(source="is_temporary", required=False)
    attachments = JSONListField(required=False, allow_null=True)
    files = JSONListField(required=False, allow_null=True)
    metadata = JSONObjectField(required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # The URL id is checked first: a message cannot be saved under a non-UUID conversation.
        if not is_uuid(self.context.get("conversation_id", "")):
            raise InvalidInput(MESSAGE_NOT_SAVED, message=CONVERSATION_ID_MUST_BE_UUID)
        return super().to_internal_value(data)

    def validate_content(self, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        return None if value is None else _check_content(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("text", "") is None:
            attrs.pop("text")
        new_id = attrs.pop("new_message_id", None)
        if new_id:
            attrs["message_id"] = new_id
        if attrs.get("message_id") == NO_PARENT:
            raise serializers.ValidationError({"messageId": ["Must not be the root placeholder."]})
        if attrs.get("message_id") and attrs.get("message_id") == attrs.get("parent_message_id"):
            raise serializers.ValidationError(
                {"parentMessageId": ["A message cannot be its own parent."]}
            )
        expected = self.context.get("conversation_id")
        given = attrs.pop("conversation_id", None)
        if given is not None and expected is not None and given != expected:
            raise InvalidInput(CONVERSATION_ID_MISMATCH)
        # A message says something: ``text`` or ``content`` must be sent (an empty ``text`` is
        # a placeholder a streaming client fills in later; docs/api-behaviour.md#message-create).
        # An empty ``content`` says nothing either: it would store a blank message.
        if attrs.get("text") is None and not attrs.get("content"):
            raise serializers.ValidationError({"text": [TEXT_OR_CONTENT_REQUIRED]})
        return attrs


@schema_rules(
    properties={
        "text": text_limit_schema,
        # validate_index refuses null too (Invalid index): absent means the whole text.
        "index": {"type": "integer", "minimum": 0, "nullable": False},
    }
)
@request_example({"text": ANSWER, "model": "gpt-4o"})
class MessageUpdateInputSerializer(serializers.Serializer):
    """Body of ``PUT /api/messages/{c}/{m}``: whole text, or one part's text with ``index``."""

    text = _text_field()
    index = serializers.JSONField(
        required=False, allow_null=True, help_text="Content part index (integer >= 0)."
    )
    model = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=255)

    def validate_index(self, value: Any) -> int:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or value < 0 or value != int(value):
            raise InvalidInput(INVALID_INDEX)
        return int(value)
