"""Which models exist and which provider serves each, decided explicitly from settings
(docs/architecture.md#ai-providers).

Endpoints:
- ``openAI`` when ``OPENAI_API_KEY`` is set (``OPENAI_BASE_URL`` optional), serving
  ``OPENAI_MODELS``;
- ``anthropic`` when ``ANTHROPIC_API_KEY`` is set (``ANTHROPIC_BASE_URL`` optional), serving
  ``ANTHROPIC_MODELS``;
- every OpenAI-compatible endpoint of ``AI_CUSTOM_ENDPOINTS`` (a list in settings) or, when
  that is unset, of the JSON file ``AI_CUSTOM_ENDPOINTS_FILE``;
- ``echo`` (the offline model) unless ``AI_ECHO_MODEL`` is off.

A ``modelId`` names exactly one model; an id served by two endpoints is a configuration error
(rename one with ``{"id": ..., "model": ...}`` in the custom-endpoints file), reported at start
rather than resolved by a hidden preference. An unknown id is a 400 listing the available ones,
never a silent substitution.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from chatcore.ai.base import ChatProvider, ModelSpec
from chatcore.ai.providers.anthropic import AnthropicProvider
from chatcore.ai.providers.compatible import CompatibleProvider
from chatcore.ai.providers.echo import ECHO_MODEL_ID, EchoProvider
from chatcore.ai.providers.openai import OpenAIProvider
from chatcore.errors import InvalidInput

UNKNOWN_MODEL = "Unknown modelId"
OPENAI_ENDPOINT = "openAI"
ANTHROPIC_ENDPOINT = "anthropic"
ECHO_ENDPOINT = "echo"
RESERVED_ENDPOINTS = {OPENAI_ENDPOINT, ANTHROPIC_ENDPOINT, ECHO_ENDPOINT}

DEFAULT_CONTEXT_WINDOW = 8_192
# Context windows (tokens) of well-known model families, matched by longest prefix so dated
# snapshots ("gpt-4o-2024-08-06") inherit their family's window.
KNOWN_CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-4.1": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4-turbo": 128_000,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "claude": 200_000,
    ECHO_MODEL_ID: 1_000_000,
}
_ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def family_match(model: str, table: Mapping[str, Any]) -> str | None:
    """The longest key of ``table`` that is ``model`` or a ``-``/``:``/``@`` prefix of it."""
    best = None
    for key in table:
        if (model == key or model.startswith((f"{key}-", f"{key}:", f"{key}@"))) and (
            best is None or len(key) > len(best)
        ):
            best = key
    return best


def known_context_window(model: str) -> int:
    key = family_match(model, KNOWN_CONTEXT_WINDOWS)
    if key is None:
        return int(getattr(settings, "AI_DEFAULT_CONTEXT_WINDOW", DEFAULT_CONTEXT_WINDOW))
    return KNOWN_CONTEXT_WINDOWS[key]


@dataclass(frozen=True)
class ResolvedModel:
    spec: ModelSpec
    provider: ChatProvider


class ModelRegistry:
    def __init__(self) -> None:
        self.models: dict[str, ResolvedModel] = {}

    def add(self, provider: ChatProvider, spec: ModelSpec) -> None:
        existing = self.models.get(spec.id)
        if existing is not None:
            raise ImproperlyConfigured(
                f"modelId {spec.id!r} is served by both {existing.spec.endpoint!r} and "
                f"{spec.endpoint!r}; give one of them another id"
            )
        self.models[spec.id] = ResolvedModel(spec=spec, provider=provider)

    def available(self) -> list[str]:
        return sorted(self.models)

    def resolve(self, model_id: str) -> ResolvedModel:
        found = self.models.get(model_id)
        if found is None:
            names = ", ".join(self.available()) or "none are configured"
            raise InvalidInput(
                UNKNOWN_MODEL,
                message=f"Available models: {names}",
                fields={"modelId": [f"Unknown model {model_id!r}. Available: {names}."]},
            )
        return found


def _timeout() -> float:
    return float(getattr(settings, "AI_TIMEOUT_SECONDS", 60))


def _retries() -> int:
    return int(getattr(settings, "AI_MAX_RETRIES", 2))


def _spec(endpoint: str, entry: str | Mapping[str, Any]) -> ModelSpec:
    """A model entry: a plain model name, or ``{"id", "model", "contextWindow",
    "maxOutputTokens", "prices": {"input", "output"}}``."""
    if isinstance(entry, str):
        entry = {"id": entry}
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id") or entry.get("model"), str):
        raise ImproperlyConfigured(f"endpoint {endpoint!r}: a model needs an id")
    model_id = str(entry.get("id") or entry["model"])
    provider_model = str(entry.get("model") or model_id)
    prices = entry.get("prices")
    price_pair = None
    if prices is not None:
        try:
            price_pair = (float(prices["input"]), float(prices["output"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"endpoint {endpoint!r}, model {model_id!r}: prices need input and output"
            ) from exc
    default_output = int(settings.AI_DEFAULT_MAX_OUTPUT_TOKENS)
    return ModelSpec(
        id=model_id,
        endpoint=endpoint,
        provider_model=provider_model,
        context_window=int(entry.get("contextWindow") or known_context_window(provider_model)),
        max_output_tokens=int(entry.get("maxOutputTokens") or default_output),
        prices=price_pair,
    )


def _secret(value: Any) -> str | None:
    """A key from the file: literal, or ``${ENV_VAR}`` read from the environment."""
    if not isinstance(value, str) or not value:
        return None
    match = _ENV_REFERENCE.match(value)
    return os.environ.get(match.group(1)) if match else value


def custom_endpoint_entries() -> Sequence[Mapping[str, Any]]:
    configured = getattr(settings, "AI_CUSTOM_ENDPOINTS", None)
    if configured is not None:
        return configured
    path = getattr(settings, "AI_CUSTOM_ENDPOINTS_FILE", "")
    if not path:
        return []
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"AI_CUSTOM_ENDPOINTS_FILE {path}: {exc}") from exc
    endpoints = document.get("endpoints") if isinstance(document, Mapping) else None
    if not isinstance(endpoints, list):
        raise ImproperlyConfigured(f"AI_CUSTOM_ENDPOINTS_FILE {path}: needs an 'endpoints' list")
    return endpoints


def build_registry() -> ModelRegistry:
    """Providers and models from the current settings (SDK clients are created once here)."""
    registry = ModelRegistry()
    if getattr(settings, "AI_ECHO_MODEL", True):
        registry.add(EchoProvider(), _spec(ECHO_ENDPOINT, ECHO_MODEL_ID))
    for endpoint, provider_class, prefix in (
        (OPENAI_ENDPOINT, OpenAIProvider, "OPENAI"),
        (ANTHROPIC_ENDPOINT, AnthropicProvider, "ANTHROPIC"),
    ):
        api_key = getattr(settings, f"{prefix}_API_KEY", "")
        if not api_key:
            continue
        provider = provider_class(
            name=endpoint,
            api_key=api_key,
            base_url=getattr(settings, f"{prefix}_BASE_URL", "") or None,
            timeout=_timeout(),
            max_retries=_retries(),
        )
        for entry in getattr(settings, f"{prefix}_MODELS", []):
            registry.add(provider, _spec(endpoint, entry))
    for endpoint in custom_endpoint_entries():
        name = endpoint.get("name") if isinstance(endpoint, Mapping) else None
        base_url = endpoint.get("baseURL") if isinstance(endpoint, Mapping) else None
        if not isinstance(name, str) or not name or not isinstance(base_url, str) or not base_url:
            raise ImproperlyConfigured("every custom AI endpoint needs a name and a baseURL")
        if name in RESERVED_ENDPOINTS:
            raise ImproperlyConfigured(f"custom AI endpoint name {name!r} is reserved")
        provider = CompatibleProvider(
            name=name,
            api_key=_secret(endpoint.get("apiKey")),
            base_url=base_url,
            timeout=float(endpoint.get("timeout") or _timeout()),
            max_retries=int(endpoint.get("maxRetries", _retries())),
            stream_usage=bool(endpoint.get("streamUsage", True)),
            headers=dict(endpoint.get("headers") or {}),
        )
        for entry in endpoint.get("models") or []:
            registry.add(provider, _spec(name, entry))
    return registry


@lru_cache(maxsize=1)
def get_registry() -> ModelRegistry:
    """The process-wide registry (SDK clients keep their connection pools between requests)."""
    return build_registry()


def resolve_model(model_id: str) -> ResolvedModel:
    """The provider and spec for ``modelId``; ``InvalidInput`` (400) listing the known ids."""
    return get_registry().resolve(model_id)


def available_models() -> list[str]:
    return get_registry().available()


_AI_SETTINGS = ("AI_", "OPENAI_", "ANTHROPIC_")


@receiver(setting_changed)
def _reset_registry(*, setting: str, **kwargs: Any) -> None:
    """Tests (and ``override_settings``) change providers: rebuild on the next use."""
    if setting.startswith(_AI_SETTINGS):
        get_registry.cache_clear()
