"""``POST /api/messages/artifact/{messageId}``: replace code inside an artifact block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import serializers

from chatcore.errors import InvalidInput
from chatcore.schema_examples import request_example

INVALID_ARTIFACT_REQUEST = "Invalid request parameters"


@request_example(
    {"index": 0, "original": "print(items.reverse())", "updated": "print(items[::-1])"}
)
class MessageArtifactInputSerializer(serializers.Serializer):
    """Every problem answers LibreChat's one sentence, as its route does."""

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
