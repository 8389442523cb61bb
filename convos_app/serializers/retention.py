"""Wire shapes of temporary chats and retention policies
(docs/api-behaviour.md#temporary-chats, docs/api-behaviour.md#retention-policies)."""

from __future__ import annotations

from rest_framework import serializers

from chatcore.schema_examples import CONVERSATION_ID, request_example
from chatcore.serializers import (
    BodySerializer,
    StrictBooleanField,
    StrictIntegerField,
    public_id_field,
)

ARG_ERRORS = {
    "required": "arg is required",
    "null": "arg is required",
    "invalid": "arg must be an object",
}
MAX_DELETE_AFTER_DAYS = 3650


class ConversationTemporaryArgSerializer(serializers.Serializer):
    conversationId = public_id_field("conversationId")
    isTemporary = StrictBooleanField(
        error_messages={
            "required": "isTemporary is required",
            "null": "isTemporary must be a boolean",
            "invalid": "isTemporary must be a boolean",
        }
    )


@request_example({"arg": {"conversationId": CONVERSATION_ID, "isTemporary": True}})
class ConversationTemporaryInputSerializer(BodySerializer):
    arg = ConversationTemporaryArgSerializer(error_messages=ARG_ERRORS)


@request_example({"deleteAfterDays": 90, "keepPinned": True, "keepArchived": False})
class RetentionInputSerializer(BodySerializer):
    """``PUT /api/user/settings/retention``: the whole policy; left-out fields take their
    defaults (no age rule, pinned kept, archived not kept)."""

    deleteAfterDays = StrictIntegerField(
        source="delete_after_days",
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_DELETE_AFTER_DAYS,
        error_messages={
            "min_value": "deleteAfterDays must be null or between 1 and 3650",
            "max_value": "deleteAfterDays must be null or between 1 and 3650",
            "invalid": "deleteAfterDays must be null or an integer",
        },
    )
    keepPinned = StrictBooleanField(source="keep_pinned", required=False, default=True)
    keepArchived = StrictBooleanField(source="keep_archived", required=False, default=False)


class RetentionSerializer(serializers.Serializer):
    """A user's policy, and what applies once the operator's cap and mode are added."""

    deleteAfterDays = serializers.IntegerField(source="delete_after_days", allow_null=True)
    keepPinned = serializers.BooleanField(source="keep_pinned")
    keepArchived = serializers.BooleanField(source="keep_archived")
    effectiveDeleteAfterDays = serializers.IntegerField(source="effective_days", allow_null=True)
    maxRetentionDays = serializers.IntegerField(source="max_days", allow_null=True)
    mode = serializers.ChoiceField(choices=["all", "temporary"])


class RetentionPreviewSerializer(serializers.Serializer):
    conversations = serializers.IntegerField()
    messages = serializers.IntegerField()
