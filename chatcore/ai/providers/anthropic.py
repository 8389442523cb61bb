"""Anthropic's Messages API through the official ``anthropic`` SDK.

See docs/architecture.md#ai-providers.

The SDK does the HTTP, the time-out and retries with back-off. Anthropic wants the system
prompt as its own parameter, a ``max_tokens`` on every request, and a conversation that starts
with a user turn and alternates; ``_messages`` shapes the context accordingly (leading assistant
turns left over from trimming are dropped, consecutive turns of one role are joined).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import anthropic

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


def provider_error(exc: Exception, *, name: str) -> ProviderError:
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError(f"{name} timed out", timeout=True)
    if isinstance(exc, anthropic.APIStatusError):
        return ProviderError(f"{name} answered HTTP {exc.status_code}", status=exc.status_code)
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError(f"{name} could not be reached")
    return ProviderError(f"{name} failed: {exc.__class__.__name__}")


def _messages(turns: Sequence[ChatTurn]) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    for turn in turns:
        if not messages and turn.role != "user":
            continue
        if messages and messages[-1]["role"] == turn.role:
            messages[-1]["content"] += "\n\n" + turn.content
        else:
            messages.append({"role": turn.role, "content": turn.content})
    return messages


class AnthropicProvider:
    """The ``anthropic`` endpoint: ``ANTHROPIC_API_KEY`` / ``ANTHROPIC_BASE_URL``."""

    def __init__(
        self, *, name: str, api_key: str, base_url: str | None, timeout: float, max_retries: int
    ) -> None:
        self.name = name
        self.client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=max_retries
        )

    def _request(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": model.provider_model,
            "messages": _messages(turns),
            "max_tokens": options.max_output_tokens or model.max_output_tokens,
        }
        if system:
            request["system"] = system
        # ``temperature``/``top_p`` are not sent: the pinned SDK's ``messages.create`` no longer
        # takes them (current Claude models fix sampling server-side).
        if options.stop:
            request["stop_sequences"] = list(options.stop)
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
            response = self.client.messages.create(**request)
        except anthropic.AnthropicError as exc:
            raise provider_error(exc, name=self.name) from exc
        texts = [block.text for block in response.content if block.type == "text"]
        tool_uses = tuple(
            ToolUse(id=block.id, name=block.name, args=block.input)
            for block in response.content
            if block.type == "tool_use"
        )
        return Completion(
            text="".join(texts),
            usage=Usage(response.usage.input_tokens, response.usage.output_tokens),
            finish_reason=response.stop_reason,
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
        try:
            events = self.client.messages.create(**request, stream=True)
        except anthropic.AnthropicError as exc:
            raise provider_error(exc, name=self.name) from exc
        input_tokens: int | None = None
        output_tokens: int | None = None
        finish_reason: str | None = None
        tools: dict[int, dict[str, str]] = {}
        try:
            for event in events:
                if event.type == "message_start":
                    input_tokens = event.message.usage.input_tokens
                    output_tokens = event.message.usage.output_tokens
                elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                    block = event.content_block
                    tools[event.index] = {"id": block.id, "name": block.name, "json": ""}
                elif event.type == "content_block_delta":
                    if event.delta.type == "text_delta" and event.delta.text:
                        yield TextDelta(event.delta.text)
                    elif event.delta.type == "input_json_delta" and event.index in tools:
                        tools[event.index]["json"] += event.delta.partial_json
                elif event.type == "content_block_stop" and event.index in tools:
                    tool = tools.pop(event.index)
                    try:
                        args: Any = json.loads(tool["json"]) if tool["json"] else {}
                    except ValueError:
                        args = tool["json"]
                    yield ToolCall(ToolUse(id=tool["id"], name=tool["name"], args=args))
                elif event.type == "message_delta":
                    finish_reason = event.delta.stop_reason or finish_reason
                    if event.usage is not None and event.usage.output_tokens is not None:
                        output_tokens = event.usage.output_tokens
        except anthropic.AnthropicError as exc:
            raise provider_error(exc, name=self.name) from exc
        except Exception as exc:
            # The HTTP stream itself broke (connection reset, truncated chunk...).
            raise ProviderError(f"{self.name} stream broke off") from exc
        finally:
            events.close()
        usage = None
        if input_tokens is not None and output_tokens is not None:
            usage = Usage(input_tokens, output_tokens)
        yield StreamEnd(usage=usage, finish_reason=finish_reason)
