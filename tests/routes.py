"""Every API route of the URLconf, with the methods it answers: what the generated tests
(OPTIONS on every route, the authorization matrix) walk, so a route added anywhere is covered
without anyone listing it (docs/api-behaviour.md#authorization-matrix)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
# Routes that are not the API's own resources.
_NOT_RESOURCES = ("api/schema/", "api/docs/")


@dataclass(frozen=True)
class Route:
    template: str  # "api/messages/<str:conversation_id>"
    methods: tuple[str, ...]  # upper-case, as the viewset maps them
    view_name: str
    callback: object = None

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.template))

    def path(self, **values: str) -> str:
        """The URL with each ``<param>`` replaced by ``values[param]``."""
        return "/" + _PARAM.sub(lambda m: values[m.group(1)], self.template)

    def __str__(self) -> str:
        return f"{'|'.join(self.methods)} /{self.template}"


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_routes() -> list[Route]:
    """Every DRF route under ``/api/`` (viewset actions mapped with ``as_view({...})``)."""
    routes = []
    for template, callback in _walk(get_resolver().url_patterns):
        actions = getattr(callback, "actions", None)
        if not template.startswith("api/") or template.startswith(_NOT_RESOURCES):
            continue
        if not actions:
            continue
        name = f"{callback.cls.__name__}"
        routes.append(Route(template, tuple(m.upper() for m in actions), name, callback))
    return routes
