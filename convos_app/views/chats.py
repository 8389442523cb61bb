"""Chats API views (seeds 003/004): parse with a serializer, call one service or selector,
render with a serializer. Routes are mapped explicitly in ``urls.py``."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.pagination import parse_page_size
from chatcore.parsers import SafeJSONParser
from convos_app.selectors import chats as selectors
from convos_app.serializers.chats import (
    DEFAULT_CHATS_PAGE,
    ChatCreateInputSerializer,
    ChatListQuerySerializer,
    ChatListSerializer,
    ChatMessageCreateInputSerializer,
    ChatMessagePageSerializer,
    ChatMessageSerializer,
    ChatMessagesQuerySerializer,
    ChatMessageUpdateInputSerializer,
    ChatReplySerializer,
    ChatSerializer,
)
from convos_app.services import chat_streaming as streaming
from convos_app.services import chats as services
from messages_app.serializers import MessageSerializer

ERROR = OpenApiResponse(description='`{"error": "...", "message"?: "..."}`')
DELETED = OpenApiResponse(description="No content")
SSE_DESCRIPTION = (
    "Server-Sent Events: `start`, `content` (`{delta}`), `tool_call`, `end` (the 201 body of the "
    "non-streaming endpoint), `error`."
)


class EventStreamRenderer(renderers.BaseRenderer):
    """Lets clients send ``Accept: text/event-stream``; errors raised before the stream starts
    are then delivered as one SSE ``error`` event (with the HTTP status of the error)."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # type: ignore[no-untyped-def]
        return streaming.sse("error", data) if data is not None else b""


class ChatsView(viewsets.GenericViewSet):
    """``/api/chats``: create a chat, list the user's chats (newest first)."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="chats_create",
        request=ChatCreateInputSerializer,
        responses={201: ChatSerializer, 400: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = ChatCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        chat = services.chat_create(user=request.user, **body.validated_data)
        return Response(ChatSerializer(chat).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="chats_list",
        parameters=[ChatListQuerySerializer],
        responses={200: ChatListSerializer, 400: ERROR},
    )
    def list(self, request: Request) -> Response:
        query = ChatListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.chat_list(
            user=request.user,
            cursor=query.validated_data.get("cursor") or None,
            page_size=parse_page_size(
                query.validated_data.get("count"), default=DEFAULT_CHATS_PAGE, name="count"
            ),
        )
        return Response(ChatListSerializer(page).data)


class ChatDetailView(viewsets.GenericViewSet):
    """``/api/chats/{id}``: read or delete one chat."""

    @extend_schema(operation_id="chats_retrieve", responses={200: ChatSerializer, 404: ERROR})
    def retrieve(self, request: Request, chat_id: str) -> Response:
        chat = selectors.chat_get(user=request.user, chat_id=chat_id)
        return Response(ChatSerializer(chat).data)

    @extend_schema(operation_id="chats_destroy", responses={204: DELETED, 404: ERROR})
    def destroy(self, request: Request, chat_id: str) -> Response:
        services.chat_delete(user=request.user, chat_id=chat_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChatMessagesView(viewsets.GenericViewSet):
    """``/api/chats/{id}/messages``: list (seed 003), clear (seed 003), create (seed 004)."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="chats_messages_list",
        parameters=[ChatMessagesQuerySerializer],
        responses={200: ChatMessagePageSerializer, 400: ERROR, 404: ERROR},
    )
    def list(self, request: Request, chat_id: str) -> Response:
        query = ChatMessagesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.chat_message_page(
            user=request.user, chat_id=chat_id, **query.validated_data
        )
        return Response(ChatMessagePageSerializer(page).data)

    @extend_schema(
        operation_id="chats_messages_create",
        request=ChatMessageCreateInputSerializer,
        responses={201: ChatReplySerializer, 400: ERROR, 403: ERROR, 404: ERROR, 502: ERROR},
    )
    def create(self, request: Request, chat_id: str) -> Response:
        body = ChatMessageCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reply = services.chat_reply_create(
            user=request.user, chat_id=chat_id, **body.validated_data
        )
        return Response(ChatReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="chats_messages_clear", responses={204: DELETED, 404: ERROR})
    def destroy(self, request: Request, chat_id: str) -> Response:
        services.chat_messages_clear(user=request.user, chat_id=chat_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChatMessageStreamView(viewsets.GenericViewSet):
    """``POST /api/chats/{id}/messages/stream``: the reply as Server-Sent Events."""

    parser_classes = [SafeJSONParser]
    renderer_classes = [renderers.JSONRenderer, EventStreamRenderer]

    @extend_schema(
        operation_id="chats_messages_stream",
        request=ChatMessageCreateInputSerializer,
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                response=OpenApiTypes.STR, description=SSE_DESCRIPTION
            ),
            400: ERROR,
            403: ERROR,
            404: ERROR,
        },
    )
    def create(self, request: Request, chat_id: str) -> StreamingHttpResponse:
        body = ChatMessageCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.reply_prepare(user=request.user, chat_id=chat_id, **body.validated_data)
        response = StreamingHttpResponse(
            streaming.reply_events(plan), content_type="text/event-stream; charset=utf-8"
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response


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
        found = selectors.conversation_messages_or_message(
            user=request.user, item_id=conversation_id
        )
        if isinstance(found, selectors.ChatMessageRecord):
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
        record = services.chat_message_like_update(
            user=request.user, message_id=conversation_id, liked=body.validated_data["liked"]
        )
        return Response(ChatMessageSerializer(record).data)

    @extend_schema(
        operation_id="messages_delete_by_id",
        summary="Seed 003: delete one message",
        responses={204: DELETED, 404: ERROR},
    )
    def destroy(self, request: Request, conversation_id: str) -> Response:
        services.chat_message_delete(user=request.user, message_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
