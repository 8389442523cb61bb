"""ChatGPT ``conversations.json``: an array of conversations, messages in a ``mapping`` tree.

Rules (docs/api-behaviour.md#import-formats, newer-build additions included): every branch of the
mapping is kept; null, ``system`` and hidden nodes (``user_editable_context``, visually hidden) are
dropped and their children re-attached to the nearest kept ancestor; ``thoughts`` nodes fold into
the next assistant message as ``think`` content parts and ``reasoning_recap`` nodes are dropped;
web browsing (``search(...)``/``mclick(...)`` calls and their ``tether_*`` results) folds into the
next assistant message as compact ``tool_call`` parts (``chatgpt_browsing``,
docs/api-behaviour.md#import-browsing); code, execution output and other tool content are
rendered to Markdown; ``webpage`` citations are rewritten into links; message timestamps come
from ``create_time``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from chatcore.models import NO_PARENT

from .chatgpt_browsing import (
    BrowsingStep,
    is_browsing,
    is_browsing_call,
    record_result,
    tool_call_part,
)
from .records import (
    DEFAULT_CONVERSATION_MODEL,
    DEFAULT_TITLE,
    ImportedConversation,
    ImportedMessage,
    SkipConversation,
    enforce_parent_order,
    from_epoch,
    json_block,
)

ENDPOINT = "openAI"
MISSING_MAPPING = "Conversation has no message mapping"
HIDDEN_TYPES = {"user_editable_context", "model_editable_context"}
FOLDED_TYPES = {"thoughts", "reasoning_recap"}
_GPT_SLUG = re.compile(r"gpt-(.+)", re.IGNORECASE)


def sender_for(slug: str | None) -> str:
    """``gpt-4o-mini`` -> ``GPT-4o-mini``; other slugs unchanged (LibreChat's rule)."""
    if not slug:
        return "GPT-4o-mini"
    match = _GPT_SLUG.search(slug)
    return f"GPT-{match.group(1)}" if match else slug


def _parts_text(parts: list[Any]) -> str:
    rendered = []
    for part in parts:
        if isinstance(part, str):
            rendered.append(part)
        elif part is not None:
            rendered.append(json_block(part))
    return " ".join(rendered)


def _apply_citations(text: str, metadata: Mapping[str, Any]) -> str:
    citations = metadata.get("citations")
    if not isinstance(citations, list):
        return text
    spans = []
    for citation in citations:
        if not isinstance(citation, Mapping):
            continue
        meta = citation.get("metadata")
        start, end = citation.get("start_ix"), citation.get("end_ix")
        if not isinstance(meta, Mapping) or meta.get("type") != "webpage":
            continue
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
            continue
        spans.append((start, end, str(meta.get("title", "")), str(meta.get("url", ""))))
    # From the highest start down, so earlier offsets stay valid.
    for start, end, title, url in sorted(spans, key=lambda s: s[0], reverse=True):
        text = f"{text[:start]} ([{title}]({url})){text[end:]}"
    return text


def render_content(content: Mapping[str, Any], *, role: str, metadata: Mapping[str, Any]) -> str:
    kind = content.get("content_type")
    if kind == "text":
        parts = content.get("parts")
        text = " ".join(p for p in parts if isinstance(p, str)) if isinstance(parts, list) else ""
        return _apply_citations(text, metadata) if role == "assistant" else text
    if kind == "code":
        language = content.get("language") or "unknown"
        return f"```{language}\n{content.get('text', '')}\n```"
    if kind == "execution_output":
        return f"Execution Output:\n> {content.get('text', '')}"
    parts = content.get("parts")
    if isinstance(parts, list):
        return _parts_text(parts)
    return json_block(dict(content))


def _thought_text(content: Mapping[str, Any]) -> str:
    thoughts = content.get("thoughts")
    if not isinstance(thoughts, list):
        return ""
    chunks = []
    for thought in thoughts:
        if isinstance(thought, Mapping):
            summary, body = thought.get("summary"), thought.get("content")
            chunks.append("\n".join(s for s in (summary, body) if isinstance(s, str) and s))
        elif isinstance(thought, str):
            chunks.append(thought)
    return "\n\n".join(c for c in chunks if c)


def _is_dropped(message: Any) -> bool:
    if not isinstance(message, Mapping):
        return True
    content = message.get("content")
    if not isinstance(content, Mapping) or not content.get("content_type"):
        return True
    author = message.get("author") if isinstance(message.get("author"), Mapping) else {}
    if author.get("role") == "system":
        return True
    metadata = message.get("metadata") if isinstance(message.get("metadata"), Mapping) else {}
    if content.get("content_type") in HIDDEN_TYPES:
        return True
    return bool(metadata.get("is_visually_hidden_from_conversation"))


def convert(raw: Any) -> ImportedConversation:
    if not isinstance(raw, Mapping):
        raise SkipConversation("Conversation is not a JSON object")
    mapping = raw.get("mapping")
    if not isinstance(mapping, Mapping):
        raise SkipConversation(MISSING_MAPPING)
    created = from_epoch(raw.get("create_time"))
    updated = from_epoch(raw.get("update_time")) or created
    if created is None:
        raise SkipConversation("Conversation has no valid create_time")

    def parent_of(node_id: str) -> str | None:
        node = mapping.get(node_id)
        parent = node.get("parent") if isinstance(node, Mapping) else None
        return parent if isinstance(parent, str) else None

    kept: dict[str, ImportedMessage] = {}
    resolved: dict[str, str | None] = {}

    def kept_ancestor(node_id: str | None) -> str | None:
        """Nearest ancestor that is a kept message (iterative; cycles end at None)."""
        path: list[str] = []
        seen: set[str] = set()
        current = node_id
        answer: str | None = None
        while current is not None:
            if current in resolved:
                answer = resolved[current]
                break
            if current in seen:
                break
            seen.add(current)
            node = mapping.get(current)
            if not isinstance(node, Mapping):
                break
            if not _is_dropped(node.get("message")) and not _folded(node.get("message")):
                answer = current
                break
            path.append(current)
            current = parent_of(current)
        for item in path:
            resolved[item] = answer
        return answer

    # Pass 1: render every kept node; remember thoughts and browser calls by the kept node
    # they follow.
    thought_by_parent: dict[str | None, list[str]] = {}
    steps: dict[str, BrowsingStep] = {}
    steps_by_parent: dict[str | None, list[BrowsingStep]] = {}
    browsing_results: list[str] = []
    for node_id, node in mapping.items():
        if not isinstance(node, Mapping):
            continue
        message = node.get("message")
        if _is_dropped(message):
            continue
        content = message["content"]
        metadata = message.get("metadata") if isinstance(message.get("metadata"), Mapping) else {}
        if is_browsing_call(message):
            command = content.get("text")
            step = BrowsingStep(node_id, command if isinstance(command, str) else "")
            steps[node_id] = step
            steps_by_parent.setdefault(kept_ancestor(parent_of(node_id)), []).append(step)
            continue
        if is_browsing(message):
            browsing_results.append(node_id)
            continue
        if _folded(message):
            if content.get("content_type") == "thoughts":
                text = _thought_text(content)
                if text:
                    anchor = kept_ancestor(parent_of(node_id))
                    thought_by_parent.setdefault(anchor, []).append(text)
            continue
        author = message.get("author") if isinstance(message.get("author"), Mapping) else {}
        role = author.get("role")
        is_user = role == "user"
        # A missing model_slug (LibreChat #13630) falls back to the export's default slug for
        # replies; user messages keep LibreChat's builder default.
        slug = metadata.get("model_slug") or (None if is_user else raw.get("default_model_slug"))
        moment = from_epoch(message.get("create_time")) or created
        kept[node_id] = ImportedMessage(
            source_id=node_id,
            source_parent_id=None,
            text=render_content(content, role=str(role), metadata=metadata),
            is_created_by_user=is_user,
            sender="user" if is_user else sender_for(slug if isinstance(slug, str) else None),
            created_at=moment,
            updated_at=moment,
            endpoint=ENDPOINT,
            model=slug if isinstance(slug, str) and slug else DEFAULT_CONVERSATION_MODEL,
        )
    for node_id in browsing_results:
        _step_for_result(node_id, mapping, steps, steps_by_parent, parent_of, kept_ancestor)
    for node_id, message in kept.items():
        parent = kept_ancestor(parent_of(node_id))
        message.source_parent_id = parent or NO_PARENT
    # Thoughts and browsing fold into the assistant children of the node they follow.
    for anchor in {*thought_by_parent, *steps_by_parent}:
        folded: list[dict[str, Any]] = []
        if anchor in thought_by_parent:
            folded.append({"type": "think", "think": "\n\n".join(thought_by_parent[anchor])})
        folded.extend(tool_call_part(step) for step in steps_by_parent.get(anchor, []))
        replies = [
            message
            for message in kept.values()
            if (message.source_parent_id or NO_PARENT) == (anchor or NO_PARENT)
            and not message.is_created_by_user
        ]
        for message in replies:
            message.content = [*folded, {"type": "text", "text": message.text}]
        if not replies and anchor in steps_by_parent:
            # Browsing with no answer after it (the export ends there): an assistant turn
            # holding only the tool calls, so what was looked up is not lost.
            first = steps_by_parent[anchor][0]
            kept[first.node_id] = _browsing_only_turn(first.node_id, anchor, mapping, raw, created)
            kept[first.node_id].content = folded
    messages = list(kept.values())
    enforce_parent_order(messages)
    title = raw.get("title")
    return ImportedConversation(
        title=title if isinstance(title, str) and title else DEFAULT_TITLE,
        created_at=created,
        updated_at=updated or created,
        endpoint=ENDPOINT,
        model=DEFAULT_CONVERSATION_MODEL,
        messages=messages,
    )


def _folded(message: Any) -> bool:
    """Nodes that are not messages of their own: reasoning and web browsing."""
    content = message.get("content") if isinstance(message, Mapping) else None
    return (
        isinstance(content, Mapping) and content.get("content_type") in FOLDED_TYPES
    ) or is_browsing(message)


def _step_for_result(
    node_id: str,
    mapping: Mapping[str, Any],
    steps: dict[str, BrowsingStep],
    steps_by_parent: dict[str | None, list[BrowsingStep]],
    parent_of: Callable[[str], str | None],
    kept_ancestor: Callable[[str | None], str | None],
) -> None:
    """Add a browser result to the call it answers: the nearest browser-call ancestor through
    browsing nodes (a result with no call becomes a step of its own)."""
    current: str | None = parent_of(node_id)
    seen: set[str] = set()
    while current is not None and current not in seen:
        seen.add(current)
        if current in steps:
            record_result(steps[current], mapping[node_id]["message"])
            return
        node = mapping.get(current)
        if not isinstance(node, Mapping) or not is_browsing(node.get("message")):
            break
        current = parent_of(current)
    step = BrowsingStep(node_id)
    record_result(step, mapping[node_id]["message"])
    steps[node_id] = step
    steps_by_parent.setdefault(kept_ancestor(parent_of(node_id)), []).append(step)


def _browsing_only_turn(
    node_id: str,
    anchor: str | None,
    mapping: Mapping[str, Any],
    raw: Mapping[str, Any],
    created: datetime,
) -> ImportedMessage:
    message = mapping[node_id]["message"]
    metadata = message.get("metadata") if isinstance(message.get("metadata"), Mapping) else {}
    slug = metadata.get("model_slug") or raw.get("default_model_slug")
    slug = slug if isinstance(slug, str) and slug else None
    moment = from_epoch(message.get("create_time")) or created
    return ImportedMessage(
        source_id=node_id,
        source_parent_id=anchor or NO_PARENT,
        text="",
        is_created_by_user=False,
        sender=sender_for(slug),
        created_at=moment,
        updated_at=moment,
        endpoint=ENDPOINT,
        model=slug or DEFAULT_CONVERSATION_MODEL,
    )
