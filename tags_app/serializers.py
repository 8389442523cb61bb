"""Wire shapes of the tags API (LibreChat's ``TConversationTag`` and request bodies)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chatcore.schema import NOT_BLANK_PATTERN, schema_rules
from chatcore.schema_examples import CONVERSATION_ID, request_example
from chatcore.serializers import (
    BodySerializer,
    ModelSerializer,
    PageSizeField,
    StrictBooleanField,
    StrictCharField,
    TimestampField,
    messages_for,
    public_id_field,
)
from tags_app.models import TAG_MAX_LENGTH, Tag
from tags_app.selectors import TAG_SORT_FIELDS, TAG_SORT_ORDERS
from tags_app.services import MAX_TAGS_PER_CONVERSATION


class TagSerializer(ModelSerializer):
    _id = serializers.CharField(source="pk")
    tag = serializers.CharField(source="name")
    user = serializers.CharField(source="user_id")
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    class Meta:
        model = Tag
        fields = [
            "_id",
            "tag",
            "user",
            "description",
            "count",
            "position",
            "createdAt",
            "updatedAt",
        ]


class TagPageSerializer(serializers.Serializer):
    tags = TagSerializer(many=True)
    pageNumber = serializers.IntegerField(source="page_number")
    pageSize = serializers.IntegerField(source="page_size")
    pages = serializers.IntegerField()
    total = serializers.IntegerField()


class TagNamesSerializer(serializers.ListSerializer):
    """A conversation's tag labels, as LibreChat's ``PUT /api/tags/convo/:id`` answers."""

    child = serializers.CharField()


# tags_app.services.tag_name_clean: a label is 1..TAG_MAX_LENGTH characters once stripped.
LABEL = {"pattern": NOT_BLANK_PATTERN, "maxLength": TAG_MAX_LENGTH}
LABEL_RULES = {"properties": {"tag": LABEL}}


@schema_rules(
    **LABEL_RULES,
    # tags_app.services.tag_create: addToConversation needs the conversationId to add it to.
    anyOf=[
        {"properties": {"addToConversation": {"enum": [False, None]}}},
        {"required": ["conversationId"], "properties": {"conversationId": {"type": "string"}}},
    ],
)
@request_example(
    {
        "tag": "python",
        "description": "Python questions",
        "addToConversation": True,
        "conversationId": CONVERSATION_ID,
    }
)
class TagCreateInputSerializer(BodySerializer):
    tag = StrictCharField(trim_whitespace=False, error_messages=messages_for("tag"))
    description = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        error_messages=messages_for("description"),
    )
    addToConversation = StrictBooleanField(
        required=False,
        allow_null=True,
        error_messages={"invalid": "addToConversation must be a boolean"},
    )
    conversationId = public_id_field("conversationId", required=False, allow_null=True)
    position = serializers.IntegerField(required=False, allow_null=True)  # accepted, ignored


@schema_rules(**LABEL_RULES)
@request_example({"tag": "python3", "description": "Python 3 questions", "position": 1})
class TagUpdateInputSerializer(BodySerializer):
    tag = StrictCharField(required=False, trim_whitespace=False, error_messages=messages_for("tag"))
    description = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        error_messages=messages_for("description"),
    )
    position = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=1_000_000,
        error_messages={
            "invalid": "position must be a non-negative integer",
            "min_value": "position must be a non-negative integer",
            "max_value": "position must be at most 1000000",
        },
    )

    def validate_position(self, value: Any) -> Any:
        if isinstance(self.initial_data.get("position"), bool | str):
            raise serializers.ValidationError("position must be a non-negative integer")
        return value


@schema_rules(
    properties={
        "tags": {
            "items": {"type": "string", **LABEL},
            "maxItems": MAX_TAGS_PER_CONVERSATION,
        }
    }
)
@request_example({"tags": ["python", "lists"]})
class ConversationTagsSetInputSerializer(BodySerializer):
    tags = serializers.ListField(
        child=StrictCharField(
            trim_whitespace=False, allow_blank=True, error_messages=messages_for("tags")
        ),
        error_messages={
            "required": "tags is required",
            "null": "tags must be a list of strings",
            "not_a_list": "tags must be a list of strings",
        },
    )


@schema_rules(**LABEL_RULES)
@request_example({"tag": "python"})
class ConversationTagAddInputSerializer(BodySerializer):
    tag = StrictCharField(trim_whitespace=False, error_messages=messages_for("tag"))


class TagListQuerySerializer(serializers.Serializer):
    pageNumber = PageSizeField(default=1, maximum=1_000_000)
    pageSize = PageSizeField(default=25, maximum=100)
    sort = serializers.ChoiceField(
        choices=list(TAG_SORT_FIELDS),
        required=False,
        error_messages={"invalid_choice": "sort must be one of: " + ", ".join(TAG_SORT_FIELDS)},
    )
    order = serializers.ChoiceField(
        choices=list(TAG_SORT_ORDERS),
        required=False,
        error_messages={"invalid_choice": "order must be one of: asc, desc"},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "page_number": attrs["pageNumber"],
            "page_size": attrs["pageSize"],
            "sort": attrs.get("sort", "position"),
            "order": attrs.get("order", "asc"),
        }
