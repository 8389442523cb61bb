"""An AI title generator for the conversations' title hook (``CONVERSATION_TITLE_GENERATOR``).

Asks the model named by ``AI_TITLE_MODEL`` (a short, cheap one) for a few-word title of the
first exchange. With no title model configured, or on any failure (provider down, time-out,
unknown model, an empty answer) it returns ``None``, and the hook's caller falls back to the
offline extractive titler, so a title problem never fails or delays a reply.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings

from chatcore.ai.base import ChatTurn, GenerationOptions
from chatcore.ai.registry import resolve_model
from chatcore.ai.usage import report_model_call

logger = logging.getLogger("chatcore.ai.titles")

TITLE_PROMPT = (
    "Write a title for the conversation below: at most 7 words, in the language of the "
    "user's message, no quotes, no trailing punctuation. Answer with the title only."
)
TITLE_MAX_CHARS = 80
TITLE_OUTPUT_TOKENS = 32
EXCERPT_CHARS = 2_000
# Quote marks and trailing punctuation models like to add (typographic ones included).
_QUOTES = "\"'*#`\u201c\u201d\u2018\u2019"
_TRAILING = ".,;:!?-\u2013\u2014 "
_PREFIX = re.compile(r"^(?:title\s*:\s*)", re.I)


def clean_title(raw: str) -> str | None:
    line = next((line.strip() for line in raw.splitlines() if line.strip()), "")
    line = _PREFIX.sub("", line).strip().strip(_QUOTES).strip()
    line = line.rstrip(_TRAILING)
    if len(line) > TITLE_MAX_CHARS:
        line = line[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return line or None


def ai_title(*, conversation: Any = None, user_text: str, assistant_text: str = "") -> str | None:
    """A model-written title, or ``None`` (caller uses the extractive titler)."""
    model_id = getattr(settings, "AI_TITLE_MODEL", "")
    if not model_id:
        return None
    try:
        resolved = resolve_model(model_id)
        exchange = f"User: {user_text[:EXCERPT_CHARS]}"
        if assistant_text:
            exchange += f"\n\nAssistant: {assistant_text[:EXCERPT_CHARS]}"
        completion = resolved.provider.complete(
            model=resolved.spec,
            system=TITLE_PROMPT,
            turns=[ChatTurn(role="user", content=exchange)],
            options=GenerationOptions(max_output_tokens=TITLE_OUTPUT_TOKENS),
        )
        report_model_call(
            kind="title",
            spec=resolved.spec,
            conversation=conversation,
            usage=completion.usage,
            prompt_text=f"{TITLE_PROMPT}\n{exchange}",
            output_text=completion.text,
        )
        return clean_title(completion.text)
    except Exception:
        logger.exception("AI title model %s failed; the offline titler is used", model_id)
        return None
