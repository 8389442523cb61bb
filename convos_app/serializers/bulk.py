"""Wire shapes of ``POST /api/convos/bulk`` (docs/api-behaviour.md#bulk-actions)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chatcore.schema import schema_rules, search_query_schema
from chatcore.schema_examples import CONVERSATION_ID, request_example
from chatcore.serializers import (
    BodySerializer,
    StrictBooleanField,
    StrictCharField,
    StrictInputSerializer,
    messages_for,
    public_id_field,
)
from convos_app.services.bulk import ACTIONS, ITEM_STATUSES, MAX_IDS

BOOLEAN = {"invalid": "{name} must be a boolean", "null": "{name} must be a boolean"}


def _boolean(name: str, **kwargs: Any) -> StrictBooleanField:
    return StrictBooleanField(
        error_messages={key: text.format(name=name) for key, text in BOOLEAN.items()}, **kwargs
    )


@schema_rules(additionalProperties=False, properties={"search": search_query_schema})
class BulkFilterSerializer(serializers.Serializer):
    """The filters of ``GET /api/convos``, as JSON (unknown keys refused: a typo must not
    widen the selection to everything)."""

    isArchived = _boolean("filter.isArchived", required=False)
    pinned = _boolean("filter.pinned", required=False, allow_null=True)
    tags = serializers.ListField(
        child=StrictCharField(error_messages=messages_for("filter.tags")),
        required=False,
        max_length=100,
    )
    search = StrictCharField(
        required=False, allow_blank=True, error_messages=messages_for("filter.search")
    )
    projectId = public_id_field("filter.projectId", required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError("Unknown filter: " + ", ".join(unknown))
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "is_archived": attrs.get("isArchived", False),
            "tags": [tag for tag in attrs.get("tags", []) if tag],
            "search": attrs.get("search") or None,
            "pinned": attrs.get("pinned"),
            "project_id": attrs.get("projectId"),
        }


NEED_MORE = ("move", "tag", "untag")


@schema_rules(
    properties={"conversationIds": {"minItems": 1}},  # allow_empty=False
    # validate(): exactly one of conversationIds or filter; move needs projectId, tag and
    # untag need tag.
    oneOf=[{"required": ["conversationIds"]}, {"required": ["filter"]}],
    anyOf=[
        {"properties": {"action": {"enum": [a for a in ACTIONS if a not in NEED_MORE]}}},
        {"properties": {"action": {"enum": ["move"]}}, "required": ["projectId"]},
        {"properties": {"action": {"enum": ["tag", "untag"]}}, "required": ["tag"]},
    ],
)
@request_example({"action": "tag", "conversationIds": [CONVERSATION_ID], "tag": "python"})
class BulkInputSerializer(BodySerializer, StrictInputSerializer):
    action = serializers.ChoiceField(
        choices=list(ACTIONS),
        error_messages={
            "required": "action is required",
            "invalid_choice": "action must be one of: " + ", ".join(ACTIONS),
        },
    )
    conversationIds = serializers.ListField(
        child=public_id_field("conversationIds"),
        required=False,
        allow_empty=False,
        max_length=MAX_IDS,
        error_messages={
            "not_a_list": "conversationIds must be a list",
            "empty": "conversationIds must not be empty",
            "max_length": f"conversationIds may name at most {MAX_IDS} conversations",
        },
    )
    filter = BulkFilterSerializer(required=False)
    projectId = public_id_field("projectId", required=False, allow_null=True)
    tag = StrictCharField(required=False, error_messages=messages_for("tag"))
    dryRun = _boolean("dryRun", required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if ("conversationIds" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError("Give exactly one of conversationIds or filter")
        action = attrs["action"]
        if action == "move" and "projectId" not in attrs:
            raise serializers.ValidationError({"projectId": ["projectId is required for move"]})
        if action in {"tag", "untag"} and "tag" not in attrs:
            raise serializers.ValidationError({"tag": [f"tag is required for {action}"]})
        return {
            "action": action,
            "conversation_ids": attrs.get("conversationIds"),
            "filters": attrs.get("filter"),
            "project_id": attrs.get("projectId"),
            "tag": attrs.get("tag"),
            "dry_run": attrs.get("dryRun", False),
        }


class BulkItemResultSerializer(serializers.Serializer):
    conversationId = serializers.CharField()
    status = serializers.ChoiceField(choices=list(ITEM_STATUSES))


class BulkResultSerializer(serializers.Serializer):
    matched = serializers.IntegerField()
    changed = serializers.IntegerField()
    results = BulkItemResultSerializer(many=True, required=False)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.results is None:
            data.pop("results", None)
        return data
