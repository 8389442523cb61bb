"""OpenAI chat completions through the official ``openai`` SDK (docs/architecture.md#ai-providers).

The SDK does the HTTP: connection pooling, the configured time-out, and retries with
exponential back-off on connection errors, 408/409/429 and 5xx. Whatever still fails leaves
as ``ProviderError``. The same class serves OpenAI-compatible servers (see ``compatible.py``),
which differ only in how the output budget is named and whether usage is asked for in streams.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import openai

from chatcore.ai.base import (
    ChatTurn,
    Completion,
    GenerationOptions,
    ModelSpec,
    ProviderError,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolUse,
    Usage,
)


def _usage(reported: Any) -> Usage:
    """The SDK's usage object; cached prompt tokens are in ``prompt_tokens_details``."""
    details = getattr(reported, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(reported.prompt_tokens, reported.completion_tokens, cached)


def parse_args(raw: Any) -> Any:
    """Tool arguments arrive as a JSON string; keep the object when it parses, else the text."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return raw


def provider_error(exc: Exception, *, name: str) -> ProviderError:
    """One ``ProviderError`` for every failure class of the OpenAI SDK."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(f"{name} timed out", timeout=True)
    if isinstance(exc, openai.APIStatusError):
        return ProviderError(f"{name} answered HTTP {exc.status_code}", status=exc.status_code)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(f"{name} could not be reached")
    return ProviderError(f"{name} failed: {exc.__class__.__name__}")


class OpenAIProvider:
    """The ``openAI`` endpoint: ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``."""

    # OpenAI's current models take ``max_completion_tokens``; compatible servers ``max_tokens``.
    output_budget_key = "max_completion_tokens"
    # Ask for token usage in the last stream chunk (``stream_options.include_usage``).
    stream_usage = True

    def __init__(
        self,
        *,
        name: str,
        api_key: str,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url or None,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=headers or None,
        )

    def _request(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> dict[str, Any]:
        messages: list[dict[str, str]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.extend({"role": turn.role, "content": turn.content} for turn in turns)
        request: dict[str, Any] = {"model": model.provider_model, "messages": messages}
        if options.max_output_tokens is not None:
            request[self.output_budget_key] = options.max_output_tokens
        if options.temperature is not None:
            request["temperature"] = options.temperature
        if options.top_p is not None:
            request["top_p"] = options.top_p
        if options.stop:
            request["stop"] = list(options.stop)
        return request

    def complete(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> Completion:
        request = self._request(model=model, system=system, turns=turns, options=options)
        try:
            response = self.client.chat.completions.create(**request)
        except openai.OpenAIError as exc:
            raise provider_error(exc, name=self.name) from exc
        if not response.choices:
            raise ProviderError(f"{self.name} returned no choices")
        choice = response.choices[0]
        tool_uses = tuple(
            ToolUse(id=call.id, name=call.function.name, args=parse_args(call.function.arguments))
            for call in (choice.message.tool_calls or [])
            if getattr(call, "function", None) is not None
        )
        usage = None
        if response.usage is not None:
            usage = _usage(response.usage)
        return Completion(
            text=choice.message.content or "",
            usage=usage,
            finish_reason=choice.finish_reason,
            tool_uses=tool_uses,
        )

    def stream(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> Iterator[StreamEvent]:
        request = self._request(model=model, system=system, turns=turns, options=options)
        request["stream"] = True
        if self.stream_usage:
            request["stream_options"] = {"include_usage": True}
        try:
            chunks = self.client.chat.completions.create(**request)
        except openai.OpenAIError as exc:
            raise provider_error(exc, name=self.name) from exc
        usage: Usage | None = None
        finish_reason: str | None = None
        calls: dict[int, dict[str, str]] = {}
        try:
            for chunk in chunks:
                if chunk.usage is not None:
                    usage = _usage(chunk.usage)
                for choice in chunk.choices:
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
                    delta = choice.delta
                    for call in (delta.tool_calls or []) if delta else []:
                        slot = calls.setdefault(call.index, {"id": "", "name": "", "args": ""})
                        slot["id"] = call.id or slot["id"]
                        if call.function is not None:
                            slot["name"] += call.function.name or ""
                            slot["args"] += call.function.arguments or ""
                    if delta and delta.content:
                        yield TextDelta(delta.content)
        except openai.OpenAIError as exc:
            raise provider_error(exc, name=self.name) from exc
        except Exception as exc:
            # The HTTP stream itself broke (connection reset, truncated chunk...).
            raise ProviderError(f"{self.name} stream broke off") from exc
        finally:
            # Also runs on GeneratorExit: the HTTP stream to the provider is released.
            chunks.close()
        for index in sorted(calls):
            slot = calls[index]
            yield ToolCall(ToolUse(id=slot["id"], name=slot["name"], args=parse_args(slot["args"])))
        yield StreamEnd(usage=usage, finish_reason=finish_reason)
