"""Conversation export: LibreChat JSON (recursive tree), Markdown and CSV, written as a stream.

One serializer serves every door (``manage.py export_conversations``, ``GET
/api/convos/:id/export``, the admin's "export selected" action). Conversations are read in
keyset chunks and each chunk's messages, content parts and feedback in three queries, and text
is yielded piece by piece, so memory stays flat however many messages are exported.

``json`` is LibreChat's export format (``recursive: true``, ``messagesTree`` with nested
``children``), so chatcore's importer (and LibreChat's) reads it back. To make the round trip
lossless it also carries ``createdAt``, ``updatedAt``, ``isArchived`` and ``tags`` at the top
level, every message column, the content parts as stored and the feedback. The tree is written
iteratively: a 10 000-message chain nests 10 000 levels deep, more than ``json.dumps`` recursion
allows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone

from chatcore.errors import InvalidInput, NotFound
from chatcore.models import NO_PARENT, User
from convos_app.models import Conversation
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import TaggedConversation

EXPORT_FORMATS = ("json", "markdown", "csv")
CONVERSATION_NOT_FOUND = "Conversation not found"
CONTENT_TYPES = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
EXTENSIONS = {"json": "json", "markdown": "md", "csv": "csv"}
CSV_COLUMNS = (
    "conversationId",
    "conversationTitle",
    "conversationEndpoint",
    "conversationModel",
    "conversationCreatedAt",
    "conversationUpdatedAt",
    "conversationIsArchived",
    "conversationTags",
    "messageId",
    "parentMessageId",
    "createdAt",
    "updatedAt",
    "sender",
    "isCreatedByUser",
    "endpoint",
    "model",
    "text",
    "tokenCount",
    "contentTypes",
    "feedbackRating",
    "feedbackTag",
    "feedbackText",
)
CHUNK = 50  # conversations per read


@dataclass(frozen=True)
class ExportProgress:
    conversations: int
    messages: int


@dataclass
class _Loaded:
    """One conversation with everything an export needs, loaded in bulk."""

    conversation: Conversation
    tags: list[str]
    messages: list[Message]
    parts: dict[int, list[ContentPart]]
    feedback: dict[int, Feedback]


def iso(value: datetime | None) -> str | None:
    """LibreChat's ``2024-04-09T14:32:05.230Z``; microseconds kept when present (lossless)."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    if value.microsecond % 1000 == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- reading ----------------------------------------------------------------------------------
def export_queryset(
    *, user: User, conversation_ids: Sequence[str] | None = None
) -> Iterable[Conversation]:
    queryset = Conversation.objects.filter(user=user)
    if conversation_ids:
        queryset = queryset.filter(conversation_id__in=list(conversation_ids))
    return queryset


def conversation_export_get(*, user: User, conversation_id: str) -> Conversation:
    """The user's conversation or ``NotFound`` (another user's id answers the same 404)."""
    conversation = Conversation.objects.filter(user=user, conversation_id=conversation_id).first()
    if conversation is None:
        raise NotFound(CONVERSATION_NOT_FOUND)
    return conversation


def _load_chunk(conversations: list[Conversation]) -> list[_Loaded]:
    pks = [c.pk for c in conversations]
    tags: dict[int, list[str]] = defaultdict(list)
    for convo_pk, name in (
        TaggedConversation.objects.filter(conversation_id__in=pks)
        .order_by("conversation_id", "id")
        .values_list("conversation_id", "tag__name")
    ):
        tags[convo_pk].append(name)
    messages: dict[int, list[Message]] = defaultdict(list)
    message_pks: list[int] = []
    for message in Message.objects.filter(conversation_id__in=pks).order_by(
        "conversation_id", "created_at", "id"
    ):
        messages[message.conversation_id].append(message)
        message_pks.append(message.pk)
    parts: dict[int, list[ContentPart]] = defaultdict(list)
    for part in ContentPart.objects.filter(message_id__in=message_pks).order_by(
        "message_id", "index"
    ):
        parts[part.message_id].append(part)
    feedback = {f.message_id: f for f in Feedback.objects.filter(message_id__in=message_pks)}
    return [
        _Loaded(c, tags[c.pk], messages[c.pk], parts, feedback)  # parts/feedback keyed by msg pk
        for c in conversations
    ]


