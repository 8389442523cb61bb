"""Routes of the shared kernel: auth and the current user."""

from django.urls import path

from chatcore.auth.views import CurrentUserViewSet, PublicAuthViewSet

app_name = "chatcore"

urlpatterns = [
    path("auth/register", PublicAuthViewSet.as_view({"post": "register"}), name="auth-register"),
    path("auth/login", PublicAuthViewSet.as_view({"post": "login"}), name="auth-login"),
    path("auth/refresh", PublicAuthViewSet.as_view({"post": "refresh"}), name="auth-refresh"),
    path("auth/logout", PublicAuthViewSet.as_view({"post": "logout"}), name="auth-logout"),
    path("user", CurrentUserViewSet.as_view({"get": "retrieve"}), name="user-detail"),
]
