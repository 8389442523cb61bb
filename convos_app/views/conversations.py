"""Conversations API: input → one service/selector → output."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.models import PUBLIC_ID_MAX_LENGTH
from chatcore.schema import ERROR, NOT_BLANK_PATTERN, PAGE_SIZE_SCHEMA, search_query_schema
from chatcore.serializers import validated
from chatcore.throttles import ConversationForkIPThrottle, ConversationForkUserThrottle
from chatcore.viewsets import ApiViewSet
from convos_app.selectors import conversations as selectors
from convos_app.selectors.usage import conversation_usage
from convos_app.serializers.conversations import (
    ArchiveAllResponseSerializer,
    ConversationArchiveInputSerializer,
    ConversationCopyResponseSerializer,
    ConversationDeleteInputSerializer,
    ConversationDeleteResponseSerializer,
    ConversationDuplicateInputSerializer,
    ConversationForkInputSerializer,
    ConversationListQuerySerializer,
    ConversationListResponseSerializer,
    ConversationPinInputSerializer,
    ConversationSerializer,
    ConversationUpdateInputSerializer,
    TitleResponseSerializer,
    conversation_item,
    conversation_list_body,
)
from convos_app.serializers.usage import (
    ConversationUsageSerializer,
    ConversationWithUsageSerializer,
)
from convos_app.services.conversations import (
    conversation_archive,
    conversation_pin,
    conversation_rename,
    conversations_archive_all,
)
from convos_app.services.delete import conversation_delete, conversations_delete_all
from convos_app.services.duplicate import conversation_duplicate
from convos_app.services.fork import conversation_fork
from convos_app.services.titles import conversation_title_wait

LIST_PARAMETERS = [
    OpenApiParameter("limit", PAGE_SIZE_SCHEMA, description="Page size, 1..100 (default 25)"),
    OpenApiParameter("cursor", str, description="nextCursor of the previous page"),
    OpenApiParameter("isArchived", bool, description="true: archived only (default false)"),
    OpenApiParameter(
        "tags",
        {"type": "array", "items": {"type": "string", "pattern": NOT_BLANK_PATTERN}},
        description="Any of these tags",
    ),
    OpenApiParameter("search", search_query_schema(), description="Title or message text"),
    OpenApiParameter("pinned", bool, description="true: pinned only; false: unpinned only"),
    OpenApiParameter(
        "projectId",
        {"type": "string", "maxLength": PUBLIC_ID_MAX_LENGTH},
        description="A project's id, or 'unassigned' (in no project)",
    ),
    OpenApiParameter("sortBy", str, enum=list(selectors.SORT_FIELDS)),
    OpenApiParameter("sortDirection", str, enum=list(selectors.SORT_DIRECTIONS)),
]


class ConversationViewSet(ApiViewSet):
    """List, read, rename, archive, delete conversations, and wait for a generated title."""

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: ConversationListResponseSerializer, 400: ERROR},
    )
    def list(self, request: Request) -> Response:
        query = validated(ConversationListQuerySerializer, request.query_params)
        page = selectors.conversation_list_for_user(user=request.user, **query)
        return Response(conversation_list_body(page))

    @extend_schema(responses={200: ConversationWithUsageSerializer, 404: ERROR})
    def retrieve(self, request: Request, conversation_id: str) -> Response:
        row = selectors.conversation_row_for_user(
            user=request.user, conversation_id=conversation_id
        )
        item = conversation_item(row)
        item["usage"] = ConversationUsageSerializer(conversation_usage(row["pk"])).data
        return Response(item)

    @extend_schema(
        request=ConversationUpdateInputSerializer,
        responses={200: ConversationSerializer, 400: ERROR, 404: ERROR},
    )
    def rename(self, request: Request) -> Response:
        arg = validated(ConversationUpdateInputSerializer, request.data)["arg"]
        conversation = conversation_rename(
            user=request.user, conversation_id=arg["conversationId"], title=arg["title"]
        )
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(
        request=ConversationArchiveInputSerializer,
        responses={200: ConversationSerializer, 400: ERROR, 404: ERROR},
    )
    def archive(self, request: Request) -> Response:
        arg = validated(ConversationArchiveInputSerializer, request.data)["arg"]
        conversation = conversation_archive(
            user=request.user, conversation_id=arg["conversationId"], is_archived=arg["isArchived"]
        )
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(request=None, responses={200: ArchiveAllResponseSerializer})
    def archive_all(self, request: Request) -> Response:
        count = conversations_archive_all(user=request.user)
        return Response(ArchiveAllResponseSerializer({"archivedCount": count}).data)

    @extend_schema(
        request=ConversationPinInputSerializer,
        responses={200: ConversationSerializer, 400: ERROR, 404: ERROR},
    )
    def pin(self, request: Request) -> Response:
        arg = validated(ConversationPinInputSerializer, request.data)["arg"]
        conversation = conversation_pin(
            user=request.user, conversation_id=arg["conversationId"], pinned=arg["pinned"]
        )
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(
        request=ConversationDeleteInputSerializer,
        responses={200: ConversationDeleteResponseSerializer, 400: ERROR, 404: ERROR},
    )
    def destroy(self, request: Request) -> Response:
        arg = validated(ConversationDeleteInputSerializer, request.data)["arg"]
        result = conversation_delete(user=request.user, conversation_id=arg["conversationId"])
        return Response(ConversationDeleteResponseSerializer(result).data)

    @extend_schema(request=None, responses={200: ConversationDeleteResponseSerializer})
    def destroy_all(self, request: Request) -> Response:
        result = conversations_delete_all(user=request.user)
        return Response(ConversationDeleteResponseSerializer(result).data)

    @extend_schema(responses={200: TitleResponseSerializer, 404: ERROR})
    def gen_title(self, request: Request, conversation_id: str) -> Response:
        title = conversation_title_wait(user=request.user, conversation_id=conversation_id)
        return Response(TitleResponseSerializer({"title": title}).data)


class ConversationCopyViewSet(ApiViewSet):
    """Fork and duplicate: one shared per-user and per-IP rate limit (429 + Retry-After)."""

    throttle_classes = [ConversationForkUserThrottle, ConversationForkIPThrottle]

    @extend_schema(
        request=ConversationForkInputSerializer,
        responses={200: ConversationCopyResponseSerializer, 400: ERROR, 404: ERROR, 429: ERROR},
    )
    def fork(self, request: Request) -> Response:
        body = validated(ConversationForkInputSerializer, request.data)
        copy = conversation_fork(
            user=request.user,
            conversation_id=body["conversationId"],
            message_id=body["messageId"],
            option=body.get("option"),
            split_at_target=bool(body.get("splitAtTarget")),
            latest_message_id=body.get("latestMessageId"),
        )
        return Response(ConversationCopyResponseSerializer(copy).data)

    @extend_schema(
        request=ConversationDuplicateInputSerializer,
        responses={201: ConversationCopyResponseSerializer, 400: ERROR, 404: ERROR, 429: ERROR},
    )
    def duplicate(self, request: Request) -> Response:
        body = validated(ConversationDuplicateInputSerializer, request.data)
        copy = conversation_duplicate(
            user=request.user, conversation_id=body["conversationId"], title=body.get("title")
        )
        return Response(
            ConversationCopyResponseSerializer(copy).data, status=status.HTTP_201_CREATED
        )
