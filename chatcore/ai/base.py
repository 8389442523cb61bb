"""The provider contract of ``chatcore.ai``, in Sentry's pluggable-backend style
(docs/architecture.md#ai-providers).

Every provider turns a list of chat turns into a reply, either whole (``complete``) or as a
stream of events (``stream``). Providers never touch the database: the chat-reply service
gathers the context first, calls the provider with no transaction open, then persists the
result in a short atomic block. Every failure of the remote side leaves a provider as one
``ProviderError`` (``timeout`` says whether it was a time-out), so callers handle one class.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class ChatTurn:
    """One turn of context sent to a model (the system prompt travels separately)."""

    role: Role
    content: str


@dataclass(frozen=True)
class GenerationOptions:
    """Sampling options taken from the conversation's settings; ``None`` means the default."""

    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usage:
    """Tokens the provider says it billed for one reply; ``cached_input_tokens`` is the part
    of ``input_tokens`` served from the provider's prompt cache (0 when not reported)."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0


@dataclass(frozen=True)
class ToolUse:
    """A tool the model asked to call (chatcore records it; it runs no tools itself)."""

    id: str
    name: str
    args: Any


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage | None = None
    finish_reason: str | None = None
    tool_uses: tuple[ToolUse, ...] = ()


# --- streaming events -----------------------------------------------------------------------
@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCall:
    tool_use: ToolUse


@dataclass(frozen=True)
class StreamEnd:
    usage: Usage | None = None
    finish_reason: str | None = None


StreamEvent = TextDelta | ToolCall | StreamEnd


class ProviderError(Exception):
    """The provider failed (HTTP error, refused connection, bad payload) or timed out."""

    def __init__(self, message: str, *, timeout: bool = False, status: int | None = None):
        super().__init__(message)
        self.timeout = timeout
        self.status = status


@dataclass(frozen=True)
class ModelSpec:
    """One model a client may name as ``modelId``.

    ``id`` is the public name, ``provider_model`` what the provider is sent (they differ when
    a custom endpoint renames a model to keep ids unique), ``context_window`` the token budget
    the history is trimmed to, ``prices`` an optional per-endpoint override of the price table
    (USD per million input/output tokens).
    """

    id: str
    endpoint: str
    provider_model: str
    context_window: int
    max_output_tokens: int
    prices: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ChatProvider(Protocol):
    """What every provider implements. ``stream`` is a generator: closing it (the client went
    away) must close the HTTP stream to the provider too."""

    name: str

    def complete(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> Completion: ...

    def stream(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> Iterator[StreamEvent]: ...
