"""Messages API views (seeds 000/001): parse with a serializer, call one service or selector,
render with a serializer. Routes are mapped explicitly in ``urls.py``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.pagination import parse_page_size
from chatcore.parsers import SafeJSONParser
from messages_app.selectors import by_id as by_id_selectors
from messages_app.selectors import messages as selectors
from messages_app.serializers.by_id import ChatMessageSerializer, ChatMessageUpdateInputSerializer
from messages_app.serializers.messages import (
    MessageArtifactInputSerializer,
    MessageArtifactResultSerializer,
    MessageBranchInputSerializer,
    MessageCreateInputSerializer,
    MessageFeedbackInputSerializer,
    MessageFeedbackResultSerializer,
    MessageListQuerySerializer,
    MessageListResponseSerializer,
    MessageSerializer,
    MessageUpdateInputSerializer,
    MessageUpdateResultSerializer,
)
from messages_app.services import by_id as by_id_services
from messages_app.services import messages as services

ERROR = OpenApiResponse(description='`{"error": "..."}`')
DELETED = OpenApiResponse(description="No content")


class MessagesView(viewsets.GenericViewSet):
    """``GET /api/messages``: keyset pages, a single lookup, or search."""

    @extend_schema(
        operation_id="messages_list",
        parameters=[MessageListQuerySerializer],
        responses={200: MessageListResponseSerializer, 400: ERROR, 404: ERROR},
    )
    def list(self, request: Request) -> Response:
        query = MessageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = selectors.message_list(
            user=request.user,
            conversation_id=params.get("conversation_id") or None,
            message_id=params.get("message_id") or None,
            search=params.get("search") or None,
            cursor=params.get("cursor") or None,
            page_size=parse_page_size(params.get("page_size")),
            sort_by=params["sort_by"],
            descending=params["sort_direction"] == "desc",
        )
        return Response(MessageListResponseSerializer(page).data)


class MessageIdRouteMixin:
    """Seed 003's ``/api/messages/{id}`` (read, like, delete).

    The path is shared with seed 000's ``/api/messages/{conversationId}`` and Django matches
    paths before methods, so the messages app's view of that route mixes this in: its GET
    answers with ``conversation_or_message_response`` (decisions.md: a conversation id wins,
    else a message of the user), and PUT/DELETE are these actions. The URL names the segment
    ``conversation_id``.
    """

    def conversation_or_message_response(self, request: Request, conversation_id: str) -> Response:
        """A conversation id: its messages (seed 000's array); else one of the user's message
        ids: that message (seed 003's object); else 404 "Conversation not found"."""
        found = by_id_selectors.conversation_messages_or_message(
            user=request.user, item_id=conversation_id
        )
        if isinstance(found, by_id_selectors.ChatMessageRecord):
            return Response(ChatMessageSerializer(found).data)
        return Response(MessageSerializer(found, many=True).data)

    @extend_schema(
        operation_id="messages_like_update",
        summary="Seed 003: set liked on one message",
        request=ChatMessageUpdateInputSerializer,
        responses={200: ChatMessageSerializer, 400: ERROR, 404: ERROR},
    )
    def update(self, request: Request, conversation_id: str) -> Response:
        body = ChatMessageUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = by_id_services.chat_message_like_update(
            user=request.user, message_id=conversation_id, liked=body.validated_data["liked"]
        )
        return Response(ChatMessageSerializer(record).data)

    @extend_schema(
        operation_id="messages_delete_by_id",
        summary="Seed 003: delete one message",
        responses={204: DELETED, 404: ERROR},
    )
    def destroy(self, request: Request, conversation_id: str) -> Response:
        by_id_services.chat_message_delete(user=request.user, message_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationMessagesView(MessageIdRouteMixin, viewsets.GenericViewSet):
    """``/api/messages/{id}``: one conversation's messages (GET) or a new message (POST).

    Seed 003's ``GET/PUT/DELETE /api/messages/{messageId}`` share this path; the chats package's
    ``MessageIdRouteMixin`` answers GET for a message id (decisions.md) and PUT/DELETE.

    GET's lookup lives in ``selectors.message_list_for_conversation`` so the seed-003 message-id
    fallback of decisions.md can be added there and here without touching the other routes.
    """

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="messages_conversation_list",
        description="A conversation id: its messages. Else one of the user's message ids: "
        "that message in seed 003's shape. Else 404.",
        responses={
            200: PolymorphicProxySerializer(
                component_name="ConversationMessagesOrMessage",
                serializers=[MessageSerializer(many=True), ChatMessageSerializer],
                resource_type_field_name=None,
                many=False,
            ),
            404: ERROR,
        },
    )
    def list(self, request: Request, conversation_id: str) -> Response:
        return self.conversation_or_message_response(request, conversation_id)

    @extend_schema(
        operation_id="messages_create",
        request=MessageCreateInputSerializer,
        responses={201: MessageSerializer, 400: ERROR, 409: ERROR},
    )
    def create(self, request: Request, conversation_id: str) -> Response:
        body = MessageCreateInputSerializer(
            data=request.data, context={"conversation_id": conversation_id}
        )
        body.is_valid(raise_exception=True)
        record = services.message_create(
            user=request.user,
            conversation_id=conversation_id,
            message=services.NewMessage(**body.validated_data),
        )
        return Response(MessageSerializer(record).data, status=status.HTTP_201_CREATED)


class MessageDetailView(viewsets.GenericViewSet):
    """``/api/messages/{conversationId}/{messageId}``: read, edit, delete one message."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="messages_retrieve",
        responses={200: MessageSerializer, 404: ERROR},
    )
    def retrieve(self, request: Request, conversation_id: str, message_id: str) -> Response:
        record = selectors.message_get_in_conversation(
            user=request.user, conversation_id=conversation_id, message_id=message_id
        )
        return Response(MessageSerializer(record).data)

    @extend_schema(
        operation_id="messages_update",
        request=MessageUpdateInputSerializer,
        responses={200: MessageUpdateResultSerializer, 400: ERROR, 404: ERROR},
    )
    def update(self, request: Request, conversation_id: str, message_id: str) -> Response:
        body = MessageUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.message_update(
            user=request.user,
            conversation_id=conversation_id,
            message_id=message_id,
            **body.validated_data,
        )
        return Response(MessageUpdateResultSerializer(record).data)

    @extend_schema(
        operation_id="messages_destroy",
        responses={204: OpenApiResponse(description="Deleted"), 404: ERROR},
    )
    def destroy(self, request: Request, conversation_id: str, message_id: str) -> Response:
        services.message_delete(
            user=request.user, conversation_id=conversation_id, message_id=message_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageFeedbackView(viewsets.GenericViewSet):
    """``PUT /api/messages/{conversationId}/{messageId}/feedback``."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="messages_feedback_update",
        request=MessageFeedbackInputSerializer,
        responses={200: MessageFeedbackResultSerializer, 400: ERROR, 404: ERROR},
    )
    def update(self, request: Request, conversation_id: str, message_id: str) -> Response:
        body = MessageFeedbackInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.feedback_upsert(
            user=request.user,
            conversation_id=conversation_id,
            message_id=message_id,
            feedback=body.validated_data["feedback"],
        )
        return Response(MessageFeedbackResultSerializer(record).data)


class MessageBranchView(viewsets.GenericViewSet):
    """``POST /api/messages/branch``: one agent's parts of a parallel reply as a sibling."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="messages_branch",
        request=MessageBranchInputSerializer,
        responses={201: MessageSerializer, 400: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = MessageBranchInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.message_branch(user=request.user, **body.validated_data)
        return Response(MessageSerializer(record).data, status=status.HTTP_201_CREATED)


class MessageArtifactView(viewsets.GenericViewSet):
    """``POST /api/messages/artifact/{messageId}``: edit code inside an artifact block."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="messages_artifact_update",
        request=MessageArtifactInputSerializer,
        responses={200: MessageArtifactResultSerializer, 400: ERROR, 404: ERROR},
    )
    def create(self, request: Request, message_id: str) -> Response:
        body = MessageArtifactInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.message_artifact_edit(
            user=request.user, message_id=message_id, **body.validated_data
        )
        return Response(MessageArtifactResultSerializer(result).data)
