"""``GET /api/endpoints`` and ``GET /api/models``: model discovery as LibreChat's client calls
it (``getAIEndpoints``, ``getModels``; docs/api-behaviour.md#model-discovery)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.ai.discovery import endpoints_available
from chatcore.ai.serializers import EndpointsConfigSerializer, ModelsConfigSerializer
from chatcore.schema import ERROR
from chatcore.viewsets import ApiViewSet

ENDPOINTS_EXAMPLE = {
    "openAI": {"order": 0, "name": "openAI", "userProvide": False, "modelDisplayLabel": "OpenAI"},
    "echo": {
        "order": 1,
        "type": "custom",
        "name": "echo",
        "userProvide": False,
        "modelDisplayLabel": "Echo",
    },
}
MODELS_EXAMPLE = {"openAI": ["gpt-4o", "gpt-4o-mini"], "echo": ["echo"]}
# Keyed by endpoint name, so the schemas are maps (``additionalProperties``).
ENDPOINTS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "order": {"type": "integer"},
            "type": {"type": "string", "description": '"custom" for OpenAI-compatible ones'},
            "name": {"type": "string"},
            "userProvide": {"type": "boolean", "description": "always false: keys stay here"},
            "modelDisplayLabel": {"type": "string"},
            "iconURL": {"type": "string"},
        },
        "required": ["order", "name", "userProvide", "modelDisplayLabel"],
    },
}
MODELS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class ModelDiscoveryViewSet(ApiViewSet):
    @extend_schema(
        responses={200: ENDPOINTS_SCHEMA, 401: ERROR},
        examples=[OpenApiExample("configured", value=ENDPOINTS_EXAMPLE, response_only=True)],
        description="The configured AI endpoints (LibreChat's `TEndpointsConfig`).",
    )
    def endpoints(self, request: Request) -> Response:
        return Response(EndpointsConfigSerializer().to_representation(endpoints_available()))

    @extend_schema(
        responses={200: MODELS_SCHEMA, 401: ERROR},
        examples=[OpenApiExample("configured", value=MODELS_EXAMPLE, response_only=True)],
        description="The model ids of each endpoint (LibreChat's `TModelsConfig`); "
        "any of them is a valid `modelId`.",
    )
    def models(self, request: Request) -> Response:
        return Response(ModelsConfigSerializer().to_representation(endpoints_available()))
