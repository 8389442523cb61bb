"""LibreChat's own export (and chatcore's ``json`` export, which is the same format).

``{conversationId, endpoint, title, options, recursive, messagesTree | messages}``. A recursive
export nests replies under ``children`` and is flattened depth-first, each node's parent being
the enclosing node (nodes with neither ``text`` nor ``content`` are dropped with their subtree,
as LibreChat does); a flat export keeps each message's own ``parentMessageId``. Every message
field LibreChat or chatcore writes comes back: columns where the model has one, the rest in
``extra``. chatcore's own exports also carry ``createdAt``/``updatedAt``/``tags``/``isArchived``
at the top level so a round trip is lossless.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from chatcore.models import NO_PARENT, PUBLIC_ID_MAX_LENGTH
from convos_app.models import SETTINGS_KEYS, TITLE_MAX_LENGTH

from .records import (
    DEFAULT_CONVERSATION_MODEL,
    DEFAULT_TITLE,
    ImportedConversation,
    ImportedFeedback,
    ImportedMessage,
    SkipConversation,
    enforce_parent_order,
    from_iso,
    project_name_clean,
)

DEFAULT_ENDPOINT = "openAI"
NO_MESSAGES = "Export has no messagesTree or messages list"

# wire key -> (Message column, kind, max length)
MESSAGE_COLUMNS: dict[str, tuple[str, str, int | None]] = {
    "tokenCount": ("token_count", "count", None),
    "summary": ("summary", "str", None),
    "summaryTokenCount": ("summary_token_count", "count", None),
    "unfinished": ("unfinished", "bool", None),
    "error": ("error", "bool", None),
    "finish_reason": ("finish_reason", "str", 64),
    "iconURL": ("icon_url", "str", 2048),
    "thread_id": ("thread_id", "str", 255),
    "attachments": ("attachments", "json", None),
    "files": ("files", "json", None),
    "metadata": ("metadata", "json", None),
    "cost": ("cost", "cost", None),
    "workflowId": ("workflow_id", "uuid", None),
}
# Keys that are ids, owners or structure: re-derived on import, never copied.
MESSAGE_STRUCTURE = {
    "_id",
    "__v",
    "user",
    "conversationId",
    "children",
    "messageId",
    "parentMessageId",
    "createdAt",
    "updatedAt",
    "sender",
    "text",
    "isCreatedByUser",
    "endpoint",
    "model",
    "content",
    "feedback",
    "expiredAt",
    "isTemporary",
    # A reference to a memory of the exporting account; memories are not exported, so it names
    # nothing here (docs/api-behaviour.md#memories).
    "memoryId",
}
CONVERSATION_COLUMNS: dict[str, tuple[str, int]] = {
    "endpointType": ("endpoint_type", 128),
    "agent_id": ("agent_id", 255),
    "assistant_id": ("assistant_id", 255),
    "spec": ("spec", 255),
    "iconURL": ("icon_url", 2048),
}


def _column(key: str, value: Any, message_id: str) -> Any:
    _, kind, limit = MESSAGE_COLUMNS[key]
    if value is None:
        return False if kind == "bool" else None
    problem = f"Message {message_id}: {key} is invalid"
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise SkipConversation(problem)
        return int(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise SkipConversation(problem)
        return value
    if kind == "str":
        if not isinstance(value, str) or (limit is not None and len(value) > limit):
            raise SkipConversation(problem)
        return value
    if kind == "cost":
        try:
            cost = Decimal(str(value))
        except InvalidOperation as exc:
            raise SkipConversation(problem) from exc
        if isinstance(value, bool) or not cost.is_finite() or cost < 0 or cost >= 10**6:
            raise SkipConversation(problem)
        return cost
    if kind == "uuid":
        try:
            return uuid.UUID(str(value))
        except ValueError as exc:
            raise SkipConversation(problem) from exc
    return value  # json


def _short_str(value: Any, limit: int, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise SkipConversation(f"{what} is invalid")
    return value


def _feedback(value: Any) -> ImportedFeedback | None:
    if not isinstance(value, Mapping) or value.get("rating") not in ("thumbsUp", "thumbsDown"):
        return None
    comment_key = "comment" if "comment" in value and "text" not in value else "text"
    text = value.get(comment_key)
    tag = value.get("tag")
    if isinstance(tag, Mapping):  # LibreChat clients sometimes send the whole tag object
        tag = tag.get("key")
    return ImportedFeedback(
        rating=value["rating"],
        tag=tag[:64] if isinstance(tag, str) else None,
        text=text[:1024] if isinstance(text, str) else None,
        comment_key=comment_key,
    )


def _message(node: Mapping[str, Any], parent_id: str | None, fallback_time: Any) -> ImportedMessage:
    source_id = node.get("messageId")
    if source_id is None:
        source_id = str(uuid.uuid4())
    if not isinstance(source_id, str) or not source_id or len(source_id) > PUBLIC_ID_MAX_LENGTH:
        raise SkipConversation("A message has an invalid messageId")
    created = from_iso(node.get("createdAt")) or fallback_time
    text = node.get("text")
    content = node.get("content")
    parts: list[dict[str, Any]] = []
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
                raise SkipConversation(f"Message {source_id}: a content part has no type")
            parts.append(dict(part))
    elif isinstance(content, str) and not isinstance(text, str):
        text = content
    columns = {
        MESSAGE_COLUMNS[key][0]: _column(key, value, source_id)
        for key, value in node.items()
        if key in MESSAGE_COLUMNS
    }
    extra = {
        key: value
        for key, value in node.items()
        if key not in MESSAGE_COLUMNS and key not in MESSAGE_STRUCTURE
    }
    is_user = node.get("isCreatedByUser") is True
    sender = node.get("sender")
    return ImportedMessage(
        source_id=source_id,
        source_parent_id=parent_id,
        text=text if isinstance(text, str) else "",
        is_created_by_user=is_user,
        sender=_short_str(sender, 255, "sender") or ("User" if is_user else ""),
        created_at=created,
        updated_at=from_iso(node.get("updatedAt")) or created,
        endpoint=_short_str(node.get("endpoint"), 128, "endpoint"),
        model=_short_str(node.get("model"), 255, "model"),
        content=parts,
        feedback=_feedback(node.get("feedback")),
        columns=columns,
        extra=extra,
    )


def _has_body(node: Mapping[str, Any]) -> bool:
    return bool(node.get("text")) or node.get("content") is not None


def _flatten(nodes: list[Any], fallback_time: Any) -> list[ImportedMessage]:
    """Depth-first pre-order walk with an explicit stack (deep trees cannot overflow it)."""
    out: list[ImportedMessage] = []
    stack: list[tuple[Any, str]] = [(node, NO_PARENT) for node in reversed(nodes)]
    while stack:
        node, parent_id = stack.pop()
        if not isinstance(node, Mapping) or not _has_body(node):
            continue
        message = _message(node, parent_id, fallback_time)
        out.append(message)
        children = node.get("children")
        if isinstance(children, list):
            stack.extend((child, message.source_id) for child in reversed(children))
    return out


def convert(raw: Any, *, now: Any) -> ImportedConversation:
    if not isinstance(raw, Mapping):
        raise SkipConversation("Export is not a JSON object")
    nodes = raw.get("messagesTree")
    if nodes is None:
        nodes = raw.get("messages")
    if not isinstance(nodes, list):
        raise SkipConversation(NO_MESSAGES)
    options = raw.get("options") if isinstance(raw.get("options"), Mapping) else {}
    if raw.get("recursive"):
        messages = _flatten(nodes, now)
    else:
        messages = []
        for node in nodes:
            if not isinstance(node, Mapping):
                continue
            parent = node.get("parentMessageId")
            messages.append(_message(node, parent if isinstance(parent, str) else NO_PARENT, now))
    first_time = next(
        (m.created_at for m in messages if m.created_at is not now), None
    )  # LibreChat's rule: the first message that has a createdAt
    created = from_iso(raw.get("createdAt")) or from_iso(options.get("createdAt")) or first_time
    created = created or now
    updated = from_iso(raw.get("updatedAt")) or from_iso(options.get("updatedAt")) or created
    enforce_parent_order(messages)

    title = raw.get("title") or options.get("title")
    endpoint = raw.get("endpoint") or options.get("endpoint") or DEFAULT_ENDPOINT
    model = options.get("model") or raw.get("model") or DEFAULT_CONVERSATION_MODEL
    settings = {key: options[key] for key in SETTINGS_KEYS if key in options}
    columns: dict[str, Any] = {}
    for key, (column, limit) in CONVERSATION_COLUMNS.items():
        value = raw.get(key, options.get(key))
        columns[column] = _short_str(value, limit, key)
    archived = raw.get("isArchived", options.get("isArchived"))
    columns["is_archived"] = archived is True
    if columns["is_archived"]:
        columns["archived_at"] = from_iso(raw.get("archivedAt")) or updated
    columns["pinned"] = raw.get("pinned", options.get("pinned")) is True
    project = raw.get("project")
    if isinstance(options.get("files"), list):
        columns["files"] = options["files"]
    tags = raw.get("tags", options.get("tags"))
    return ImportedConversation(
        title=str(title)[:TITLE_MAX_LENGTH] if title else DEFAULT_TITLE,
        created_at=created,
        updated_at=updated,
        endpoint=_short_str(endpoint, 128, "endpoint"),
        model=_short_str(model, 255, "model"),
        messages=messages,
        settings=settings,
        columns=columns,
        tags=[t for t in tags if isinstance(t, str) and t] if isinstance(tags, list) else [],
        project=project_name_clean(project),
    )
