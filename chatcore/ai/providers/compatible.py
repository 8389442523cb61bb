"""OpenAI-compatible custom endpoints: Ollama, vLLM, llama.cpp server, OpenRouter, LM Studio.

They speak OpenAI's chat-completions protocol, so the OpenAI provider does the work through the
official SDK pointed at their base URL. Two differences are configurable per endpoint in the
custom-endpoints file: the output budget is sent as ``max_tokens`` (what these servers accept),
and ``streamUsage: false`` stops asking for usage in streams for servers that reject
``stream_options``.
"""

from __future__ import annotations

from chatcore.ai.providers.openai import OpenAIProvider

# Local servers ignore the key, but the SDK insists on one.
PLACEHOLDER_API_KEY = "not-needed"


class CompatibleProvider(OpenAIProvider):
    output_budget_key = "max_tokens"

    def __init__(
        self,
        *,
        name: str,
        api_key: str | None,
        base_url: str,
        timeout: float,
        max_retries: int,
        stream_usage: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            name=name,
            api_key=api_key or PLACEHOLDER_API_KEY,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
        )
        self.stream_usage = stream_usage
