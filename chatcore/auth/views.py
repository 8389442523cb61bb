"""Auth endpoints: register, login, refresh, logout, current user (LibreChat's bodies)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as session_logout
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.auth import services
from chatcore.auth.serializers import (
    LoginInputSerializer,
    MessageResponseSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenResponseSerializer,
    UserSerializer,
)
from chatcore.schema import ERROR
from chatcore.serializers import validated
from chatcore.throttles import AuthRateThrottle, LoginAccountThrottle
from chatcore.viewsets import ApiViewSet


def _token_response(pair: services.TokenPair, *, status_code: int = 200) -> Response:
    body = TokenResponseSerializer(
        {"token": pair.access, "refreshToken": pair.refresh, "user": pair.user}
    ).data
    response = Response(body, status=status_code)
    response.set_cookie(
        settings.REFRESH_COOKIE_NAME,
        pair.refresh,
        max_age=int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()),
        httponly=True,
        secure=settings.REFRESH_COOKIE_SECURE,
        samesite="Strict",
        path="/api/auth/",
    )
    return response


def _refresh_from(request: Request) -> str | None:
    body = validated(RefreshInputSerializer, request.data if isinstance(request.data, dict) else {})
    return (
        body.get("refreshToken")
        or body.get("refresh")
        or request.COOKIES.get(settings.REFRESH_COOKIE_NAME)
    )


class PublicAuthViewSet(ApiViewSet):
    """Endpoints reachable without a token; throttled per client IP, one budget per action."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle, LoginAccountThrottle]

    @extend_schema(
        request=RegisterInputSerializer,
        responses={201: TokenResponseSerializer, 400: ERROR, 409: ERROR, 429: ERROR},
        auth=[],
    )
    def register(self, request: Request) -> Response:
        body = validated(RegisterInputSerializer, request.data)
        user = services.user_register(**body)
        pair = services.user_login(email=user.email, password=body["password"])
        return _token_response(pair, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=LoginInputSerializer,
        responses={200: TokenResponseSerializer, 400: ERROR, 401: ERROR, 429: ERROR},
        auth=[],
    )
    def login(self, request: Request) -> Response:
        body = validated(LoginInputSerializer, request.data)
        return _token_response(services.user_login(**body))

    @extend_schema(
        request=RefreshInputSerializer,
        responses={200: TokenResponseSerializer, 401: ERROR, 429: ERROR},
        auth=[],
    )
    def refresh(self, request: Request) -> Response:
        return _token_response(services.token_refresh(raw_refresh=_refresh_from(request)))

    @extend_schema(
        request=RefreshInputSerializer,
        responses={200: MessageResponseSerializer, 429: ERROR},
        auth=[],
    )
    def logout(self, request: Request) -> Response:
        services.token_blacklist(raw_refresh=_refresh_from(request))
        session_logout(request._request)
        response = Response({"message": services.LOGOUT_DONE})
        response.delete_cookie(settings.REFRESH_COOKIE_NAME, path="/api/auth/")
        return response


class CurrentUserViewSet(ApiViewSet):
    @extend_schema(responses={200: UserSerializer})
    def retrieve(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)
