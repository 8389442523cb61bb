"""Wire shapes of the projects API: LibreChat's ``TChatProject`` and its requests
(docs/api-behaviour.md#projects)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chatcore.schema_examples import PROJECT_ID, request_example
from chatcore.serializers import (
    BodySerializer,
    PageSizeField,
    StrictCharField,
    StrictInputSerializer,
    TimestampField,
    messages_for,
    public_id_field,
)
from convos_app.models import PROJECT_DESCRIPTION_MAX_LENGTH, PROJECT_NAME_MAX_LENGTH

PROJECT_SORT_FIELDS = ("name", "createdAt", "lastConversationAt")
SORT_DIRECTIONS = ("asc", "desc")


def _name_field(**kwargs: Any) -> StrictCharField:
    return StrictCharField(
        max_length=PROJECT_NAME_MAX_LENGTH,
        error_messages=messages_for("name", blank="name must not be empty"),
        **kwargs,
    )


def _description_field() -> StrictCharField:
    return StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=PROJECT_DESCRIPTION_MAX_LENGTH,
        error_messages=messages_for("description"),
    )


@request_example({"name": "Data pipeline", "description": "Chats about the nightly ETL job"})
class ProjectCreateInputSerializer(BodySerializer, StrictInputSerializer):
    name = _name_field()
    description = _description_field()


@request_example({"name": "Data pipeline v2"})
class ProjectUpdateInputSerializer(BodySerializer, StrictInputSerializer):
    name = _name_field(required=False)
    description = _description_field()


@request_example({"projectId": PROJECT_ID})
class ProjectAssignInputSerializer(BodySerializer, StrictInputSerializer):
    projectId = public_id_field("projectId", allow_null=True)


class ProjectListQuerySerializer(serializers.Serializer):
    limit = PageSizeField(default=25, maximum=100)
    cursor = StrictCharField(
        required=False, allow_blank=True, error_messages=messages_for("cursor")
    )
    search = StrictCharField(
        required=False, allow_blank=True, error_messages=messages_for("search")
    )
    sortBy = serializers.ChoiceField(
        choices=list(PROJECT_SORT_FIELDS),
        required=False,
        error_messages={
            "invalid_choice": "sortBy must be one of: " + ", ".join(PROJECT_SORT_FIELDS)
        },
    )
    sortDirection = serializers.ChoiceField(
        choices=list(SORT_DIRECTIONS),
        required=False,
        error_messages={"invalid_choice": "sortDirection must be one of: asc, desc"},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "limit": attrs["limit"],
            "cursor": attrs.get("cursor") or None,
            "search": (attrs.get("search") or "").strip() or None,
            "sort_by": attrs.get("sortBy", "lastConversationAt"),
            "sort_direction": attrs.get("sortDirection", "desc"),
        }


class ProjectSerializer(serializers.Serializer):
    """``TChatProject``: the counts are the exact, trigger-kept columns."""

    _id = serializers.CharField(source="project_id")
    name = serializers.CharField()
    description = serializers.CharField()
    user = serializers.CharField(source="user_id")
    conversationCount = serializers.IntegerField(source="conversation_count")
    lastConversationAt = TimestampField(source="last_conversation_at", allow_null=True)
    lastConversationId = serializers.CharField(source="last_conversation_id", allow_null=True)
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")


class ProjectListResponseSerializer(serializers.Serializer):
    projects = ProjectSerializer(many=True)
    nextCursor = serializers.CharField(source="next_cursor", allow_null=True)


class ProjectDeleteResponseSerializer(serializers.Serializer):
    deletedCount = serializers.IntegerField(source="deleted")
    modifiedCount = serializers.IntegerField(source="unassigned")
