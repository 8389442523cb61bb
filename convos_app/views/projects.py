"""Projects API (LibreChat's ``/api/projects``): input → one service/selector → output."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.schema import ERROR, PAGE_SIZE_SCHEMA
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from convos_app.selectors import projects as selectors
from convos_app.selectors.conversations import conversation_get_for_user
from convos_app.serializers.conversations import ConversationSerializer
from convos_app.serializers.projects import (
    PROJECT_SORT_FIELDS,
    SORT_DIRECTIONS,
    ProjectAssignInputSerializer,
    ProjectCreateInputSerializer,
    ProjectDeleteResponseSerializer,
    ProjectListQuerySerializer,
    ProjectListResponseSerializer,
    ProjectSerializer,
    ProjectUpdateInputSerializer,
)
from convos_app.services import projects as services

ASSIGNMENT = inline_serializer(
    "ProjectAssignment",
    {
        "conversation": ConversationSerializer(),
        "previousProjectId": serializers.CharField(allow_null=True),
        "projectId": serializers.CharField(allow_null=True),
    },
)


class ProjectViewSet(ApiViewSet):
    """The user's projects; another user's project answers 404 like a missing one."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit", PAGE_SIZE_SCHEMA, description="Page size, 1..100 (default 25)"
            ),
            OpenApiParameter("cursor", str, description="nextCursor of the previous page"),
            OpenApiParameter("search", str, description="Part of the name, any case"),
            OpenApiParameter("sortBy", str, enum=list(PROJECT_SORT_FIELDS)),
            OpenApiParameter("sortDirection", str, enum=list(SORT_DIRECTIONS)),
        ],
        responses={200: ProjectListResponseSerializer, 400: ERROR},
    )
    def list(self, request: Request) -> Response:
        query = validated(ProjectListQuerySerializer, request.query_params)
        page = selectors.project_list_for_user(user=request.user, **query)
        body = {"projects": page.items, "next_cursor": page.next_cursor}
        return Response(ProjectListResponseSerializer(body).data)

    @extend_schema(
        request=ProjectCreateInputSerializer,
        responses={201: ProjectSerializer, 400: ERROR, 409: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = validated(ProjectCreateInputSerializer, request.data)
        project = services.project_create(user=request.user, **body)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ProjectSerializer, 404: ERROR})
    def retrieve(self, request: Request, project_id: str) -> Response:
        project = selectors.project_get_for_user(user=request.user, project_id=project_id)
        return Response(ProjectSerializer(project).data)

    @extend_schema(
        request=ProjectUpdateInputSerializer,
        responses={200: ProjectSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def partial_update(self, request: Request, project_id: str) -> Response:
        body = validated(ProjectUpdateInputSerializer, request.data)
        project = services.project_update(user=request.user, project_id=project_id, **body)
        return Response(ProjectSerializer(project).data)

    @extend_schema(responses={200: ProjectDeleteResponseSerializer, 404: ERROR})
    def destroy(self, request: Request, project_id: str) -> Response:
        result = services.project_delete(user=request.user, project_id=project_id)
        return Response(ProjectDeleteResponseSerializer(result).data)

    @extend_schema(
        request=ProjectAssignInputSerializer,
        responses={200: ASSIGNMENT, 400: ERROR, 404: ERROR},
    )
    def assign(self, request: Request, conversation_id: str) -> Response:
        body = validated(ProjectAssignInputSerializer, request.data)
        moved = services.conversation_assign_project(
            user=request.user, conversation_id=conversation_id, project_id=body["projectId"]
        )
        conversation = conversation_get_for_user(
            user=request.user, conversation_id=moved.conversation.conversation_id
        )
        return Response(
            {
                "conversation": ConversationSerializer(conversation).data,
                "previousProjectId": moved.previous_project_id,
                "projectId": moved.project_id,
            }
        )
