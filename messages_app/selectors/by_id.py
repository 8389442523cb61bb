"""The chats API's view of one message, by its public id, in whichever conversation it is
(docs/api-behaviour.md#chat-message-shape).

The chats API (``convos_app``) lists a chat's messages in this same shape, so the record and
its one batch loader live here, with the messages they read.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from chatcore.errors import ConversationNotFound, MessageNotFound
from chatcore.models import User
from messages_app.models import ContentPart, Message
from messages_app.selectors.messages import MessageRecord, message_list_for_conversation

# Content parts that carry the message's text or its tool calls.
TEXT_PART_TYPES = ("text",)
TOOL_PART_TYPE = "tool_call"


@dataclass(frozen=True, slots=True)
class ToolUseRecord:
    tool_name: str
    args: Any


@dataclass(frozen=True, slots=True)
class ChatMessageRecord:
    """One message in the chats API's shape."""

    pk: int
    message_id: str
    chat_id: str
    is_created_by_user: bool
    content: str
    liked: bool | None
    cost: Decimal | None
    memory_id: str | None
    tool_uses: list[ToolUseRecord]
    unfinished: bool
    error: bool
    workflow_id: str | None
    created_at: datetime


_COLUMNS = (
    "pk",
    "message_id",
    "conversation__conversation_id",
    "is_created_by_user",
    "text",
    "feedback__rating",
    "cost",
    "memory_id",
    "unfinished",
    "error",
    "workflow_id",
    "created_at",
)


def _tool_use(payload: Mapping[str, Any]) -> ToolUseRecord | None:
    """LibreChat's ``{type: tool_call, tool_call: {name, args}}``, or the OpenAI-assistants
    form ``{tool_call: {function: {name, arguments}}}``; JSON-string args become objects."""
    call = payload.get(TOOL_PART_TYPE)
    if not isinstance(call, Mapping):
        return None
    function = call.get("function")
    source = function if isinstance(function, Mapping) else call
    name = source.get("name")
    args = source.get("args", source.get("arguments"))
    if isinstance(args, str):
        with contextlib.suppress(ValueError):
            args = json.loads(args)
    if not isinstance(name, str):
        return None
    return ToolUseRecord(tool_name=name, args=args if args is not None else {})


def chat_message_records(queryset: QuerySet[Message]) -> list[ChatMessageRecord]:
    """Records in ``queryset``'s order: one query for messages (with feedback), one for the
    text and tool-call parts of those messages."""
    rows = list(queryset.values_list(*_COLUMNS))
    if not rows:
        return []
    texts: dict[int, list[str]] = defaultdict(list)
    tools: dict[int, list[ToolUseRecord]] = defaultdict(list)
    parts = (
        ContentPart.objects.filter(
            message_id__in=[row[0] for row in rows], type__in=(*TEXT_PART_TYPES, TOOL_PART_TYPE)
        )
        .order_by("message_id", "index")
        .values_list("message_id", "type", "text", "payload")
    )
    for message_pk, kind, text, payload in parts:
        if kind == TOOL_PART_TYPE:
            tool = _tool_use(payload)
            if tool is not None:
                tools[message_pk].append(tool)
        elif text:
            texts[message_pk].append(text)
    records = []
    for row in rows:
        pk, message_id, chat_id, by_user, text, rating = row[:6]
        records.append(
            ChatMessageRecord(
                pk=pk,
                message_id=message_id,
                chat_id=chat_id,
                is_created_by_user=by_user,
                content=text or "\n".join(texts.get(pk, [])),
                liked=None if rating is None else rating == "thumbsUp",
                cost=row[6],
                memory_id=row[7],
                tool_uses=tools.get(pk, []),
                unfinished=row[8],
                error=row[9],
                workflow_id=None if row[10] is None else str(row[10]),
                created_at=row[11],
            )
        )
    return records


def chat_message_record_get(*, user: User, pk: int) -> ChatMessageRecord:
    records = chat_message_records(Message.objects.filter(user=user, pk=pk))
    if not records:
        raise MessageNotFound()
    return records[0]


def conversation_messages_or_message(
    *, user: User, item_id: str
) -> list[MessageRecord] | ChatMessageRecord:
    """``GET /api/messages/{id}`` (docs/api-behaviour.md#messages-by-id): the messages of the
    user's conversation with that id; else the user's message with that id, in the chats API's
    shape; else the conversation lookup's 404. The conversation path costs exactly what it cost
    alone."""
    try:
        return message_list_for_conversation(user=user, conversation_id=item_id)
    except ConversationNotFound:
        records = chat_message_records(Message.objects.owned(user, item_id))
        if records:
            return records[0]
        raise
