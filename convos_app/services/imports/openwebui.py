"""Open WebUI export: an array of chats, messages keyed by id under ``chat.history.messages``.

Each message points to its parent with ``parentId``, so branches survive. Assistant content
embeds reasoning and tool calls as ``<details type="reasoning">`` / ``<details
type="tool_calls">`` blocks: reasoning becomes a ``think`` content part, tool calls become
``tool_call`` parts (name, arguments and output taken from the structured ``output`` list when
present, else from the block), and the visible text is what remains. Timestamps are epoch
seconds. The model list of the chat names the conversation's model.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from chatcore.models import NO_PARENT

from .records import (
    DEFAULT_TITLE,
    ImportedConversation,
    ImportedMessage,
    SkipConversation,
    enforce_parent_order,
    from_epoch,
)

ENDPOINT = "openAI"
_DETAILS = re.compile(
    r"<details\b(?P<attrs>[^>]*)>\s*(?:<summary>.*?</summary>)?(?P<body>.*?)</details>\s*",
    re.DOTALL,
)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def _unquote(body: str) -> str:
    lines = html.unescape(body).strip().splitlines()
    return "\n".join(line[2:] if line.startswith("> ") else line.lstrip(">") for line in lines)


def _tool_parts(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    output = message.get("output")
    if not isinstance(output, list):
        return []
    calls: dict[str, dict[str, Any]] = {}
    for item in output:
        if not isinstance(item, Mapping):
            continue
        call_id = str(item.get("call_id") or item.get("id") or len(calls))
        if item.get("type") == "function_call":
            calls.setdefault(call_id, {"id": call_id})
            calls[call_id].update(name=item.get("name", ""), args=item.get("arguments", ""))
        elif item.get("type") == "function_call_output":
            texts = [
                o.get("text", "")
                for o in item.get("output") or []
                if isinstance(o, Mapping) and isinstance(o.get("text"), str)
            ]
            calls.setdefault(call_id, {"id": call_id})["output"] = "\n".join(texts)
    return [{"type": "tool_call", "tool_call": call} for call in calls.values()]


def _split(message: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    content = message.get("content")
    raw = content if isinstance(content, str) else ""
    thinks: list[str] = []
    tool_blocks: list[dict[str, Any]] = []
    for match in _DETAILS.finditer(raw):
        attrs = dict(_ATTR.findall(match.group("attrs")))
        kind = attrs.get("type")
        if kind == "reasoning":
            thinks.append(_unquote(match.group("body")))
        elif kind == "tool_calls":
            tool_blocks.append(
                {
                    "id": attrs.get("id", ""),
                    "name": html.unescape(attrs.get("name", "")),
                    "args": html.unescape(attrs.get("arguments", "")),
                    "output": _unquote(attrs.get("result") or match.group("body")),
                }
            )
    text = _DETAILS.sub("", raw).strip() if (thinks or tool_blocks) else raw
    parts: list[dict[str, Any]] = (
        [{"type": "think", "think": "\n\n".join(thinks)}] if thinks else []
    )
    structured = _tool_parts(message)
    if structured:
        parts.extend(structured)
    else:
        parts.extend({"type": "tool_call", "tool_call": block} for block in tool_blocks)
    if parts:
        parts.append({"type": "text", "text": text})
    return text, parts


def convert(raw: Any, *, now: Any) -> ImportedConversation:
    chat = raw.get("chat") if isinstance(raw, Mapping) else None
    history = chat.get("history") if isinstance(chat, Mapping) else None
    nodes = history.get("messages") if isinstance(history, Mapping) else None
    if not isinstance(nodes, Mapping):
        raise SkipConversation("Chat has no history.messages")
    created = from_epoch(raw.get("created_at")) or now
    updated = from_epoch(raw.get("updated_at")) or created
    models = chat.get("models")
    convo_model = models[0] if isinstance(models, list) and models else None
    messages: list[ImportedMessage] = []
    for key, node in nodes.items():
        if not isinstance(node, Mapping) or node.get("role") not in ("user", "assistant"):
            continue
        is_user = node["role"] == "user"
        text, parts = _split(node) if not is_user else (str(node.get("content") or ""), [])
        parent = node.get("parentId")
        model = node.get("model") if isinstance(node.get("model"), str) else convo_model
        moment = from_epoch(node.get("timestamp")) or created
        messages.append(
            ImportedMessage(
                source_id=str(node.get("id") or key),
                source_parent_id=parent if isinstance(parent, str) and parent else NO_PARENT,
                text=text,
                is_created_by_user=is_user,
                sender="user" if is_user else (model or "Assistant"),
                created_at=moment,
                updated_at=moment,
                endpoint=ENDPOINT,
                model=None if is_user else model,
                content=parts,
            )
        )
    known = {m.source_id for m in messages}
    for message in messages:  # a parent that is not a kept message makes a root
        if message.source_parent_id not in known:
            message.source_parent_id = NO_PARENT
    enforce_parent_order(messages)
    title = raw.get("title") or chat.get("title")
    meta = raw.get("meta") if isinstance(raw.get("meta"), Mapping) else {}
    tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    return ImportedConversation(
        title=title if isinstance(title, str) and title else DEFAULT_TITLE,
        created_at=created,
        updated_at=max(updated, created),
        endpoint=ENDPOINT,
        model=convo_model if isinstance(convo_model, str) else None,
        messages=messages,
        columns={"is_archived": raw.get("archived") is True},
        tags=[t for t in tags if isinstance(t, str) and t],
    )
