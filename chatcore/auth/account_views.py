"""Account self-service: delete one's account, reset a forgotten password
(docs/api-behaviour.md#account-deletion, docs/api-behaviour.md#password-reset)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as session_logout
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.auth import account, reset
from chatcore.auth.account_serializers import (
    AccountDeletedSerializer,
    AccountDeleteInputSerializer,
    PasswordResetInputSerializer,
    PasswordResetRequestInputSerializer,
)
from chatcore.auth.serializers import MessageResponseSerializer
from chatcore.auth.views import CurrentUserViewSet
from chatcore.schema import ERROR
from chatcore.serializers import validated
from chatcore.throttles import AccountDeleteThrottle, PasswordResetThrottle
from chatcore.viewsets import ApiViewSet


class AccountViewSet(CurrentUserViewSet):
    """``/api/user``: read (``CurrentUserViewSet``) and delete the signed-in account."""

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [AccountDeleteThrottle()] if self.action == "destroy" else super().get_throttles()

    @extend_schema(
        request=AccountDeleteInputSerializer,
        responses={200: AccountDeletedSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 429: ERROR},
        description="Delete the account and all its data (password required in the body).",
    )
    def destroy(self, request: Request) -> Response:
        body = validated(AccountDeleteInputSerializer, request.data)
        result = account.account_delete(user=request.user, password=body["password"])
        session_logout(request._request)
        response = Response({"message": account.ACCOUNT_DELETED, "deleted": result.counts})
        response.delete_cookie(settings.REFRESH_COOKIE_NAME, path="/api/auth/")
        return response


class PasswordResetViewSet(ApiViewSet):
    """Reachable without a token; throttled per client IP."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        request=PasswordResetRequestInputSerializer,
        responses={200: MessageResponseSerializer, 400: ERROR, 429: ERROR},
        auth=[],
        description="Mail a reset link; the same answer whether or not the account exists.",
    )
    def request_reset(self, request: Request) -> Response:
        body = validated(PasswordResetRequestInputSerializer, request.data)
        reset.password_reset_request(email=body["email"], base_url=request.build_absolute_uri("/"))
        return Response({"message": reset.RESET_REQUESTED})

    @extend_schema(
        request=PasswordResetInputSerializer,
        responses={200: MessageResponseSerializer, 400: ERROR, 429: ERROR},
        auth=[],
        description="Set a new password with the link's token; revokes every refresh token.",
    )
    def reset(self, request: Request) -> Response:
        body = validated(PasswordResetInputSerializer, request.data)
        reset.password_reset_confirm(
            user_id=body["userId"], token=body["token"], password=body["password"]
        )
        return Response({"message": reset.RESET_DONE})
