"""Test-only routes that fail on purpose, to pin how unexpected errors are rendered."""

from django.urls import include, path
from rest_framework import viewsets
from rest_framework.permissions import AllowAny


class BoomViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]

    def retrieve(self, request):
        raise RuntimeError("secret internal detail: password=hunter2")


urlpatterns = [
    path("api/boom", BoomViewSet.as_view({"get": "retrieve"})),
    path("", include("config.urls")),
]
