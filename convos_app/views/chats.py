"""Chats API views: parse with a serializer, call one service or selector, render with a
serializer. Routes are mapped explicitly in ``urls.py``."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.schema import DELETED, ERROR, SSE_EVENT
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from convos_app.selectors import chats as selectors
from convos_app.serializers.chats import (
    ChatCreateInputSerializer,
    ChatListQuerySerializer,
    ChatListSerializer,
    ChatMessageCreateInputSerializer,
    ChatMessagePageSerializer,
    ChatMessagesQuerySerializer,
    ChatReplySerializer,
    ChatSerializer,
)
from convos_app.services import chat_replies as replies
from convos_app.services import chat_streaming as streaming
from convos_app.services import chats as services

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


class ChatsView(ApiViewSet):
    """``/api/chats``: create a chat, list the user's chats (newest first)."""

    @extend_schema(
        operation_id="chats_create",
        request=ChatCreateInputSerializer,
        responses={201: ChatSerializer, 400: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = validated(ChatCreateInputSerializer, request.data)
        chat = services.chat_create(user=request.user, **body)
        return Response(ChatSerializer(chat).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="chats_list",
        parameters=[ChatListQuerySerializer],
        responses={200: ChatListSerializer, 400: ERROR},
    )
    def list(self, request: Request) -> Response:
        query = validated(ChatListQuerySerializer, request.query_params)
        page = selectors.chat_list(user=request.user, **query)
        return Response(ChatListSerializer(page).data)


class ChatDetailView(ApiViewSet):
    """``/api/chats/{id}``: read or delete one chat."""

    @extend_schema(operation_id="chats_retrieve", responses={200: ChatSerializer, 404: ERROR})
    def retrieve(self, request: Request, chat_id: str) -> Response:
        chat = selectors.chat_get(user=request.user, chat_id=chat_id)
        return Response(ChatSerializer(chat).data)

    @extend_schema(operation_id="chats_destroy", responses={204: DELETED, 404: ERROR})
    def destroy(self, request: Request, chat_id: str) -> Response:
        services.chat_delete(user=request.user, chat_id=chat_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChatMessagesView(ApiViewSet):
    """``/api/chats/{id}/messages``: list, clear, or post a message and get the reply."""

    @extend_schema(
        operation_id="chats_messages_list",
        parameters=[ChatMessagesQuerySerializer],
        responses={200: ChatMessagePageSerializer, 400: ERROR, 404: ERROR},
    )
    def list(self, request: Request, chat_id: str) -> Response:
        query = validated(ChatMessagesQuerySerializer, request.query_params)
        page = selectors.chat_message_page(user=request.user, chat_id=chat_id, **query)
        return Response(ChatMessagePageSerializer(page).data)

    @extend_schema(
        operation_id="chats_messages_create",
        request=ChatMessageCreateInputSerializer,
        responses={
            201: ChatReplySerializer,
            400: ERROR,
            402: ERROR,
            403: ERROR,
            404: ERROR,
            502: ERROR,
        },
    )
    def create(self, request: Request, chat_id: str) -> Response:
        body = validated(ChatMessageCreateInputSerializer, request.data)
        reply = replies.chat_reply_create(user=request.user, chat_id=chat_id, **body)
        return Response(ChatReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="chats_messages_clear", responses={204: DELETED, 404: ERROR})
    def destroy(self, request: Request, chat_id: str) -> Response:
        services.chat_messages_clear(user=request.user, chat_id=chat_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


SSE_ERROR = OpenApiResponse(
    response=SSE_EVENT, description='One `event: error` whose data is `{"error": ...}`'
)


class ChatMessageStreamView(ApiViewSet):
    """``POST /api/chats/{id}/messages/stream``: the reply as Server-Sent Events."""

    renderer_classes = [renderers.JSONRenderer, EventStreamRenderer]

    @extend_schema(
        operation_id="chats_messages_stream",
        request=ChatMessageCreateInputSerializer,
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                response=SSE_EVENT, description=SSE_DESCRIPTION
            ),
            # Refusals before the stream starts are JSON, or one SSE "error" event when the
            # client asked for events (docs/api-behaviour.md#reply-streaming).
            **{
                (code, media): ERROR if media == "application/json" else SSE_ERROR
                for code in (400, 402, 403, 404)
                for media in ("application/json", "text/event-stream")
            },
        },
    )
    def create(self, request: Request, chat_id: str) -> StreamingHttpResponse:
        body = validated(ChatMessageCreateInputSerializer, request.data)
        plan = replies.reply_prepare(user=request.user, chat_id=chat_id, **body)
        response = StreamingHttpResponse(
            streaming.reply_events(plan), content_type="text/event-stream; charset=utf-8"
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response
