"""Claude.ai export: an array of ``{uuid, name, created_at, chat_messages: [...]}``.

Messages are a strict chain in array order. ``human`` is the user, anything else is ``Claude``.
Text is the concatenation of the ``text`` parts (falling back to ``message.text``); ``thinking``
parts become a ``think`` content part ahead of the text. Messages with neither are dropped.
Timestamps are forced strictly increasing (+1 ms), as LibreChat does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatcore.models import NO_PARENT

from .records import ONE_MS, ImportedConversation, ImportedMessage, SkipConversation, from_iso

ENDPOINT = "anthropic"
DEFAULT_TITLE = "Imported Claude Chat"


def _texts(message: Mapping[str, Any]) -> tuple[str, str]:
    text_parts: list[str] = []
    thinking_parts: list[str] = []
    content = message.get("content")
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, Mapping):
                continue
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                text_parts.append(part["text"])
            elif part.get("type") == "thinking" and isinstance(part.get("thinking"), str):
                thinking_parts.append(part["thinking"])
    text = "".join(text_parts)
    if not text and isinstance(message.get("text"), str):
        text = message["text"]
    return text, "\n\n".join(thinking_parts)


def convert(raw: Any, *, now: Any) -> ImportedConversation:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("chat_messages"), list):
        raise SkipConversation("Conversation has no chat_messages list")
    created = from_iso(raw.get("created_at")) or now
    updated = from_iso(raw.get("updated_at")) or created
    messages: list[ImportedMessage] = []
    parent = NO_PARENT
    last = None
    for index, item in enumerate(raw["chat_messages"]):
        if not isinstance(item, Mapping):
            continue
        text, thinking = _texts(item)
        if not text and not thinking:
            continue
        is_user = item.get("sender") == "human"
        moment = from_iso(item.get("created_at")) or created
        if last is not None and moment <= last:
            moment = last + ONE_MS
        last = moment
        source_id = item.get("uuid")
        if not isinstance(source_id, str) or not source_id:
            source_id = f"claude-{index}"
        content: list[dict[str, Any]] = []
        if thinking and not is_user:
            content = [{"type": "think", "think": thinking}, {"type": "text", "text": text}]
        messages.append(
            ImportedMessage(
                source_id=source_id,
                source_parent_id=parent,
                text=text,
                is_created_by_user=is_user,
                sender="user" if is_user else "Claude",
                created_at=moment,
                updated_at=moment,
                endpoint=ENDPOINT,
                content=content,
            )
        )
        parent = source_id
    name = raw.get("name")
    return ImportedConversation(
        title=name if isinstance(name, str) and name else DEFAULT_TITLE,
        created_at=created,
        updated_at=max(updated, created),
        endpoint=ENDPOINT,
        model=None,
        messages=messages,
    )
