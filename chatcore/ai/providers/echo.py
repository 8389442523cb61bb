"""``echo``: the built-in offline model (docs/api-behaviour.md#ai-models).

It answers ``"Echo: <the last user message>"`` — deterministic, instant, no network — so the
whole chat flow (storage, streaming, cost, titles) runs on a machine with no provider
configured. It is a model like any other, chosen only when a client names ``modelId: "echo"``;
chatcore never substitutes it for a provider that failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from chatcore.ai.base import (
    ChatTurn,
    Completion,
    GenerationOptions,
    ModelSpec,
    StreamEnd,
    StreamEvent,
    TextDelta,
)

ECHO_MODEL_ID = "echo"
ECHO_PREFIX = "Echo: "
# Stream word by word, each chunk keeping its trailing whitespace, so the chunks join back
# into exactly the whole answer.
_CHUNK = re.compile(r"\S+\s*|\s+")


def echo_reply(turns: Sequence[ChatTurn]) -> str:
    last_user = next((turn.content for turn in reversed(turns) if turn.role == "user"), "")
    return ECHO_PREFIX + last_user


class EchoProvider:
    name = "echo"

    def complete(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> Completion:
        return Completion(text=echo_reply(turns), usage=None, finish_reason="stop")

    def stream(
        self,
        *,
        model: ModelSpec,
        system: str | None,
        turns: Sequence[ChatTurn],
        options: GenerationOptions,
    ) -> Iterator[StreamEvent]:
        for chunk in _CHUNK.findall(echo_reply(turns)):
            yield TextDelta(chunk)
        yield StreamEnd(usage=None, finish_reason="stop")
