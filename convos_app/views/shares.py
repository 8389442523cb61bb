"""Shared links API: the owner's routes (create, look up, list, re-publish, revoke), the read
any reader may make, and fork from a share (docs/api-behaviour.md#shared-links).

Every response of these routes carries ``Cache-Control: private, no-store`` (a successful read
with ``SHARE_PUBLIC`` on: ``public, no-cache``, so a shared cache revalidates and a revoked link
stops answering at once) and ``X-Content-Type-Options: nosniff``; errors carry the same headers,
so a revoked id and a never-existing one answer alike.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.errors import Forbidden
from chatcore.schema import ERROR, PAGE_SIZE_SCHEMA
from chatcore.serializers import validated
from chatcore.throttles import (
    ConversationForkIPThrottle,
    ConversationForkUserThrottle,
    SharePublishIPThrottle,
    SharePublishUserThrottle,
)
from chatcore.viewsets import ApiViewSet
from convos_app.selectors import shares as selectors
from convos_app.serializers.conversations import ConversationCopyResponseSerializer
from convos_app.serializers.shares import (
    SharedLinkCreateInputSerializer,
    SharedLinkDeleteResponseSerializer,
    SharedLinkForkInputSerializer,
    SharedLinkListQuerySerializer,
    SharedLinkListResponseSerializer,
    SharedLinkResponseSerializer,
    SharedLinkStatusSerializer,
    SharedLinkUpdateInputSerializer,
    SharedSnapshotSerializer,
)
from convos_app.services.shares import (
    UNCHANGED,
    shared_link_create,
    shared_link_fork,
    shared_link_revoke,
    shared_link_update,
)

SHARING_DISABLED = "Shared links are disabled"
PRIVATE = "private, no-store"
PUBLIC = "public, no-cache"

LIST_PARAMETERS = [
    OpenApiParameter("pageSize", PAGE_SIZE_SCHEMA, description="Page size, 1..100 (default 10)"),
    OpenApiParameter(
        "cursor",
        {"type": "string", "maxLength": 4096},
        description="nextCursor of the previous page",
    ),
    OpenApiParameter(
        "search", {"type": "string", "maxLength": 1000}, description="Part of the title, any case"
    ),
    OpenApiParameter("sortBy", str, enum=list(selectors.SORT_FIELDS)),
    OpenApiParameter("sortDirection", str, enum=list(selectors.SORT_DIRECTIONS)),
]


CONVERSATION_KEY = OpenApiParameter(
    "key", str, OpenApiParameter.PATH, description="The conversationId to publish"
)
SHARE_KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="The shareId")


class SharingEnabled(BasePermission):
    """``SHARE_ENABLED=0`` switches every share route off with one 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not settings.SHARE_ENABLED:
            raise Forbidden(SHARING_DISABLED)
        return True


