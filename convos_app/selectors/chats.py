"""Reads of the chats API (seeds 003/004). A chat *is* a conversation; every query starts
scoped to the requesting user (D11).

Seed 003 pages a chat's messages by ``start``/``count`` with a ``total``. That is an OFFSET
and a COUNT, which STYLE.md keeps off per-user tables; here both run inside one conversation
(index ``msg_convo_created``), so their cost is bounded by the size of one chat, not of the
account. The chats list itself uses the keyset cursor (D9).
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

from chatcore.errors import Forbidden, NotFound
from chatcore.models import User
from chatcore.pagination import paginate_keyset
from convos_app.models import Conversation
from messages_app.models import ContentPart, Message
from messages_app.selectors import (
    MessageRecord,
    message_list_for_conversation,
    public_id_is_usable,
)

CHAT_NOT_FOUND = "Chat not found"
MESSAGE_NOT_FOUND = "Message not found"
FORBIDDEN = "Forbidden"
CANNOT_POST_TO_OTHERS_CHAT = "Cannot post to another user's chat"
CHAT_LIST_SCOPE = "chats"
# Content parts that carry the message's text or its tool calls.
TEXT_PART_TYPES = ("text",)
TOOL_PART_TYPE = "tool_call"


@dataclass(frozen=True, slots=True)
class ToolUseRecord:
    tool_name: str
    args: Any


@dataclass(frozen=True, slots=True)
class ChatMessageRecord:
    """One message as seed 003 shows it."""

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


@dataclass(frozen=True)
class ChatMessagePage:
    chat_id: str
    messages: list[ChatMessageRecord]
    start: int
    total: int


@dataclass(frozen=True)
class ChatPage:
    chats: list[Conversation]
    next_cursor: str | None
    page_size: int


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
        raise NotFound(MESSAGE_NOT_FOUND)
    return records[0]


def chat_get(*, user: User, chat_id: str) -> Conversation:
    """``user``'s chat (conversation) with this public id, or 404 "Chat not found"."""
    if public_id_is_usable(chat_id):
        chat = Conversation.objects.filter(user=user, conversation_id=chat_id).first()
        if chat is not None:
            return chat
    raise NotFound(CHAT_NOT_FOUND)


def chat_get_for_posting(*, user: User, chat_id: str) -> Conversation:
    """Like ``chat_get``, but another user's chat is a 403, as seed 004 lists for posting."""
    if public_id_is_usable(chat_id):
        chat = Conversation.objects.filter(user=user, conversation_id=chat_id).first()
        if chat is not None:
            return chat
        if Conversation.objects.filter(conversation_id=chat_id).exists():
            raise Forbidden(FORBIDDEN, message=CANNOT_POST_TO_OTHERS_CHAT)
    raise NotFound(CHAT_NOT_FOUND)


def chat_list(*, user: User, cursor: str | None, page_size: int) -> ChatPage:
    """The user's chats, newest first, one keyset page (index ``convo_user_created``)."""
    page = paginate_keyset(
        Conversation.objects.filter(user=user),
        scope=f"{CHAT_LIST_SCOPE}:{user.pk}",
        sort_field="created_at",
        descending=True,
        cursor=cursor,
        page_size=page_size,
    )
    return ChatPage(chats=page.items, next_cursor=page.next_cursor, page_size=page_size)


def chat_message_page(*, user: User, chat_id: str, start: int, count: int) -> ChatMessagePage:
    """Every message of the chat (all branches), oldest first, ``count`` from ``start``."""
    chat = chat_get(user=user, chat_id=chat_id)
    messages = Message.objects.filter(user=user, conversation=chat)
    total = messages.count()
    window = messages.order_by("created_at", "pk")[start : start + count]
    records = chat_message_records(window) if start < total else []
    return ChatMessagePage(chat_id=chat.conversation_id, messages=records, start=start, total=total)


def chat_message_get(*, user: User, message_id: str) -> ChatMessageRecord:
    """One of ``user``'s messages by its public id, in whichever chat it is."""
    records = []
    if public_id_is_usable(message_id):
        records = chat_message_records(Message.objects.filter(user=user, message_id=message_id))
    if not records:
        raise NotFound(MESSAGE_NOT_FOUND)
    return records[0]


def conversation_messages_or_message(
    *, user: User, item_id: str
) -> list[MessageRecord] | ChatMessageRecord:
    """decisions.md for ``GET /api/messages/{id}``: the messages of the user's conversation
    with that id (seed 000); else the user's message with that id (seed 003); else the
    conversation lookup's 404. The conversation path costs exactly what it cost alone."""
    try:
        return message_list_for_conversation(user=user, conversation_id=item_id)
    except NotFound:
        if public_id_is_usable(item_id):
            records = chat_message_records(Message.objects.filter(user=user, message_id=item_id))
            if records:
                return records[0]
        raise
