"""Messages API views: parse with a serializer, call one service or selector, render with a
serializer. Routes are mapped explicitly in ``urls.py``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.schema import DELETED, ERROR, UUID_SCHEMA, search_query_schema
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from messages_app.selectors import by_id as by_id_selectors
from messages_app.selectors import memories as memory_selectors
from messages_app.selectors import messages as selectors
from messages_app.serializers.artifact import (
    MessageArtifactInputSerializer,
    MessageArtifactResultSerializer,
)
from messages_app.serializers.branch import MessageBranchInputSerializer
from messages_app.serializers.by_id import ChatMessageSerializer, ChatMessageUpdateInputSerializer
from messages_app.serializers.feedback import (
    MessageFeedbackInputSerializer,
    MessageFeedbackResultSerializer,
)
from messages_app.serializers.memories import (
    MemoryAgentQuerySerializer,
    MemoryCreatedSerializer,
    MemoryCreateInputSerializer,
    MemoryDeletedSerializer,
    MemoryListSerializer,
    MemoryPreferencesInputSerializer,
    MemoryPreferencesSerializer,
    MemoryPreferencesUpdatedSerializer,
    MemoryUpdatedSerializer,
    MemoryUpdateInputSerializer,
)
from messages_app.serializers.messages import (
    MessageCreateInputSerializer,
    MessageListQuerySerializer,
    MessageListResponseSerializer,
    MessageSerializer,
    MessageUpdateInputSerializer,
    MessageUpdateResultSerializer,
)
from messages_app.services import artifact as artifact_services
from messages_app.services import branch as branch_services
from messages_app.services import by_id as by_id_services
from messages_app.services import memories as memory_services
from messages_app.services import messages as services


class MessagesView(ApiViewSet):
    """``GET /api/messages``: keyset pages, a single lookup, or search."""

    @extend_schema(
        operation_id="messages_list",
        parameters=[
            MessageListQuerySerializer,
            OpenApiParameter("search", search_query_schema(), description="Message text"),
        ],
        responses={200: MessageListResponseSerializer, 400: ERROR, 404: ERROR},
    )
    def list(self, request: Request) -> Response:
        query = validated(MessageListQuerySerializer, request.query_params)
        page = selectors.message_list(user=request.user, **query)
        return Response(MessageListResponseSerializer(page).data)


# ``/api/messages/{conversation_id}`` is one Django route for four methods, so its template
# name cannot differ per method; each operation's parameter says what the segment is.
MESSAGE_ID_SEGMENT = OpenApiParameter(
    "conversation_id",
    str,
    OpenApiParameter.PATH,
    description="The **messageId** of the message (LibreChat's `/api/messages/:messageId`); "
    "the segment is named conversation_id only because GET/POST share this path.",
)
NEW_MESSAGE_CONVERSATION = OpenApiParameter(
    "conversation_id",
    UUID_SCHEMA,
    OpenApiParameter.PATH,
    description="The conversationId: a lowercase hyphenated UUID (messages are saved only "
    "under one).",
)


class MessageIdRouteMixin:
    """``/api/messages/{id}`` for a message id (read, like, delete).

    The path is shared with ``/api/messages/{conversationId}`` and Django matches paths before
    methods, so the view of that route mixes this in: its GET answers with
    ``conversation_or_message_response`` (a conversation id wins, else a message of the user),
    and PUT/DELETE are these actions. The URL names the segment ``conversation_id``.
    """

    def conversation_or_message_response(self, request: Request, conversation_id: str) -> Response:
        """A conversation id: its messages (an array); else one of the user's message ids: that
        message (an object); else 404 "Conversation not found"."""
        found = by_id_selectors.conversation_messages_or_message(
            user=request.user, item_id=conversation_id
        )
        if isinstance(found, by_id_selectors.ChatMessageRecord):
            return Response(ChatMessageSerializer(found).data)
        return Response(MessageSerializer(found, many=True).data)

    @extend_schema(
        operation_id="messages_like_update",
        summary="Set liked on one message (the path segment is its messageId)",
        description="LibreChat's `PUT /api/messages/:messageId {liked}`: the path segment is "
        "the **messageId**, not a conversation id.",
        parameters=[MESSAGE_ID_SEGMENT],
        request=ChatMessageUpdateInputSerializer,
        responses={200: ChatMessageSerializer, 400: ERROR, 404: ERROR},
    )
    def update(self, request: Request, conversation_id: str) -> Response:
        body = validated(ChatMessageUpdateInputSerializer, request.data)
        record = by_id_services.chat_message_like_update(
            user=request.user, message_id=conversation_id, liked=body["liked"]
        )
        return Response(ChatMessageSerializer(record).data)

    @extend_schema(
        operation_id="messages_delete_by_id",
        summary="Delete one message (the path segment is its messageId)",
        description="`DELETE /api/messages/:messageId`: the path segment is the **messageId**.",
        parameters=[MESSAGE_ID_SEGMENT],
        responses={204: DELETED, 404: ERROR},
    )
    def destroy(self, request: Request, conversation_id: str) -> Response:
        by_id_services.chat_message_delete(user=request.user, message_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationMessagesView(MessageIdRouteMixin, ApiViewSet):
    """``/api/messages/{id}``: one conversation's messages (GET) or a new message (POST).

    ``GET/PUT/DELETE /api/messages/{messageId}`` share this path; ``MessageIdRouteMixin``
    answers GET for a message id, and PUT/DELETE.
    """

    @extend_schema(
        operation_id="messages_conversation_list",
        description="A conversation id: its messages. Else one of the user's message ids: "
        "that message in the chats API's shape. Else 404.",
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
        parameters=[NEW_MESSAGE_CONVERSATION],
        request=MessageCreateInputSerializer,
        responses={201: MessageSerializer, 400: ERROR, 409: ERROR},
    )
    def create(self, request: Request, conversation_id: str) -> Response:
        body = validated(
            MessageCreateInputSerializer, request.data, context={"conversation_id": conversation_id}
        )
        record = services.message_create(
            user=request.user,
            conversation_id=conversation_id,
            message=services.NewMessage(**body),
        )
        return Response(MessageSerializer(record).data, status=status.HTTP_201_CREATED)


class MessageDetailView(ApiViewSet):
    """``/api/messages/{conversationId}/{messageId}``: read, edit, delete one message."""

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
        body = validated(MessageUpdateInputSerializer, request.data)
        record = services.message_update(
            user=request.user, conversation_id=conversation_id, message_id=message_id, **body
        )
        return Response(MessageUpdateResultSerializer(record).data)

    @extend_schema(operation_id="messages_destroy", responses={204: DELETED, 404: ERROR})
    def destroy(self, request: Request, conversation_id: str, message_id: str) -> Response:
        services.message_delete(
            user=request.user, conversation_id=conversation_id, message_id=message_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageFeedbackView(ApiViewSet):
    """``PUT /api/messages/{conversationId}/{messageId}/feedback``."""

    @extend_schema(
        operation_id="messages_feedback_update",
        request=MessageFeedbackInputSerializer,
        responses={200: MessageFeedbackResultSerializer, 400: ERROR, 404: ERROR},
    )
    def update(self, request: Request, conversation_id: str, message_id: str) -> Response:
        body = validated(MessageFeedbackInputSerializer, request.data)
        record = services.feedback_upsert(
            user=request.user,
            conversation_id=conversation_id,
            message_id=message_id,
            feedback=body["feedback"],
        )
        return Response(MessageFeedbackResultSerializer(record).data)


class MessageBranchView(ApiViewSet):
    """``POST /api/messages/branch``: one agent's parts of a parallel reply as a sibling."""

    @extend_schema(
        operation_id="messages_branch",
        request=MessageBranchInputSerializer,
        responses={201: MessageSerializer, 400: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = validated(MessageBranchInputSerializer, request.data)
        record = branch_services.message_branch(user=request.user, **body)
        return Response(MessageSerializer(record).data, status=status.HTTP_201_CREATED)


class MessageArtifactView(ApiViewSet):
    """``POST /api/messages/artifact/{messageId}``: edit code inside an artifact block."""

    @extend_schema(
        operation_id="messages_artifact_update",
        request=MessageArtifactInputSerializer,
        responses={200: MessageArtifactResultSerializer, 400: ERROR, 404: ERROR},
    )
    def create(self, request: Request, message_id: str) -> Response:
        body = validated(MessageArtifactInputSerializer, request.data)
        result = artifact_services.message_artifact_edit(
            user=request.user, message_id=message_id, **body
        )
        return Response(MessageArtifactResultSerializer(result).data)


AGENT_ID = OpenApiParameter(
    "agentId", str, description="The agent partition (absent: the shared pool, or any for ids)"
)


def _partition(request: Request, *, by_id: bool) -> str | None:
    """The ``?agentId=`` partition: a key route without one addresses the shared pool (""), an
    id route without one finds the memory in any partition (None)."""
    agent_id = validated(MemoryAgentQuerySerializer, request.query_params).get("agentId")
    if agent_id:
        return agent_id
    return None if by_id else ""


class MemoriesView(ApiViewSet):
    """``/api/memories``: the user's memories; one of them by ``{key}`` or by ``id/{id}``
    (docs/api-behaviour.md#memories)."""

    @extend_schema(operation_id="memories_list", responses={200: MemoryListSerializer})
    def list(self, request: Request) -> Response:
        listing = memory_selectors.memory_list_for_user(user=request.user)
        return Response(MemoryListSerializer(listing).data)

    @extend_schema(
        operation_id="memories_create",
        request=MemoryCreateInputSerializer,
        responses={201: MemoryCreatedSerializer, 400: ERROR, 409: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = validated(MemoryCreateInputSerializer, request.data)
        memory = memory_services.memory_create(
            user=request.user,
            key=body["key"],
            value=body["value"],
            agent_id=body.get("agentId") or "",
        )
        return Response(MemoryCreatedSerializer(memory).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[AGENT_ID],
        request=MemoryUpdateInputSerializer,
        responses={200: MemoryUpdatedSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def update(
        self, request: Request, key: str | None = None, memory_id: str | None = None
    ) -> Response:
        body = validated(MemoryUpdateInputSerializer, request.data)
        memory = memory_services.memory_update(
            user=request.user,
            key=key,
            memory_id=memory_id,
            agent_id=_partition(request, by_id=memory_id is not None),
            new_key=body.get("key"),
            value=body["value"],
        )
        return Response(MemoryUpdatedSerializer(memory).data)

    @extend_schema(
        parameters=[AGENT_ID], responses={200: MemoryDeletedSerializer, 400: ERROR, 404: ERROR}
    )
    def destroy(
        self, request: Request, key: str | None = None, memory_id: str | None = None
    ) -> Response:
        deleted = memory_services.memory_delete(
            user=request.user,
            key=key,
            memory_id=memory_id,
            agent_id=_partition(request, by_id=memory_id is not None),
        )
        return Response(MemoryDeletedSerializer(deleted).data)


class MemoryPreferencesView(ApiViewSet):
    """``/api/memories/preferences``: the user's "use memories in replies" switch."""

    @extend_schema(
        operation_id="memories_preferences_get", responses={200: MemoryPreferencesSerializer}
    )
    def retrieve(self, request: Request) -> Response:
        enabled = memory_selectors.memory_preference_for_user(user=request.user)
        return Response(MemoryPreferencesSerializer(enabled).data)

    @extend_schema(
        operation_id="memories_preferences_update",
        request=MemoryPreferencesInputSerializer,
        responses={200: MemoryPreferencesUpdatedSerializer, 400: ERROR},
    )
    def update(self, request: Request) -> Response:
        body = validated(MemoryPreferencesInputSerializer, request.data)
        enabled = memory_services.memory_preferences_update(
            user=request.user, memories=body["memories"]
        )
        return Response(MemoryPreferencesUpdatedSerializer(enabled).data)