def _iter_loaded(conversations: Iterable[Conversation]) -> Iterator[_Loaded]:
    """Keyset over primary keys, ``CHUNK`` conversations per round of queries."""
    queryset = conversations if hasattr(conversations, "filter") else None
    if queryset is None:
        chunk = list(conversations)
        for start in range(0, len(chunk), CHUNK):
            yield from _load_chunk(chunk[start : start + CHUNK])
        return
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK])  # type: ignore[attr-defined]
        if not chunk:
            return
        yield from _load_chunk(chunk)
        last = chunk[-1].pk


# --- JSON (LibreChat export) ------------------------------------------------------------------
def _feedback_json(feedback: Feedback) -> dict[str, Any]:
    body: dict[str, Any] = {"rating": feedback.rating}
    if feedback.tag:
        body["tag"] = feedback.tag
    if feedback.comment_key == Feedback.CommentKey.COMMENT:
        body["comment"] = feedback.text
    elif feedback.text is not None:
        body["text"] = feedback.text
    return body


def message_json(message: Message, loaded: _Loaded) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messageId": message.message_id,
        "conversationId": loaded.conversation.conversation_id,
        "parentMessageId": message.parent_message_id,
        "sender": message.sender,
        "text": message.text,
        "isCreatedByUser": message.is_created_by_user,
        "endpoint": message.endpoint,
        "model": message.model,
        "unfinished": message.unfinished,
        "error": message.error,
        "createdAt": iso(message.created_at),
        "updatedAt": iso(message.updated_at),
    }
    optional = {
        "tokenCount": message.token_count,
        "summary": message.summary,
        "summaryTokenCount": message.summary_token_count,
        "finish_reason": message.finish_reason,
        "iconURL": message.icon_url,
        "thread_id": message.thread_id,
        "attachments": message.attachments,
        "files": message.files,
        "metadata": message.metadata,
        "cost": float(message.cost) if isinstance(message.cost, Decimal) else None,
        "memoryId": message.memory_id,
        "workflowId": str(message.workflow_id) if message.workflow_id else None,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    for key, value in (message.extra or {}).items():
        body.setdefault(key, value)
    body["content"] = [part.payload for part in loaded.parts.get(message.pk, [])]
    feedback = loaded.feedback.get(message.pk)
    if feedback is not None:
        body["feedback"] = _feedback_json(feedback)
    return body


def conversation_header(loaded: _Loaded) -> dict[str, Any]:
    convo = loaded.conversation
    options: dict[str, Any] = dict(convo.settings or {})
    columns = {
        "model": convo.model,
        "endpoint": convo.endpoint,
        "endpointType": convo.endpoint_type,
        "agent_id": convo.agent_id,
        "assistant_id": convo.assistant_id,
        "spec": convo.spec,
        "iconURL": convo.icon_url,
        "files": convo.files,
    }
    options.update({key: value for key, value in columns.items() if value is not None})
    options["title"] = convo.title
    return {
        "conversationId": convo.conversation_id,
        "endpoint": convo.endpoint,
        "title": convo.title,
        "exportAt": iso(timezone.now()),
        "branches": True,
        "recursive": True,
        "createdAt": iso(convo.created_at),
        "updatedAt": iso(convo.updated_at),
        "isArchived": convo.is_archived,
        "tags": loaded.tags,
        "options": options,
    }


def _tree(messages: list[Message]) -> tuple[list[Message], dict[str, list[Message]]]:
    """Roots (NO_PARENT or a parent not in the conversation) and children, oldest first."""
    ids = {m.message_id for m in messages}
    children: dict[str, list[Message]] = defaultdict(list)
    roots: list[Message] = []
    for message in messages:  # already ordered by (created_at, id)
        parent = message.parent_message_id
        if parent == NO_PARENT or parent not in ids or parent == message.message_id:
            roots.append(message)
        else:
            children[parent].append(message)
    return roots, children


def _json_document(loaded: _Loaded) -> Iterator[str]:
    header = json.dumps(conversation_header(loaded), ensure_ascii=False)
    yield header[:-1] + ', "messagesTree": ['
    roots, children = _tree(loaded.messages)
    stack: list[tuple[Iterator[Message], list[bool]]] = [(iter(roots), [True])]
    while stack:
        siblings, first = stack[-1]
        message = next(siblings, None)
        if message is None:
            stack.pop()
            yield "]}" if stack else "]"
            continue
        body = json.dumps(message_json(message, loaded), ensure_ascii=False)
        yield ("" if first[0] else ", ") + body[:-1] + ', "children": ['
        first[0] = False
        stack.append((iter(children.get(message.message_id, [])), [True]))
    yield "}"


# --- Markdown ---------------------------------------------------------------------------------
def _current_branch(messages: list[Message]) -> list[Message]:
    """Root-to-leaf path ending at the newest message (what a chat UI shows by default)."""
    if not messages:
        return []
    by_id = {m.message_id: m for m in messages}
    path = []
    node: Message | None = max(messages, key=lambda m: (m.created_at, m.pk))
    seen: set[str] = set()
    while node is not None and node.message_id not in seen:
        seen.add(node.message_id)
        path.append(node)
        node = by_id.get(node.parent_message_id)
    return list(reversed(path))


def _part_markdown(part: ContentPart) -> str | None:
    payload = part.payload if isinstance(part.payload, dict) else {}
    if part.type == "text":
        return None  # the message text already holds it
    if part.type == "think":
        lines = (part.text or "").splitlines() or [""]
        return "> **Thinking**\n" + "\n".join(f"> {line}" for line in lines)
    return f"```json\n{json.dumps(payload, indent=2, ensure_ascii=False)}\n```"


def _markdown_document(loaded: _Loaded) -> Iterator[str]:
    convo = loaded.conversation
    roots, children = _tree(loaded.messages)
    path = _current_branch(loaded.messages)
    lines = [
        f"# {convo.title}",
        "",
        f"- Conversation: `{convo.conversation_id}`",
        f"- Endpoint / model: {convo.endpoint or '-'} / {convo.model or '-'}",
        f"- Created: {iso(convo.created_at)} · Updated: {iso(convo.updated_at)}",
    ]
    if loaded.tags:
        lines.append(f"- Tags: {', '.join(loaded.tags)}")
    off_branch = len(loaded.messages) - len(path)
    lines.append(
        f"- Messages: {len(loaded.messages)} ({len(path)} on the current branch"
        + (f", {off_branch} on other branches" if off_branch else "")
        + ")"
    )
    yield "\n".join(lines) + "\n"
    for message in path:
        siblings = children.get(message.parent_message_id, roots)
        who = "User" if message.is_created_by_user else (message.sender or "Assistant")
        heading = f"\n## {who} · {iso(message.created_at)}"
        if message.model and not message.is_created_by_user:
            heading += f" · {message.model}"
        out = [heading, ""]
        if len(siblings) > 1:
            position = siblings.index(message) + 1
            out += [f"_Branch {position} of {len(siblings)} at this point._", ""]
        for part in loaded.parts.get(message.pk, []):
            rendered = _part_markdown(part)
            if rendered:
                out += [rendered, ""]
        out.append(message.text)
        feedback = loaded.feedback.get(message.pk)
        if feedback is not None:
            note = f"_Feedback: {feedback.rating}"
            note += f" ({feedback.tag})" if feedback.tag else ""
            note += f" — {feedback.text}" if feedback.text else ""
            out += ["", note + "_"]
        yield "\n".join(out) + "\n"


# --- CSV --------------------------------------------------------------------------------------
def _csv_rows(loaded: _Loaded) -> Iterator[list[Any]]:
    convo = loaded.conversation
    head = [
        convo.conversation_id,
        convo.title,
        convo.endpoint or "",
        convo.model or "",
        iso(convo.created_at),
        iso(convo.updated_at),
        "true" if convo.is_archived else "false",
        ";".join(loaded.tags),
    ]
    for message in loaded.messages:
        feedback = loaded.feedback.get(message.pk)
        yield [
            *head,
            message.message_id,
            message.parent_message_id,
            iso(message.created_at),
            iso(message.updated_at),
            message.sender,
            "true" if message.is_created_by_user else "false",
            message.endpoint or "",
            message.model or "",
            message.text,
            "" if message.token_count is None else message.token_count,
            ";".join(p.type for p in loaded.parts.get(message.pk, [])),
            feedback.rating if feedback else "",
            (feedback.tag or "") if feedback else "",
            (feedback.text or "") if feedback else "",
        ]


def _csv_line(row: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue()


# --- entry points -----------------------------------------------------------------------------
def export_chunks(
    *,
    conversations: Iterable[Conversation],
    export_format: str,
    single: bool = False,
    progress: Callable[[ExportProgress], None] | None = None,
) -> Iterator[str]:
    """Text chunks of the export. ``single`` writes one JSON object instead of an array."""
    if export_format not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of: {', '.join(EXPORT_FORMATS)}")
    done_messages = 0
    if export_format == "json" and not single:
        yield "["
    elif export_format == "csv":
        yield _csv_line(CSV_COLUMNS)
    for done_conversations, loaded in enumerate(_iter_loaded(conversations), start=1):
        if export_format == "json":
            if done_conversations > 1 and not single:
                yield ",\n"
            yield from _json_document(loaded)
        elif export_format == "markdown":
            if done_conversations > 1:
                yield "\n---\n\n"
            yield from _markdown_document(loaded)
        else:
            for row in _csv_rows(loaded):
                yield _csv_line(row)
        done_messages += len(loaded.messages)
        if progress is not None:
            progress(ExportProgress(done_conversations, done_messages))
    if export_format == "json" and not single:
        yield "]\n"
    elif export_format == "json":
        yield "\n"


def conversations_export(
    *,
    user: User,
    out: IO[str],
    export_format: str = "json",
    conversation_ids: Sequence[str] | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
) -> ExportProgress:
    """Write the user's conversations (all, or the given ids) to ``out``; unknown ids are 404."""
    if conversation_ids:
        found = set(
            Conversation.objects.filter(
                user=user, conversation_id__in=list(conversation_ids)
            ).values_list("conversation_id", flat=True)
        )
        missing = [cid for cid in conversation_ids if cid not in found]
        if missing:
            raise NotFound(CONVERSATION_NOT_FOUND, message=", ".join(missing[:10]))
    total = ExportProgress(0, 0)

    def track(step: ExportProgress) -> None:
        nonlocal total
        total = step
        if progress is not None:
            progress(step)

    queryset = export_queryset(user=user, conversation_ids=conversation_ids)
    for chunk in export_chunks(conversations=queryset, export_format=export_format, progress=track):
        out.write(chunk)
    return total


def export_filename(conversation: Conversation, export_format: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", conversation.title).strip("-")[:60] or "conversation"
    return f"{slug}-{conversation.conversation_id}.{EXTENSIONS[export_format]}"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    chunks: Iterator[str]


def conversation_export_file(*, user: User, conversation_id: str, export_format: str) -> ExportFile:
    """One conversation as a downloadable file (the HTTP door); 404 for unknown or foreign ids.

    The lookup happens now, so a 404 is raised before any byte is streamed.
    """
    if export_format not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of: {', '.join(EXPORT_FORMATS)}")
    conversation = conversation_export_get(user=user, conversation_id=conversation_id)
    return ExportFile(
        filename=export_filename(conversation, export_format),
        content_type=CONTENT_TYPES[export_format],
        chunks=export_chunks(
            conversations=[conversation], export_format=export_format, single=True
        ),
    )
