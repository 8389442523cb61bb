"""``GET /api/balance`` and ``GET /api/user/usage`` (docs/api-behaviour.md#balances,
docs/api-behaviour.md#user-usage)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.schema import ERROR
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from convos_app.selectors.usage import usage_report_for_user
from convos_app.serializers.usage import (
    BalanceSerializer,
    UserUsageQuerySerializer,
    UserUsageSerializer,
)
from convos_app.services.usage import balance_get


class BalanceView(ApiViewSet):
    """The signed-in user's credits, in LibreChat's shape (404 while balances are off)."""

    @extend_schema(operation_id="balance_retrieve", responses={200: BalanceSerializer, 404: ERROR})
    def retrieve(self, request: Request) -> Response:
        return Response(BalanceSerializer(balance_get(user=request.user)).data)


class UserUsageView(ApiViewSet):
    """The signed-in user's own usage totals, per UTC day or per model."""

    @extend_schema(
        operation_id="user_usage_retrieve",
        parameters=[UserUsageQuerySerializer],
        responses={200: UserUsageSerializer, 400: ERROR},
    )
    def retrieve(self, request: Request) -> Response:
        query = validated(UserUsageQuerySerializer, request.query_params)
        report = usage_report_for_user(user=request.user, **query)
        return Response(UserUsageSerializer(report).data)
