"""Wire shapes of model discovery, as LibreChat's client types them (``TEndpointsConfig``:
endpoint name → ``TConfig``; ``TModelsConfig``: endpoint name → model ids)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chatcore.ai.discovery import EndpointInfo


class EndpointConfigSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    type = serializers.CharField(required=False, help_text='"custom" for OpenAI-compatible ones.')
    name = serializers.CharField()
    userProvide = serializers.BooleanField(help_text="Always false: keys live on the server.")
    modelDisplayLabel = serializers.CharField()
    iconURL = serializers.CharField(required=False)

    def to_representation(self, info: EndpointInfo) -> dict[str, Any]:
        body: dict[str, Any] = {
            "order": info.order,
            "name": info.name,
            "userProvide": False,
            "modelDisplayLabel": info.display_label,
        }
        if info.type is not None:
            body["type"] = info.type
        if info.icon_url is not None:
            body["iconURL"] = info.icon_url
        return body


class EndpointsConfigSerializer(serializers.DictField):
    """``{"openAI": {...}, "echo": {...}}`` from a list of ``EndpointInfo``."""

    child = EndpointConfigSerializer()

    def to_representation(self, infos: list[EndpointInfo]) -> dict[str, Any]:
        return {info.name: self.child.to_representation(info) for info in infos}


class ModelsConfigSerializer(serializers.DictField):
    """``{"openAI": ["gpt-4o", ...], "echo": ["echo"]}`` from a list of ``EndpointInfo``."""

    child = serializers.ListField(child=serializers.CharField())

    def to_representation(self, infos: list[EndpointInfo]) -> dict[str, list[str]]:
        return {info.name: list(info.models) for info in infos}
