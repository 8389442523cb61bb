"""``POST /api/convos/bulk``: select some conversations (by id or by filter), then act."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.schema import ERROR
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from convos_app.serializers.bulk import BulkInputSerializer, BulkResultSerializer
from convos_app.services.bulk import conversations_bulk


class ConversationBulkViewSet(ApiViewSet):
    @extend_schema(
        request=BulkInputSerializer,
        responses={200: BulkResultSerializer, 400: ERROR, 404: ERROR},
        description=(
            "One action over up to 1000 conversations named by id, or over every conversation "
            "matching the list's filters, in one transaction. Ids that are not yours answer "
            "not_found like ids that do not exist; dryRun counts without changing anything."
        ),
    )
    def create(self, request: Request) -> Response:
        body = validated(BulkInputSerializer, request.data)
        result = conversations_bulk(user=request.user, **body)
        return Response(BulkResultSerializer(result).data)
