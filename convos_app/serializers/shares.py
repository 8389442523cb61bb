"""Wire shapes of shared links, as LibreChat's client types them (``TSharedLinkResponse``,
``TSharedLinkGetResponse``, ``SharedLinksResponse``, ``TSharedMessagesResponse``,
``TDeleteSharedLinkResponse``): docs/api-behaviour.md#shared-links.

The owner's routes show the owner's own ids; the public read shows only share-scoped ids and the
snapshot's anonymized fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from chatcore.pagination import MAX_PAGE_SIZE
from chatcore.schema import schema_rules
from chatcore.schema_examples import MESSAGE_ID, request_example
from chatcore.serializers import (
    BodySerializer,
    ModelSerializer,
    PageSizeField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    TimestampField,
    messages_for,
    public_id_field,
)
from convos_app.models import SharedLink, SharedMessage
from convos_app.selectors.shares import SORT_DIRECTIONS, SORT_FIELDS, SharedSnapshot

SHARE_DELETED = "Share deleted successfully"
REVISION_INVALID = "shareRevision must be an ISO 8601 date-time"
DEFAULT_PAGE_SIZE = 10


# --- Inputs ------------------------------------------------------------------------------------
@request_example({"targetMessageId": MESSAGE_ID, "hideModel": False})
class SharedLinkCreateInputSerializer(BodySerializer):
    """``{targetMessageId?, snapshotFiles?, hideModel?}``. Files are never part of a snapshot,
    so ``snapshotFiles`` is accepted (LibreChat's client sends it) and has no effect."""

    targetMessageId = public_id_field("targetMessageId", required=False, allow_null=True)
    snapshotFiles = StrictBooleanField(
        required=False,
        allow_null=True,
        error_messages={"invalid": "snapshotFiles must be a boolean"},
    )
    hideModel = StrictBooleanField(
        required=False,
        allow_null=True,
        help_text="Withhold endpoint, model and assistant names from readers",
        error_messages={"invalid": "hideModel must be a boolean"},
    )


class SharedLinkUpdateInputSerializer(SharedLinkCreateInputSerializer):
    """Same keys; an absent ``targetMessageId`` keeps the link's target, ``null`` shares the
    whole conversation."""


class SharedLinkListQuerySerializer(serializers.Serializer):
    pageSize = PageSizeField(source="page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    cursor = StrictCharField(
        required=False, allow_blank=True, max_length=4096, error_messages=messages_for("cursor")
    )
    search = StrictCharField(
        required=False, allow_blank=True, max_length=1000, error_messages=messages_for("search")
    )
    sortBy = serializers.ChoiceField(
        source="sort_by",
        choices=list(SORT_FIELDS),
        default="createdAt",
        error_messages={"invalid_choice": "sortBy must be one of: createdAt, title"},
    )
    sortDirection = serializers.ChoiceField(
        source="sort_direction",
        choices=list(SORT_DIRECTIONS),
        default="desc",
        error_messages={"invalid_choice": "sortDirection must be one of: asc, desc"},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The selector's arguments; empty strings mean "not given"."""
        attrs["cursor"] = attrs.get("cursor") or None
        attrs["search"] = attrs.get("search") or None
        return attrs


# validate_shareRevision: an ISO 8601 date-time with its offset (RFC 3339's date-time).
@schema_rules(properties={"shareRevision": {"format": "date-time"}})
@request_example({"targetMessageIndex": 1, "shareRevision": "2026-11-30T09:15:00.000Z"})
class SharedLinkForkInputSerializer(BodySerializer):
    targetMessageIndex = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        error_messages={
            "invalid": "targetMessageIndex must be an integer",
            "min_value": "targetMessageIndex must be at least 0",
        },
    )
    shareRevision = StrictCharField(
        required=False,
        allow_null=True,
        max_length=64,
        help_text="updatedAt of the shared payload being forked",
        error_messages=messages_for("shareRevision"),
    )

    def validate_shareRevision(self, value: str | None) -> datetime | None:
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise serializers.ValidationError(REVISION_INVALID) from exc
        if moment.tzinfo is None:
            raise serializers.ValidationError(REVISION_INVALID)
        return moment


# --- Owner's outputs ---------------------------------------------------------------------------
class SharedLinkResponseSerializer(serializers.Serializer):
    """``TSharedLinkResponse``: create and update."""

    shareId = serializers.CharField(source="share_id")
    conversationId = serializers.CharField(source="conversation.conversation_id")
    targetMessageId = serializers.CharField(source="target_message_id", allow_null=True)


class SharedLinkStatusSerializer(serializers.Serializer):
    """``TSharedLinkGetResponse``: the conversation's link, or ``shareId: null``."""

    shareId = serializers.CharField(source="link.share_id", allow_null=True, default=None)
    conversationId = serializers.CharField(source="conversation_id")
    targetMessageId = serializers.CharField(
        source="link.target_message_id", allow_null=True, default=None
    )
    success = serializers.SerializerMethodField()

    def get_success(self, status: Any) -> bool:
        return status.link is not None


class SharedLinkListItemSerializer(ModelSerializer):
    shareId = serializers.CharField(source="share_id")
    conversationId = serializers.CharField(source="conversation.conversation_id")
    targetMessageId = serializers.CharField(source="target_message_id", allow_null=True)
    isPublic = serializers.SerializerMethodField(
        help_text="Always true: a link exists only while it is published"
    )
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    class Meta:
        model = SharedLink
        fields = [
            "shareId",
            "title",
            "conversationId",
            "targetMessageId",
            "isPublic",
            "createdAt",
            "updatedAt",
        ]

    def get_isPublic(self, link: SharedLink) -> bool:
        return True


class SharedLinkListResponseSerializer(serializers.Serializer):
    """``SharedLinksResponse``."""

    links = SharedLinkListItemSerializer(many=True)
    nextCursor = serializers.CharField(source="next_cursor", allow_null=True)
    hasNextPage = serializers.BooleanField(source="has_next_page")


class SharedLinkDeleteResponseSerializer(serializers.Serializer):
    """``TDeleteSharedLinkResponse``."""

    success = serializers.SerializerMethodField()
    shareId = serializers.CharField(source="*")
    message = serializers.SerializerMethodField()

    def get_success(self, share_id: str) -> bool:
        return True

    def get_message(self, share_id: str) -> str:
        return SHARE_DELETED


# --- The public read ---------------------------------------------------------------------------
class SharedMessageSerializer(ModelSerializer):
    """One snapshot message as ``TMessage``: share-scoped ids, no owner, feedback or files."""

    messageId = serializers.CharField(source="message_id")
    conversationId = serializers.SerializerMethodField()
    parentMessageId = serializers.CharField(source="parent_message_id")
    isCreatedByUser = serializers.BooleanField(source="is_created_by_user")
    content = serializers.ListField(child=serializers.DictField(), required=False)
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    class Meta:
        model = SharedMessage
        fields = [
            "messageId",
            "conversationId",
            "parentMessageId",
            "sender",
            "text",
            "content",
            "isCreatedByUser",
            "endpoint",
            "model",
            "error",
            "unfinished",
            "createdAt",
            "updatedAt",
        ]

    def get_conversationId(self, message: SharedMessage) -> str:
        return self.context["conversation_id"]

    def to_representation(self, instance: SharedMessage) -> dict[str, Any]:
        body = super().to_representation(instance)
        if body["content"] is None:
            del body["content"]
        return body


class SharedSnapshotSerializer(serializers.Serializer):
    """``TSharedMessagesResponse``. ``updatedAt`` is the revision a fork names."""

    shareId = serializers.CharField(source="link.share_id")
    conversationId = serializers.CharField(source="link.public_conversation_id")
    title = serializers.CharField(source="link.title")
    targetMessageId = serializers.CharField(source="link.public_target_id", allow_null=True)
    createdAt = TimestampField(source="link.created_at")
    updatedAt = TimestampField(source="link.updated_at")
    messages = serializers.SerializerMethodField()

    def get_messages(self, snapshot: SharedSnapshot) -> list[dict[str, Any]]:
        context = {"conversation_id": snapshot.link.public_conversation_id}
        return SharedMessageSerializer(snapshot.messages, many=True, context=context).data
