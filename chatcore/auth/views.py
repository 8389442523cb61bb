"""Auth endpoints: register, login, refresh, logout, current user (spec §4)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as session_logout
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from chatcore.auth import services
from chatcore.auth.serializers import (
    LoginInputSerializer,
    MessageResponseSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenResponseSerializer,
    UserSerializer,
)


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
    data = request.data if isinstance(request.data, dict) else {}
    serializer = RefreshInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    body = serializer.validated_data
    return (
        body.get("refreshToken")
        or body.get("refresh")
        or request.COOKIES.get(settings.REFRESH_COOKIE_NAME)
    )


class PublicAuthViewSet(viewsets.ViewSet):
    """Endpoints reachable without a token; throttled per client IP by scope."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        request=RegisterInputSerializer,
        responses={
            201: TokenResponseSerializer,
            400: OpenApiResponse(description="Invalid input"),
            409: OpenApiResponse(description="Email taken"),
        },
        auth=[],
    )
    def register(self, request: Request) -> Response:
        serializer = RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        pair = services.user_login(email=user.email, password=serializer.validated_data["password"])
        return _token_response(pair, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=LoginInputSerializer,
        responses={200: TokenResponseSerializer, 401: OpenApiResponse(description="Bad login")},
        auth=[],
    )
    def login(self, request: Request) -> Response:
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _token_response(services.user_login(**serializer.validated_data))

    @extend_schema(
        request=RefreshInputSerializer,
        responses={200: TokenResponseSerializer, 401: OpenApiResponse(description="Refused")},
        auth=[],
    )
    def refresh(self, request: Request) -> Response:
        return _token_response(services.token_refresh(raw_refresh=_refresh_from(request)))

    @extend_schema(
        request=RefreshInputSerializer, responses={200: MessageResponseSerializer}, auth=[]
    )
    def logout(self, request: Request) -> Response:
        services.token_blacklist(raw_refresh=_refresh_from(request))
        session_logout(request._request)
        response = Response({"message": services.LOGOUT_DONE})
        response.delete_cookie(settings.REFRESH_COOKIE_NAME, path="/api/auth/")
        return response

    def get_throttles(self):  # scope per action: login, register, refresh, logout
        self.throttle_scope = "login" if self.action == "logout" else self.action
        return super().get_throttles()


class CurrentUserViewSet(viewsets.ViewSet):
    @extend_schema(responses={200: UserSerializer})
    def retrieve(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)
