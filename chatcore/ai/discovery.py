"""What a client may choose from: the configured endpoints and their models, read from the
registry (``chatcore.ai.registry``), for ``GET /api/endpoints`` and ``GET /api/models``
(docs/api-behaviour.md#model-discovery).

Only what is configured is listed, ``echo`` included (it is a real, offline model); the order
is the built-in providers, then the custom endpoints in their configured order, then ``echo``,
so a client that picks the first endpoint picks a real provider when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chatcore.ai.registry import (
    ANTHROPIC_ENDPOINT,
    ECHO_ENDPOINT,
    OPENAI_ENDPOINT,
    custom_endpoint_entries,
    get_registry,
)

BUILT_IN = (OPENAI_ENDPOINT, ANTHROPIC_ENDPOINT)
# LibreChat's client treats any endpoint with ``type: "custom"`` as OpenAI-compatible.
CUSTOM_TYPE = "custom"
DISPLAY_LABELS = {OPENAI_ENDPOINT: "OpenAI", ANTHROPIC_ENDPOINT: "Claude", ECHO_ENDPOINT: "Echo"}


@dataclass(frozen=True)
class EndpointInfo:
    name: str
    order: int
    type: str | None  # None for the built-in providers, as LibreChat sends them
    display_label: str
    icon_url: str | None
    models: tuple[str, ...]


def endpoints_available() -> list[EndpointInfo]:
    """Every endpoint serving at least one model, in display order, with its model ids in
    configured order."""
    models: dict[str, list[str]] = {}
    for model_id, resolved in get_registry().models.items():
        models.setdefault(resolved.spec.endpoint, []).append(model_id)
    custom = {
        entry["name"]: entry
        for entry in custom_endpoint_entries()
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str)
    }
    names = [
        *[name for name in BUILT_IN if name in models],
        *[name for name in custom if name in models],
        *[name for name in models if name not in BUILT_IN and name not in custom],
    ]
    found = []
    for order, name in enumerate(names):
        entry = custom.get(name, {})
        label = entry.get("modelDisplayLabel") or DISPLAY_LABELS.get(name) or name
        icon = entry.get("iconURL")
        found.append(
            EndpointInfo(
                name=name,
                order=order,
                type=None if name in BUILT_IN else CUSTOM_TYPE,
                display_label=str(label),
                icon_url=icon if isinstance(icon, str) and icon else None,
                models=tuple(models[name]),
            )
        )
    return found
