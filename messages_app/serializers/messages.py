"""Wire shapes of the Messages API (design D8): camelCase out, snake_case in Python.

Input fields are strict about JSON types (DRF would turn ``123`` into ``"123"`` and ``"yes"``
into ``True``; a client sending the wrong type gets a 400 instead). The output serializer
renders ``MessageRecord``s with one direct mapping per message instead of DRF's per-field
machinery, because a conversation can hold thousands of messages; its declared fields are what
the OpenAPI schema shows, and a test pins that both agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from chatcore.errors import InvalidInput
from chatcore.models import NO_PARENT, PUBLIC_ID_MAX_LENGTH
from chatcore.validators import check_json_value
from messages_app.models import FEEDBACK_TEXT_MAX_LENGTH, Feedback
from messages_app.selectors.messages import (
    SORT_FIELDS,
    FeedbackRecord,
    MessageRecord,
    MessageSearchRecord,
)
from messages_app.services.messages import INVALID_INDEX, FeedbackInput, part_text

MESSAGE_NOT_SAVED = "Message not saved"
CONVERSATION_ID_MUST_BE_UUID = "conversationId must be a lowercase UUID"
CONVERSATION_ID_MISMATCH = "conversationId in the body does not match the URL"
INVALID_FEEDBACK = "Invalid feedback"
BRANCH_FIELDS_REQUIRED = "messageId and agentId are required"
INVALID_ARTIFACT_REQUEST = "Invalid request parameters"

UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# LibreChat's feedback tag keys per rating (spec §1.6); a tag of the other rating is refused.
FEEDBACK_TAGS = {
    "thumbsUp": (
        "accurate_reliable",
        "creative_solution",
        "clear_well_written",
        "attention_to_detail",
    ),
    "thumbsDown": (
        "not_matched",
        "inaccurate",
        "bad_style",
        "missing_image",
        "unjustified_refusal",
        "not_helpful",
        "other",
    ),
}


def is_uuid(value: str) -> bool:
    return bool(UUID_PATTERN.match(value))


def iso(value: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and ``Z``, as JavaScript's ``toISOString`` writes it."""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- strict input fields ----------------------------------------------------------------------
class StrictCharField(serializers.CharField):
    """A string, and only a string (no number-to-text coercion)."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """``true``/``false`` only (DRF also takes ``"yes"``, ``1``, ``"on"``...)."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (no numeric strings, no booleans, no fractions)."""

    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class PublicIdField(StrictCharField):
    """A client-chosen message id: a lowercase hyphenated UUID (design D6)."""

    default_error_messages = {"uuid": "Must be a lowercase UUID."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", PUBLIC_ID_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not is_uuid(value):
            self.fail("uuid")
        return value


class JSONListField(serializers.ListField):
    """A JSON array of objects, stored as given (checked for PostgreSQL-hostile text)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.DictField())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        for item in data:
            if not isinstance(item, dict):
                raise serializers.ValidationError("Every item must be an object.")
        check_json_value(data)
        return data


class JSONObjectField(serializers.DictField):
    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        check_json_value(data)
        return data


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
class FeedbackSerializer(serializers.Serializer):
    """``{rating, tag?, text?}`` (LibreChat) or ``{rating, tag?, comment?}`` (seed): the comment
    comes back under the key the client sent it with."""

    rating = serializers.ChoiceField(choices=Feedback.Rating.choices)
    tag = serializers.CharField(required=False)
    text = serializers.CharField(required=False)
    comment = serializers.CharField(required=False)

    def to_representation(self, instance: FeedbackRecord) -> dict[str, Any]:
        return feedback_representation(instance)


def feedback_representation(record: FeedbackRecord) -> dict[str, Any]:
    body: dict[str, Any] = {"rating": record.rating}
    if record.tag is not None:
        body["tag"] = record.tag
    if record.text is not None:
        body[record.comment_key] = record.text
    return body


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
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
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
    if record.feedback is not None:
        body["feedback"] = feedback_representation(record.feedback)
    if isinstance(record, MessageSearchRecord):
        # Search hits carry their conversation's title and model (spec §1.1 item 3).
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
    feedback = FeedbackSerializer(required=False)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()

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
    """The subset LibreChat answers after an edit (spec §1.5): no content, no timestamps."""

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


class MessageFeedbackResultSerializer(serializers.Serializer):
    messageId = serializers.CharField(source="message_id")
    conversationId = serializers.CharField(source="conversation_id")
    feedback = FeedbackSerializer(allow_null=True)

    def to_representation(self, instance: MessageRecord) -> dict[str, Any]:
        return {
            "messageId": instance.message_id,
            "conversationId": instance.conversation_id,
            "feedback": None
            if instance.feedback is None
            else feedback_representation(instance.feedback),
        }


class MessageArtifactResultSerializer(serializers.Serializer):
    conversationId = serializers.CharField(source="conversation_id")
    content = serializers.ListField(child=serializers.DictField(), required=False)
    text = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"conversationId": instance.conversation_id}
        if instance.content is not None:
            body["content"] = instance.content
        body["text"] = instance.text
        return body


# --- input -------------------------------------------------------------------------------------
class MessageListQuerySerializer(serializers.Serializer):
    """Query string of ``GET /api/messages``; unknown ``sortBy`` values are refused (400)."""

    conversationId = StrictCharField(source="conversation_id", required=False, allow_blank=True)
    messageId = StrictCharField(source="message_id", required=False, allow_blank=True)
    search = StrictCharField(required=False, allow_blank=True, max_length=1000)
    cursor = StrictCharField(required=False, allow_blank=True, max_length=4096)
    pageSize = StrictCharField(source="page_size", required=False, allow_blank=True)
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


def _check_content(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limit = settings.CHATCORE_MAX_TEXT_CHARS
    for part in parts:
        kind = part.get("type")
        if not isinstance(kind, str) or not kind or len(kind) > 64:
            raise serializers.ValidationError('Every part needs a "type" string (1-64 chars).')
        if len(part_text(part)) > limit:
            raise serializers.ValidationError(f"Part text is longer than {limit} characters.")
    return parts


class MessageCreateInputSerializer(serializers.Serializer):
    """Body of ``POST /api/messages/{conversationId}`` (a ``TMessage``)."""

    messageId = PublicIdField(source="message_id", required=False)
    newMessageId = PublicIdField(source="new_message_id", required=False)
    conversationId = StrictCharField(source="conversation_id", required=False)
    parentMessageId = PublicIdField(source="parent_message_id", required=False, allow_null=True)
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
        expected = self.context.get("conversation_id")
        given = attrs.pop("conversation_id", None)
        if given is not None and expected is not None and given != expected:
            raise InvalidInput(CONVERSATION_ID_MISMATCH)
        return attrs


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


class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Feedback.Rating.choices)
    tag = StrictCharField(required=False, allow_null=True, max_length=64)
    text = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=FEEDBACK_TEXT_MAX_LENGTH
    )
    comment = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=FEEDBACK_TEXT_MAX_LENGTH
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tag = attrs.get("tag")
        if tag is not None and tag not in FEEDBACK_TAGS[attrs["rating"]]:
            raise serializers.ValidationError({"tag": [f"Not a tag for {attrs['rating']}."]})
        if attrs.get("text") is not None and attrs.get("comment") is not None:
            raise serializers.ValidationError("Send the comment as text or comment, not both.")
        return attrs


class MessageFeedbackInputSerializer(serializers.Serializer):
    """``{"feedback": {...}}``; ``{}``, ``{"feedback": null}`` and ``{"feedback": {}}`` clear it.

    Every problem answers LibreChat's single sentence ``Invalid feedback`` (the detail goes in
    ``message``).
    """

    feedback = FeedbackInputSerializer(required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping) and data.get("feedback") == {}:
            data = {"feedback": None}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise InvalidInput(INVALID_FEEDBACK, message=_first_error(exc.detail)) from exc
        raw = values.get("feedback")
        if not raw:
            return {"feedback": None}
        comment_key = "comment" if raw.get("comment") is not None else "text"
        return {
            "feedback": FeedbackInput(
                rating=raw["rating"],
                tag=raw.get("tag"),
                text=raw.get(comment_key),
                comment_key=comment_key,
            )
        }


def _first_error(detail: Any) -> str:
    while isinstance(detail, Mapping | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, Mapping) else detail[0]
    return str(detail)


class MessageBranchInputSerializer(serializers.Serializer):
    messageId = serializers.CharField(source="message_id")
    agentId = serializers.CharField(source="agent_id")

    def to_internal_value(self, data: Any) -> dict[str, str]:
        values = data if isinstance(data, Mapping) else {}
        message_id, agent_id = values.get("messageId"), values.get("agentId")
        if not (
            isinstance(message_id, str) and message_id and isinstance(agent_id, str) and agent_id
        ):
            raise InvalidInput(BRANCH_FIELDS_REQUIRED)
        if len(agent_id) > 255:
            raise InvalidInput(BRANCH_FIELDS_REQUIRED, message="agentId is too long")
        return {"message_id": message_id, "agent_id": agent_id}


class MessageArtifactInputSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=0)
    original = serializers.CharField(allow_blank=True, trim_whitespace=False)
    updated = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = data if isinstance(data, Mapping) else {}
        index, original, updated = (values.get(key) for key in ("index", "original", "updated"))
        limit = settings.CHATCORE_MAX_TEXT_CHARS
        valid = (
            isinstance(index, int)
            and not isinstance(index, bool)
            and index >= 0
            and isinstance(original, str)
            and isinstance(updated, str)
            and len(original) <= limit
            and len(updated) <= limit
        )
        if not valid:
            raise InvalidInput(INVALID_ARTIFACT_REQUEST)
        return {"index": index, "original": original, "updated": updated}
