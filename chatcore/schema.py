"""OpenAPI pieces every view's ``extend_schema`` shares."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class BearerTokenScheme(SimpleJWTScheme):
    """The schema's ``jwtAuth`` for chatcore's JWTAuthentication (simplejwt's, with named
    401 codes: docs/api-behaviour.md#token-errors)."""

    target_class = "chatcore.auth.token_errors.JWTAuthentication"


class ErrorSerializer(serializers.Serializer):
    """The one error body of every endpoint (built by ``chatcore.errors``)."""

    error = serializers.CharField(help_text="One sentence about the first problem")
    message = serializers.CharField(required=False, help_text="More detail, when there is any")
    code = serializers.CharField(
        required=False,
        help_text="Machine-readable reason where a client acts on it (401: token_expired, ...)",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Added here: a declared attribute named "fields" would shadow Serializer.fields.
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text='Wire key (nested keys dotted: "arg.conversationId") -> its messages',
        )
        return fields


ERROR = OpenApiResponse(
    response=ErrorSerializer,
    description='`{"error": "...", "message"?: "...", "fields"?: {"key": ["..."]}}`',
)
DELETED = OpenApiResponse(description="No content")
