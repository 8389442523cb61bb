"""OpenAPI pieces every view's ``extend_schema`` shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type, is_list_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from chatcore.serializers import UUID_PATTERN, StrictInputSerializer

if TYPE_CHECKING:
    from collections.abc import Callable

# A client-chosen id as ``chatcore.serializers.is_uuid`` accepts it: lowercase and hyphenated
# (``format: uuid`` alone would also allow upper case).
UUID_SCHEMA = {"type": "string", "format": "uuid", "pattern": UUID_PATTERN.pattern}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema without its guess that a ``list`` action answers a bare
    array: chatcore's lists answer one page object (``{"conversations": [...], "nextCursor"}``),
    so a response is an array only where its serializer is one (``many=True``). Operation ids
    keep drf-spectacular's naming."""

    def _is_list_view(self, serializer: object = None) -> bool:
        if serializer is None:
            return super()._is_list_view()
        return is_list_serializer(serializer)

    def _get_request_body(self, direction: str = "request") -> dict | None:
        """drf-spectacular documents bodies on POST/PUT/PATCH only; the DELETEs that read one
        (``DELETE /api/convos {arg}``, ``DELETE /api/user {password}``) declare it with
        ``extend_schema(request=...)`` and get it documented too."""
        if self.method != "DELETE" or self._declared_request() is None:
            body = super()._get_request_body(direction)
        else:
            self.method = "POST"
            try:
                body = super()._get_request_body(direction)
            finally:
                self.method = "DELETE"
        # A body whose schema_rules require one key or another (text or content) cannot be
        # left out: no body reads as {}, which those rules refuse.
        if (
            body
            and {"anyOf", "oneOf"} & getattr(self._declared_request(), "schema_rules", {}).keys()
        ):
            body["required"] = True
        return body

    def _declared_request(self) -> object:
        """The body ``extend_schema(request=...)`` declares, without drf-spectacular's fallback
        to the view's ``serializer_class`` (chatcore's views have none)."""
        self._get_serializer = lambda: None  # shadows the method for this one call
        try:
            return self.get_request_serializer()
        finally:
            del self._get_serializer

    def _map_serializer_field(
        self, field: serializers.Field, direction: str, bypass_extensions: bool = False
    ) -> dict:
        """A ``CharField`` that trims and refuses blanks (DRF's default) also refuses text of
        whitespace only; its input schema says so with ``NOT_BLANK_PATTERN``."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and not {"format", "enum", "pattern"} & schema.keys()
        ):
            schema["pattern"] = NOT_BLANK_PATTERN
        return schema

    def _map_basic_serializer(self, serializer: object, direction: str) -> dict:
        """A body that refuses unknown keys (``StrictInputSerializer``: 400 "Unknown field")
        says so with ``additionalProperties: false``."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "request":
            return schema
        if isinstance(serializer, StrictInputSerializer):
            schema["additionalProperties"] = False
        rules = {
            key: value() if callable(value) else value
            for key, value in getattr(serializer, "schema_rules", {}).items()
        }
        for name, extra in rules.pop("properties", {}).items():
            schema["properties"][name].update(extra() if callable(extra) else extra)
        if rules:
            # Set by state_text_rules, after drf-spectacular's enum hook, which would
            # otherwise take a branch's one-value ``enum`` for a choice set of its own.
            schema[BODY_RULES] = rules
        return schema

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


BODY_RULES = "x-chatcore-body-rules"  # schema_rules' body-level keywords until state_text_rules


def schema_rules(**rules: Any) -> Callable[[type], type]:
    """Class decorator for an input serializer: what its ``validate``/``validate_<field>``
    methods enforce and its field arguments cannot express, stated in its request schema
    (docs/api-behaviour.md#fuzzing). ``properties`` maps a wire key to keywords merged into
    that property's schema (a ``pattern``, an ``enum``); any other keyword (``anyOf``,
    ``oneOf``, ``not``) is set on the body's schema. A callable value is called when the
    schema is generated (a rule read from settings). Kept beside the code that enforces it."""

    def decorate(serializer_class: type) -> type:
        serializer_class.schema_rules = rules  # type: ignore[attr-defined]
        return serializer_class

    return decorate


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


class PublicIdFieldExtension(OpenApiSerializerFieldExtension):
    """``PublicIdField(uuid=True)`` refuses anything but a lowercase hyphenated UUID; the
    schema states it, so a client (and schemathesis) knows which ids it may choose."""

    target_class = "chatcore.serializers.PublicIdField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if self.target.uuid:
            schema.update(format="uuid", pattern=UUID_PATTERN.pattern)
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


def text_limit_schema() -> dict:
    """Message text up to ``CHATCORE_MAX_TEXT_CHARS`` (read when the schema is generated, as
    the validators read it when validating)."""
    return {"maxLength": settings.CHATCORE_MAX_TEXT_CHARS}


# A page size or page number in a query string (``chatcore.pagination.parse_page_size``:
# above the maximum is clamped, so only the minimum is a rule).
PAGE_SIZE_SCHEMA = {"type": "integer", "minimum": 1}


def search_query_schema() -> dict:
    """A full-text query as ``chatcore.search.api.check_query`` takes it: at most
    ``SEARCH_QUERY_MAX_CHARS`` characters with a word the parser keeps (an ASCII letter or
    digit is one; ``"--"`` or ``"&&"`` alone is 400), or empty for "no search"."""
    return {
        "type": "string",
        "maxLength": settings.SEARCH_QUERY_MAX_CHARS,
        "pattern": "^([^\\u0000]*[A-Za-z0-9][^\\u0000]*)?$",
    }


def state_empty_query_values(
    result: dict, generator: object, request: object, public: bool
) -> dict:
    """drf-spectacular postprocessing hook: ``allowEmptyValue`` on every optional query
    parameter that is not a list. DRF reads ``?sortBy=`` (an empty value) of an optional field
    as "not given" and uses its default; a list (``?tags=``) gets one empty item instead, which
    its item rules judge."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("in") == "query"
                    and not parameter.get("required")
                    and parameter.get("schema", {}).get("type") != "array"
                ):
                    parameter["allowEmptyValue"] = True
    return result


# Text PostgreSQL cannot store is refused everywhere (docs/api-behaviour.md#input-limits); the
# schema says so on every free-text string, so generated clients and fuzzers know it.
NO_NUL_PATTERN = "^[^\\u0000]*$"
# What ``str.strip`` removes (DRF trims with it), in \\u escapes Python and JavaScript read.
WHITESPACE = (
    "\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# Free text that is not whitespace only (and has no NUL).
NOT_BLANK_PATTERN = f"^[^\\u0000]*[^\\u0000{WHITESPACE}][^\\u0000]*$"


def state_text_rules(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: the body-level ``schema_rules`` set in place, then
    a ``pattern`` without NUL on every string a client sends (parameters, request bodies and
    the ``*Request`` components) that has no format, enum or pattern of its own. Responses are
    left alone: an error may quote the input."""
    components = result.get("components", {}).get("schemas", {})
    for schema in components.values():
        schema.update(schema.pop(BODY_RULES, {}))
    stack: list[object] = [
        schema for name, schema in components.items() if name.endswith("Request")
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