class CanReadShares(BasePermission):
    """Any signed-in user reads a share; anyone at all when ``SHARE_PUBLIC`` is on."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(settings.SHARE_PUBLIC or (request.user and request.user.is_authenticated))


class ShareHeadersMixin:
    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        public = (
            getattr(self, "action", None) == "retrieve"
            and settings.SHARE_PUBLIC
            and response.status_code == status.HTTP_200_OK
        )
        response["Cache-Control"] = PUBLIC if public else PRIVATE
        response["X-Content-Type-Options"] = "nosniff"
        return response


class SharedLinkViewSet(ShareHeadersMixin, ApiViewSet):
    """``/api/share``, ``/api/share/link/{conversationId}`` and ``/api/share/{id}``."""

    permission_classes = [SharingEnabled, IsAuthenticated]

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "retrieve":
            return [SharingEnabled(), CanReadShares()]
        return super().get_permissions()

    def get_throttles(self) -> list[Any]:
        """Publishing and re-publishing copy the conversation: their own per-user/IP budget."""
        if self.action in {"create", "update"}:
            return [SharePublishUserThrottle(), SharePublishIPThrottle()]
        return super().get_throttles()

    @extend_schema(
        description="The caller's links, one keyset page.",
        parameters=LIST_PARAMETERS,
        responses={200: SharedLinkListResponseSerializer, 400: ERROR},
    )
    def list(self, request: Request) -> Response:
        query = validated(SharedLinkListQuerySerializer, request.query_params)
        page = selectors.shared_link_list(user=request.user, **query)
        return Response(SharedLinkListResponseSerializer(page).data)

    @extend_schema(
        description="The conversation's newest link, or `shareId: null` when it has none.",
        responses={200: SharedLinkStatusSerializer, 404: ERROR},
    )
    def link(self, request: Request, conversation_id: str) -> Response:
        found = selectors.shared_link_for_conversation(
            user=request.user, conversation_id=conversation_id
        )
        return Response(SharedLinkStatusSerializer(found).data)

    @extend_schema(
        operation_id="share_publish",
        parameters=[CONVERSATION_KEY],
        description="Publish the conversation named by the path (the segment is a "
        "conversationId here); 201 for a new link, 200 with the existing one.",
        request=SharedLinkCreateInputSerializer,
        responses={
            201: SharedLinkResponseSerializer,
            200: SharedLinkResponseSerializer,
            400: ERROR,
            404: ERROR,
            429: ERROR,
        },
    )
    def create(self, request: Request, key: str) -> Response:
        body = validated(SharedLinkCreateInputSerializer, request.data)
        link, created = shared_link_create(
            user=request.user,
            conversation_id=key,
            target_message_id=body.get("targetMessageId"),
            hide_model=bool(body.get("hideModel")),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(SharedLinkResponseSerializer(link).data, status=code)

    @extend_schema(
        operation_id="share_read",
        parameters=[SHARE_KEY],
        description="A link's snapshot, anonymized; any signed-in user (anyone with "
        "SHARE_PUBLIC=1). Missing, revoked and expired ids answer the same 404.",
        responses={200: SharedSnapshotSerializer, 401: ERROR, 404: ERROR},
    )
    def retrieve(self, request: Request, key: str) -> Response:
        snapshot = selectors.shared_snapshot_get(share_id=key)
        return Response(SharedSnapshotSerializer(snapshot).data)

    @extend_schema(
        operation_id="share_republish",
        parameters=[SHARE_KEY],
        description="Re-publish the snapshot from the conversation as it is now, same shareId.",
        request=SharedLinkUpdateInputSerializer,
        responses={
            200: SharedLinkResponseSerializer,
            400: ERROR,
            404: ERROR,
            409: ERROR,
            429: ERROR,
        },
    )
    def update(self, request: Request, key: str) -> Response:
        body = validated(SharedLinkUpdateInputSerializer, request.data)
        link = shared_link_update(
            user=request.user,
            share_id=key,
            target_message_id=body.get("targetMessageId", UNCHANGED),
            hide_model=body.get("hideModel"),
        )
        return Response(SharedLinkResponseSerializer(link).data)

    @extend_schema(
        operation_id="share_revoke",
        parameters=[SHARE_KEY],
        description="Revoke the link: from then on its id answers 404.",
        responses={200: SharedLinkDeleteResponseSerializer, 404: ERROR},
    )
    def destroy(self, request: Request, key: str) -> Response:
        share_id = shared_link_revoke(user=request.user, share_id=key)
        return Response(SharedLinkDeleteResponseSerializer(share_id).data)


class SharedLinkForkViewSet(ShareHeadersMixin, ApiViewSet):
    """``POST /api/share/{shareId}/fork``: rate-limited with fork and duplicate."""

    permission_classes = [SharingEnabled, IsAuthenticated]
    throttle_classes = [ConversationForkUserThrottle, ConversationForkIPThrottle]

    @extend_schema(
        description="Copy the snapshot (or the path to one of its messages) into the caller's "
        "account; 409 when shareRevision is no longer the link's updatedAt.",
        request=SharedLinkForkInputSerializer,
        responses={
            200: ConversationCopyResponseSerializer,
            400: ERROR,
            404: ERROR,
            409: ERROR,
            429: ERROR,
        },
    )
    def fork(self, request: Request, share_id: str) -> Response:
        body = validated(SharedLinkForkInputSerializer, request.data)
        copy = shared_link_fork(
            user=request.user,
            share_id=share_id,
            target_message_index=body.get("targetMessageIndex"),
            share_revision=body.get("shareRevision"),
        )
        return Response(ConversationCopyResponseSerializer(copy).data)
