"""Wire shapes of the conversations API (camelCase out, snake_case in Python).

Input serializers carry LibreChat's exact error sentences ("conversationId is required",
"title must be a string", ...) as field messages; ``validated`` turns the first one into the
400 ``{"error": ...}`` body with the full map under ``fields``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from chatcore.errors import InvalidInput
from chatcore.models import PUBLIC_ID_MAX_LENGTH
from chatcore.pagination import parse_page_size
from chatcore.validators import text_problem
from convos_app.models import SETTINGS_KEYS, Conversation
from convos_app.selectors.conversations import SORT_DIRECTIONS, SORT_FIELDS


# --- Helpers ----------------------------------------------------------------------------------
def _first_error(errors: Any) -> str:
    if isinstance(errors, Mapping):
        for value in errors.values():
            return _first_error(value)
    if isinstance(errors, list | tuple) and errors:
        return _first_error(errors[0])
    return str(errors)


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = prefix if key == "non_field_errors" else f"{prefix}.{key}" if prefix else key
            flat.update(_flatten(value, name))
    elif isinstance(errors, list | tuple) and errors and isinstance(errors[0], Mapping | list):
        for item in errors:
            flat.update(_flatten(item, prefix))
    else:
        messages = [str(e) for e in errors] if isinstance(errors, list) else [str(errors)]
        flat.setdefault(prefix or "body", []).extend(messages)
    return flat


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validate ``data``; raise ``InvalidInput`` whose ``error`` is the first field's sentence."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise InvalidInput(_first_error(serializer.errors), fields=_flatten(serializer.errors))
    return serializer.validated_data


def messages_for(name: str, **extra: str) -> dict[str, str]:
    """Full-sentence error messages for a field named ``name`` on the wire."""
    messages = {
        "required": f"{name} is required",
        "null": f"{name} must be a string",
        "invalid": f"{name} must be a string",
        "blank": f"{name} is required",
        "max_length": f"{name} must be at most {{max_length}} characters",
    }
    messages.update(extra)
    return messages


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's ``CharField`` would turn ``123`` into ``"123"``)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        problem = text_problem(data)
        if problem:
            raise serializers.ValidationError(problem)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true``/``false`` only (the string ``"true"`` is a 400, spec §2.5)."""

    default_error_messages = {"invalid": "must be a boolean"}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class QueryBooleanField(serializers.Field):
    """``true``/``false`` in a query string, any case."""

    def to_internal_value(self, data: Any) -> bool:
        text = str(data).strip().lower()
        if text not in {"true", "false"}:
            self.fail("invalid")
        return text == "true"


def public_id_field(name: str, **kwargs: Any) -> StrictCharField:
    return StrictCharField(
        max_length=PUBLIC_ID_MAX_LENGTH,
        trim_whitespace=False,
        error_messages=messages_for(name),
        **kwargs,
    )


class BodySerializer(serializers.Serializer):
    default_error_messages = {"invalid": "Request body must be a JSON object"}


# --- Inputs -----------------------------------------------------------------------------------
class ConversationListQuerySerializer(serializers.Serializer):
    limit = serializers.CharField(required=False, allow_blank=True)
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

    def validate_limit(self, value: str) -> int:
        return parse_page_size(value, default=25, maximum=100, name="limit")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tags = [*attrs.pop("tags", []), *attrs.pop("tags[]", [])]
        return {
            "limit": attrs.get("limit") or 25,
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
    arg = ConversationUpdateArgSerializer(
        error_messages={
            "required": "arg is required",
            "null": "arg is required",
            "invalid": "arg must be an object",
        }
    )


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
    arg = ConversationArchiveArgSerializer(
        error_messages={
            "required": "arg is required",
            "null": "arg is required",
            "invalid": "arg must be an object",
        }
    )


class ConversationDeleteArgSerializer(serializers.Serializer):
    conversationId = public_id_field("conversationId")
    source = StrictCharField(required=False, allow_null=True, allow_blank=True)
    thread_id = StrictCharField(required=False, allow_null=True, allow_blank=True)
    endpoint = StrictCharField(required=False, allow_null=True, allow_blank=True)


class ConversationDeleteInputSerializer(BodySerializer):
    arg = ConversationDeleteArgSerializer(
        error_messages={
            "required": "arg is required",
            "null": "arg is required",
            "invalid": "arg must be an object",
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
