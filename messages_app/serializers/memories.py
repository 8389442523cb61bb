"""Wire shapes of the memories API, as LibreChat's client reads them (``TUserMemory``,
``MemoriesResponse``; docs/api-behaviour.md#memories)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from chatcore.schema import schema_rules
from chatcore.schema_examples import request_example
from chatcore.serializers import (
    BodySerializer,
    StrictBooleanField,
    StrictCharField,
    TimestampField,
    iso,
    messages_for,
)
from messages_app.models import MEMORY_AGENT_ID_MAX_LENGTH, MEMORY_KEY_MAX_LENGTH, Memory

KEY_FORMAT = "key must be 1 to 100 characters of lowercase letters, digits and underscores"
VALUE_TOO_LONG = "value must be at most {max_length} characters"
MEMORIES_NOT_BOOLEAN = "memories must be a boolean value"


class MemorySerializer(serializers.Serializer):
    """``{_id, key, value, updated_at, tokenCount, agentId?}``; ``agentId`` only for a memory
    of an agent's partition (absent means the shared pool, as in LibreChat)."""

    _id = serializers.CharField(source="memory_id")
    key = serializers.CharField()
    value = serializers.CharField()
    updated_at = TimestampField()
    tokenCount = serializers.IntegerField(source="token_count")
    agentId = serializers.CharField(required=False)

    def to_representation(self, instance: Memory) -> dict[str, Any]:
        body: dict[str, Any] = {
            "_id": instance.memory_id,
            "key": instance.key,
            "value": instance.value,
            "updated_at": iso(instance.updated_at),
            "tokenCount": instance.token_count,
        }
        if instance.agent_id:
            body["agentId"] = instance.agent_id
        return body


class MemoryListSerializer(serializers.Serializer):
    memories = MemorySerializer(many=True)
    totalTokens = serializers.IntegerField(source="total_tokens")
    tokenLimit = serializers.IntegerField(source="token_limit", allow_null=True)
    usagePercentage = serializers.IntegerField(source="usage_percentage", allow_null=True)


class MemoryCreatedSerializer(serializers.Serializer):
    """``{created: true, memory}`` for a new memory."""

    created = serializers.BooleanField()
    memory = MemorySerializer()

    def to_representation(self, instance: Memory) -> dict[str, Any]:
        return {"created": True, "memory": MemorySerializer(instance).data}


class MemoryUpdatedSerializer(serializers.Serializer):
    """``{updated: true, memory}`` for a changed memory."""

    updated = serializers.BooleanField()
    memory = MemorySerializer()

    def to_representation(self, instance: Memory) -> dict[str, Any]:
        return {"updated": True, "memory": MemorySerializer(instance).data}


class MemoryDeletedSerializer(serializers.Serializer):
    """``{deleted: true}`` for the memory that was deleted."""

    deleted = serializers.BooleanField()

    def to_representation(self, instance: Memory) -> dict[str, Any]:
        return {"deleted": True}


class MemoryPreferencesBodySerializer(serializers.Serializer):
    memories = serializers.BooleanField()


class MemoryPreferencesSerializer(serializers.Serializer):
    """``{preferences: {memories}}`` from the switch's value."""

    preferences = MemoryPreferencesBodySerializer()

    def to_representation(self, instance: bool) -> dict[str, Any]:
        return {"preferences": {"memories": instance}}


class MemoryPreferencesUpdatedSerializer(MemoryPreferencesSerializer):
    """``{updated: true, preferences: {memories}}`` after the switch was set."""

    updated = serializers.BooleanField()

    def to_representation(self, instance: bool) -> dict[str, Any]:
        return {"updated": True, **super().to_representation(instance)}


def _key_field(**kwargs: Any) -> StrictCharField:
    return StrictCharField(
        trim_whitespace=False,
        max_length=MEMORY_KEY_MAX_LENGTH,
        error_messages=messages_for("key", max_length=KEY_FORMAT),
        **kwargs,
    )


class _MemoryKeyMixin:
    def validate_key(self, value: str) -> str:
        if not value or not all(char in "abcdefghijklmnopqrstuvwxyz0123456789_" for char in value):
            raise serializers.ValidationError(KEY_FORMAT)
        return value


class _MemoryValueField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            trim_whitespace=False,
            error_messages=messages_for("value", max_length=VALUE_TOO_LONG),
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        limit = settings.MEMORY_VALUE_MAX_CHARS
        if len(value) > limit:
            raise serializers.ValidationError(VALUE_TOO_LONG.format(max_length=limit))
        if not value.strip():
            self.fail("blank")
        return value


def _agent_field() -> StrictCharField:
    return StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        max_length=MEMORY_AGENT_ID_MAX_LENGTH,
        error_messages=messages_for("agentId"),
    )


# What _MemoryKeyMixin.validate_key accepts.
KEY_RULES = {"properties": {"key": {"pattern": f"^[a-z0-9_]{{1,{MEMORY_KEY_MAX_LENGTH}}}$"}}}


@schema_rules(**KEY_RULES)
@request_example(
    {"key": "preferred_language", "value": "Answers in Python 3.12 unless asked otherwise"}
)
class MemoryCreateInputSerializer(_MemoryKeyMixin, BodySerializer):
    """``POST /api/memories {key, value, agentId?}``."""

    key = _key_field()
    value = _MemoryValueField()
    agentId = _agent_field()


@schema_rules(**KEY_RULES)
@request_example({"value": "Answers in Python 3.13 unless asked otherwise"})
class MemoryUpdateInputSerializer(_MemoryKeyMixin, BodySerializer):
    """``PATCH /api/memories/{key|id/{id}} {key?, value}``: ``key`` renames the memory."""

    key = _key_field(required=False)
    value = _MemoryValueField()


class MemoryAgentQuerySerializer(serializers.Serializer):
    """``?agentId=``: the partition a key route addresses (absent: the shared pool)."""

    agentId = _agent_field()


@request_example({"memories": True})
class MemoryPreferencesInputSerializer(BodySerializer):
    """``PATCH /api/memories/preferences {memories: true|false}``."""

    memories = StrictBooleanField(
        error_messages={
            "required": MEMORIES_NOT_BOOLEAN,
            "invalid": MEMORIES_NOT_BOOLEAN,
            "null": MEMORIES_NOT_BOOLEAN,
        }
    )
