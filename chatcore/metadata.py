"""What ``OPTIONS`` answers on every API route.

DRF's ``SimpleMetadata`` describes a view's input by instantiating its ``serializer_class``;
chatcore's views name their serializers per action instead (docs/architecture.md#the-request-path),
so that lookup fails. The inputs are documented once, in the OpenAPI schema at ``/api/schema/``;
``OPTIONS`` names the view, the media types it renders and parses, and the allowed methods
(the ``Allow`` header) — docs/api-behaviour.md#hostile-input.
"""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class ApiMetadata(SimpleMetadata):
    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}
