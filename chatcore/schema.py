"""OpenAPI pieces every view's ``extend_schema`` shares."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type, is_list_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema without its guess that a ``list`` action answers a bare
    array: chatcore's lists answer one page object (``{"conversations": [...], "nextCursor"}``),
    so a response is an array only where its serializer is one (``many=True``). Operation ids
    keep drf-spectacular's naming."""

    def _is_list_view(self, serializer: object = None) -> bool:
        if serializer is None:
            return super()._is_list_view()
        return is_list_serializer(serializer)

    def _get_response_bodies(self, direction: str = "response") -> dict:
        """Every operation also documents the failures any request can meet before its view
        decides anything (docs/api-behaviour.md#status-codes): a malformed query or body (400),
        a missing or bad token (401, where the operation needs one), a body over the size
        limit (413, on writes), gunicorn's request-line and header limits (414, 431), and the
        database being down (503) — all in the one error shape."""
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "414", "431", "503"]
        if self.get_auth():
            codes.append("401")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ERROR, code, media_types=("application/json",), direction=direction
                )
        return dict(sorted(responses.items()))


class BearerTokenScheme(SimpleJWTScheme):
    """The schema's ``bearerAuth`` for chatcore's JWTAuthentication (simplejwt's, with named
    401 codes: docs/api-behaviour.md#token-errors)."""

    target_class = "chatcore.auth.token_errors.JWTAuthentication"
    name = "bearerAuth"


# What ``chatcore.serializers.iso`` writes (docs/api-behaviour.md#timestamps).
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
TIMESTAMP_EXAMPLE = "2024-05-29T00:33:03.661Z"


class TimestampFieldScheme(OpenApiSerializerFieldExtension):
    """``TimestampField`` in the schema: a ``date-time`` both ways; in responses also the exact
    pattern it is written in, so schemathesis (tests/test_fuzz_schema.py) fails a response
    whose timestamp is in any other form. Requests keep DRF's wider input (any ISO 8601 with an
    offset), which the pattern would wrongly narrow."""

    target_class = "chatcore.serializers.TimestampField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = build_basic_type(OpenApiTypes.DATETIME)
        if direction == "response":
            schema["pattern"] = TIMESTAMP_PATTERN
            schema["example"] = TIMESTAMP_EXAMPLE
        return schema


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

# One Server-Sent Event as clients (and schemathesis) parse it: the ``data`` line is JSON text.
SSE_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}


# Text PostgreSQL cannot store is refused everywhere (docs/api-behaviour.md#input-limits); the
# schema says so on every free-text string, so generated clients and fuzzers know it.
NO_NUL_PATTERN = "^[^\\u0000]*$"


def state_text_rules(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: a ``pattern`` without NUL on every string a client
    sends (parameters, request bodies and the ``*Request`` components) that has no format,
    enum or pattern of its own. Responses are left alone: an error may quote the input."""
    stack: list[object] = [
        schema
        for name, schema in result.get("components", {}).get("schemas", {}).items()
        if name.endswith("Request")
    ]
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                stack.extend(operation.get("parameters", []))
                stack.append(operation.get("requestBody", {}))
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if (
                node.get("type") == "string"
                and not {"format", "enum", "pattern", "const"} & node.keys()
            ):
                node["pattern"] = NO_NUL_PATTERN
            stack.extend(value for key, value in node.items() if key != "$ref")
        elif isinstance(node, list):
            stack.extend(node)
    return result
