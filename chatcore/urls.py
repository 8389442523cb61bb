"""Routes of the shared kernel: auth and the current user."""

from django.urls import path

from chatcore.ai.views import ModelDiscoveryViewSet
from chatcore.auth.account_views import AccountViewSet, PasswordResetViewSet
from chatcore.auth.views import PublicAuthViewSet

app_name = "chatcore"

urlpatterns = [
    path("auth/register", PublicAuthViewSet.as_view({"post": "register"}), name="auth-register"),
    path("auth/login", PublicAuthViewSet.as_view({"post": "login"}), name="auth-login"),
    path("auth/refresh", PublicAuthViewSet.as_view({"post": "refresh"}), name="auth-refresh"),
    path("auth/logout", PublicAuthViewSet.as_view({"post": "logout"}), name="auth-logout"),
    path(
        "auth/requestPasswordReset",
        PasswordResetViewSet.as_view({"post": "request_reset"}),
        name="auth-password-reset-request",
    ),
    path(
        "auth/resetPassword",
        PasswordResetViewSet.as_view({"post": "reset"}),
        name="auth-password-reset",
    ),
    path(
        "user",
        AccountViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="user-detail",
    ),
    path("endpoints", ModelDiscoveryViewSet.as_view({"get": "endpoints"}), name="ai-endpoints"),
    path("models", ModelDiscoveryViewSet.as_view({"get": "models"}), name="ai-models"),
    # LibreChat's client deletes the account here (data-provider ``deleteUser``).
    path("user/delete", AccountViewSet.as_view({"delete": "destroy"}), name="user-delete"),
]
