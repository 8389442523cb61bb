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
    ChatMessagesQuerySerializer,
    ChatReplySerializer,
    ChatSerializer,
)
from convos_app.services import chat_streaming as streaming
from convos_app.services import chats as services

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
