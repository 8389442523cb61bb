"""The chats API's message object (``/api/messages/{id}`` and the chats message lists)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chatcore.schema_examples import request_example
from chatcore.serializers import StrictInputSerializer, TimestampField, iso
from messages_app.selectors.by_id import ChatMessageRecord


def chat_message_representation(record: ChatMessageRecord) -> dict[str, Any]:
    """The chats API's message. ``toolUses`` is part of assistant messages (the API's examples
    show it there and not on user messages); ``unfinished``/``error``/``workflowId`` appear only
    when set, so ordinary messages have exactly the documented shape."""
    body: dict[str, Any] = {
        "id": record.message_id,
        "chatId": record.chat_id,
        "role": "user" if record.is_created_by_user else "assistant",
        "content": record.content,
        "liked": record.liked,
        "cost": None if record.cost is None else float(record.cost),
        "memoryId": record.memory_id,
    }
    if not record.is_created_by_user:
        body["toolUses"] = [{"toolName": t.tool_name, "args": t.args} for t in record.tool_uses]
    if record.workflow_id is not None:
        body["workflowId"] = record.workflow_id
    if record.unfinished:
        body["unfinished"] = True
    if record.error:
        body["error"] = True
    body["createdAt"] = iso(record.created_at)
    return body


class ToolUseSerializer(serializers.Serializer):
    toolName = serializers.CharField()
    args = serializers.JSONField()


class ChatMessageSerializer(serializers.Serializer):
    """The chats API's message object."""

    id = serializers.CharField()
    chatId = serializers.CharField()
    role = serializers.ChoiceField(choices=["user", "assistant"])
    content = serializers.CharField()
    liked = serializers.BooleanField(allow_null=True)
    cost = serializers.FloatField(allow_null=True)
    memoryId = serializers.CharField(allow_null=True)
    toolUses = ToolUseSerializer(many=True, required=False)
    workflowId = serializers.UUIDField(required=False)
    unfinished = serializers.BooleanField(required=False)
    error = serializers.BooleanField(required=False)
    createdAt = TimestampField()

    def to_representation(self, instance: ChatMessageRecord) -> dict[str, Any]:
        return chat_message_representation(instance)


@request_example({"liked": True})
class ChatMessageUpdateInputSerializer(StrictInputSerializer):
    """``PUT /api/messages/{id}``: ``{"liked": true | false | null}`` and nothing else."""

    liked = serializers.BooleanField(allow_null=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if (
            isinstance(data, dict)
            and data.get("liked") is not None
            and not isinstance(data["liked"], bool)
        ):
            raise serializers.ValidationError({"liked": ["Must be true, false or null."]})
        return super().to_internal_value(data)
