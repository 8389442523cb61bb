"""Temporary chats and retention policies API: input → one service → output
(docs/api-behaviour.md#temporary-chats, docs/api-behaviour.md#retention-policies)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.schema import ERROR
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from convos_app.serializers.conversations import ConversationSerializer
from convos_app.serializers.retention import (
    ConversationTemporaryInputSerializer,
    RetentionInputSerializer,
    RetentionPreviewSerializer,
    RetentionSerializer,
)
from convos_app.services.retention import (
    conversation_temporary_set,
    retention_get,
    retention_preview,
    retention_update,
)


class ConversationTemporaryViewSet(ApiViewSet):
    """Make a conversation temporary, or keep it (``POST /api/convos/temporary``)."""

    @extend_schema(
        request=ConversationTemporaryInputSerializer,
        responses={200: ConversationSerializer, 400: ERROR, 404: ERROR},
    )
    def update(self, request: Request) -> Response:
        arg = validated(ConversationTemporaryInputSerializer, request.data)["arg"]
        conversation = conversation_temporary_set(
            user=request.user,
            conversation_id=arg["conversationId"],
            is_temporary=arg["isTemporary"],
        )
        return Response(ConversationSerializer(conversation).data)


class RetentionViewSet(ApiViewSet):
    """The caller's retention policy and what the next purge would delete of theirs."""

    @extend_schema(responses={200: RetentionSerializer})
    def retrieve(self, request: Request) -> Response:
        return Response(RetentionSerializer(retention_get(user=request.user)).data)

    @extend_schema(
        request=RetentionInputSerializer, responses={200: RetentionSerializer, 400: ERROR}
    )
    def update(self, request: Request) -> Response:
        policy = validated(RetentionInputSerializer, request.data)
        return Response(RetentionSerializer(retention_update(user=request.user, **policy)).data)

    @extend_schema(responses={200: RetentionPreviewSerializer})
    def preview(self, request: Request) -> Response:
        return Response(RetentionPreviewSerializer(retention_preview(user=request.user)).data)
