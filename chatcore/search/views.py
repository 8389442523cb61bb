"""``GET /api/search/enable``: whether the client may offer search (LibreChat's
``getSearchEnabled``): a bare JSON boolean."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.search.api import search_enabled
from chatcore.viewsets import ApiViewSet


class SearchEnableViewSet(ApiViewSet):
    @extend_schema(
        operation_id="search_enable",
        responses={
            200: OpenApiResponse(
                response=OpenApiTypes.BOOL,
                description="`true` when search is configured and reachable",
            )
        },
    )
    def retrieve(self, request: Request) -> Response:
        return Response(search_enabled())
