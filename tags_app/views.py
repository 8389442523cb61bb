"""Tags API: the user's tags and the tags on a conversation."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.schema import ERROR, PAGE_SIZE_SCHEMA
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from tags_app import selectors, services
from tags_app.serializers import (
    ConversationTagAddInputSerializer,
    ConversationTagsSetInputSerializer,
    TagCreateInputSerializer,
    TagListQuerySerializer,
    TagNamesSerializer,
    TagPageSerializer,
    TagSerializer,
    TagUpdateInputSerializer,
)

TAG_NAMES = TagNamesSerializer(child=TagNamesSerializer.child)
_UNSET = services._UNSET
SORT_FIELDS = list(selectors.TAG_SORT_FIELDS)
SORT_ORDERS = list(selectors.TAG_SORT_ORDERS)


class TagViewSet(ApiViewSet):
    """The user's tags. ``:tag`` path segments are URL-decoded labels (slashes allowed)."""

    @extend_schema(responses={200: TagSerializer(many=True)})
    def list(self, request: Request) -> Response:
        tags = selectors.tag_list_for_user(user=request.user)
        return Response(TagSerializer(tags, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "pageNumber", PAGE_SIZE_SCHEMA, description="1-based page (default 1)"
            ),
            OpenApiParameter("pageSize", PAGE_SIZE_SCHEMA, description="1..100 (default 25)"),
            OpenApiParameter("sort", str, enum=SORT_FIELDS),
            OpenApiParameter("order", str, enum=SORT_ORDERS),
        ],
        responses={200: TagPageSerializer, 400: ERROR},
    )
    def page(self, request: Request, tag: str | None = None) -> Response:
        query = validated(TagListQuerySerializer, request.query_params)
        page = selectors.tag_page_for_user(user=request.user, **query)
        return Response(TagPageSerializer(page).data)

    @extend_schema(
        request=TagCreateInputSerializer,
        responses={201: TagSerializer, 200: TagSerializer, 400: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = validated(TagCreateInputSerializer, request.data)
        result = services.tag_create(
            user=request.user,
            name=body["tag"],
            description=body.get("description"),
            add_to_conversation=bool(body.get("addToConversation")),
            conversation_id=body.get("conversationId"),
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(TagSerializer(result.tag).data, status=code)

    @extend_schema(
        request=TagUpdateInputSerializer,
        responses={200: TagSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def update(self, request: Request, tag: str) -> Response:
        body = validated(TagUpdateInputSerializer, request.data)
        updated = services.tag_update(
            user=request.user,
            name=tag,
            new_name=body.get("tag"),
            description=body.get("description", _UNSET),
            position=body.get("position"),
        )
        return Response(TagSerializer(updated).data)

    @extend_schema(responses={200: TagSerializer, 404: ERROR})
    def destroy(self, request: Request, tag: str) -> Response:
        deleted = services.tag_delete(user=request.user, name=tag)
        return Response(TagSerializer(deleted).data)


class ConversationTagViewSet(ApiViewSet):
    """The tags on one of the user's conversations: PUT replaces the list, POST adds one."""

    @extend_schema(
        request=ConversationTagsSetInputSerializer,
        responses={200: TAG_NAMES, 400: ERROR, 404: ERROR},
    )
    def replace(self, request: Request, conversation_id: str) -> Response:
        body = validated(ConversationTagsSetInputSerializer, request.data)
        names = services.conversation_tags_set(
            user=request.user, conversation_id=conversation_id, names=body["tags"]
        )
        return Response(names)

    @extend_schema(
        request=ConversationTagAddInputSerializer,
        responses={200: TAG_NAMES, 400: ERROR, 404: ERROR},
    )
    def add(self, request: Request, conversation_id: str) -> Response:
        body = validated(ConversationTagAddInputSerializer, request.data)
        names = services.conversation_tag_add(
            user=request.user, conversation_id=conversation_id, name=body["tag"]
        )
        return Response(names)
