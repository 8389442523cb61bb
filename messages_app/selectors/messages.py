"""Read paths of the Messages API: every query starts scoped to the requesting user
(docs/architecture.md#services-and-selectors).

Messages leave the database as ``MessageRecord``s built from ``values_list`` rows rather than
model instances: a conversation of thousands of messages is read in two queries (the
conversation, then the messages with their feedback and their content parts) and
rendered without instantiating a model per row, which keeps the whole-conversation read
close to the cost of the raw rows.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.contrib.postgres.aggregates import JSONBAgg
from django.db.models import JSONField, OuterRef, QuerySet, Subquery

from chatcore.errors import MessageNotFound
from chatcore.inserts import stored_json
from chatcore.models import User
from chatcore.pagination import paginate_keyset
from chatcore.serializers import IsoSQL, iso
from chatcore.sql import queryset_rows
from convos_app.models import Conversation
from messages_app import search as search_api
from messages_app.models import ContentPart, Message

# LibreChat's placeholder id of an unsaved chat: its message list is empty, never a 404.
NEW_CONVERSATION_ID = "new"

SortField = Literal["endpoint", "createdAt", "updatedAt"]
SORT_FIELDS: dict[str, str] = {
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "endpoint": "endpoint",
}


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    rating: str
    tag: str | None
    text: str | None
    comment_key: str


@dataclass(slots=True)
class MessageRecord:
    """One message as the API shows it: columns, ordered content payloads, feedback.

    Not ``frozen``: a frozen dataclass sets each of its 23 fields through
    ``object.__setattr__``, which made building the records of a 2,000-message read ten times
    slower (6.3 ms against 0.6 ms). Nothing mutates a record once built."""

    pk: int
    message_id: str
    conversation_id: str
    parent_message_id: str
    sender: str
    text: str
    is_created_by_user: bool
    endpoint: str | None
    model: str | None
    token_count: int | None
    unfinished: bool
    error: bool
    finish_reason: str | None
    icon_url: str | None
    thread_id: str | None
    attachments: Any
    files: Any
    metadata: Any
    created_at: str  # the wire text (``iso``), written by the database (``IsoSQL``)
    updated_at: str
    content: list[dict[str, Any]] | None
    feedback: FeedbackRecord | None
    cost: Decimal | None = None  # USD, where known (docs/api-behaviour.md#usage-ledger)


@dataclass(frozen=True)
class MessagePage:
    messages: list[MessageRecord]
    next_cursor: str | None


_COLUMNS = (
    "pk",
    "message_id",
    "conversation__conversation_id",
    "parent_message_id",
    "sender",
    "text",
    "is_created_by_user",
    "endpoint",
    "model",
    "token_count",
    "unfinished",
    "error",
    "finish_reason",
    "icon_url",
    "thread_id",
    "attachments",
    "files",
    "metadata",
    IsoSQL("created_at"),
    IsoSQL("updated_at"),
    "feedback__rating",
    "feedback__tag",
    "feedback__text",
    "feedback__comment_key",
    "cost",
)


def _parts_of_each() -> Subquery:
    """Each message's part payloads as one ``jsonb`` array in part order, NULL without parts:
    a per-row probe of the ``(message, index)`` index, in the message query itself."""
    return Subquery(
        ContentPart.objects.filter(message=OuterRef("pk"))
        .values("message")
        .annotate(payloads=JSONBAgg("payload", order_by="index"))
        .values("payloads"),
        output_field=JSONField(),
    )


def message_records(
    queryset: QuerySet[Message], *, inline_parts: bool = False
) -> list[MessageRecord]:
    """Records for ``queryset`` in its order: one query for the messages and their feedback,
    one for all their content parts (none when there are no messages).

    ``inline_parts`` reads the parts in the message query instead (one statement, and no
    ``IN`` list of every message id; a message without parts costs an index probe that finds
    nothing): for the whole-conversation read, where that list held thousands of ids even
    when no message had parts.
    """
    if inline_parts:
        rows = queryset_rows(queryset.values_list(*_COLUMNS, _parts_of_each()))
        return [
            MessageRecord(
                *row[:20],
                content=row[25],
                feedback=None if row[20] is None else FeedbackRecord(*row[20:24]),
                cost=row[24],
            )
            for row in rows
        ]
    rows = queryset_rows(queryset.values_list(*_COLUMNS))
    if not rows:
        return []
    parts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    part_rows = (
        ContentPart.objects.filter(message_id__in=[row[0] for row in rows])
        .order_by("message_id", "index")
        .values_list("message_id", "payload")
    )
    for message_pk, payload in queryset_rows(part_rows):
        parts[message_pk].append(payload)
    return [
        MessageRecord(
            *row[:20],
            content=parts.get(row[0]),
            feedback=None if row[20] is None else FeedbackRecord(*row[20:24]),
            cost=row[24],
        )
        for row in rows
    ]


def message_record_of(message: Message, *, content: list[dict[str, Any]] | None) -> MessageRecord:
    """The record of a message a write path has just inserted, from its instance (no
    re-read): ``content`` is the payloads it inserted, and a new message has no feedback.
    JSON values are put in the order their ``jsonb`` columns give them back, so the answer is
    the one a re-read would give."""
    return MessageRecord(
        pk=message.pk,
        message_id=message.message_id,
        conversation_id=message.conversation.conversation_id,
        parent_message_id=message.parent_message_id,
        sender=message.sender,
        text=message.text,
        is_created_by_user=message.is_created_by_user,
        endpoint=message.endpoint,
        model=message.model,
        token_count=message.token_count,
        unfinished=message.unfinished,
        error=message.error,
        finish_reason=message.finish_reason,
        icon_url=message.icon_url,
        thread_id=message.thread_id,
        attachments=stored_json(message.attachments),
        files=stored_json(message.files),
        metadata=stored_json(message.metadata),
        created_at=iso(message.created_at),
        updated_at=iso(message.updated_at),
        content=stored_json(content),
        feedback=None,
    )


def message_record_get(*, user: User, pk: int) -> MessageRecord:
    """The record of one message of ``user`` by primary key (after a write, for the response)."""
    records = message_records(Message.objects.filter(user=user, pk=pk))
    if not records:
        raise MessageNotFound()
    return records[0]


def _conversation(*, user: User, conversation_id: str) -> Conversation:
    """Only the primary key: the messages are what is read, the conversation scopes them."""
    return Conversation.objects.only("pk").access(user, conversation_id)


def message_list_for_conversation(*, user: User, conversation_id: str) -> list[MessageRecord]:
    """All messages of one of ``user``'s conversations, oldest first (``new`` → none).

    This is the lookup behind ``GET /api/messages/{id}``; an id that names no conversation of
    the user answers 404 "Conversation not found" from here.
    """
    if conversation_id == NEW_CONVERSATION_ID:
        return []
    conversation = _conversation(user=user, conversation_id=conversation_id)
    return message_records(
        Message.objects.filter(user=user, conversation=conversation).order_by("created_at", "pk"),
        inline_parts=True,
    )


def message_get_in_conversation(
    *, user: User, conversation_id: str, message_id: str
) -> MessageRecord:
    """One message of one of ``user``'s conversations; 404 for either id being unknown."""
    conversation = _conversation(user=user, conversation_id=conversation_id)
    records = message_records(Message.objects.owned(user, message_id, conversation=conversation))
    if not records:
        raise MessageNotFound()
    return records[0]


@dataclass(slots=True)
class MessageSearchRecord(MessageRecord):
    """A search hit: the message plus its conversation's title and model
    (docs/api-behaviour.md#search-results)
    and an HTML-escaped snippet with the matches in ``<mark>`` (``searchResult``)."""

    title: str = ""
    conversation_model: str | None = None
    search_result: str = ""


def message_search(*, user: User, query: str, cursor: str | None, page_size: int) -> MessagePage:
    """Full-text search over ``user``'s messages (``GET /api/messages?search=``): ranked by
    relevance then recency, a signed cursor per page; temporary chats are left out as in
    LibreChat. Query problems (too long, NUL, nothing searchable) answer 400."""
    found = search_api.message_search(user=user, query=query, cursor=cursor, page_size=page_size)
    pks = [hit.message_pk for hit in found.hits]
    records = message_records(
        Message.objects.filter(user=user, pk__in=pks, conversation__expired_at__isnull=True)
    )
    by_pk = {record.pk: record for record in records}
    conversations = dict(
        (row[0], row[1:])
        for row in Conversation.objects.filter(
            user=user, conversation_id__in={record.conversation_id for record in records}
        ).values_list("conversation_id", "title", "model")
    )
    results: list[MessageRecord] = []
    for hit in found.hits:
        record = by_pk.get(hit.message_pk)
        if record is None:
            continue
        title, model = conversations.get(record.conversation_id, ("", None))
        values = {name: getattr(record, name) for name in MessageRecord.__dataclass_fields__}
        snippet = hit.snippet or html.escape(record.text[:240], quote=False)
        results.append(
            MessageSearchRecord(
                **values, title=title, conversation_model=model, search_result=snippet
            )
        )
    return MessagePage(messages=results, next_cursor=found.next_cursor)


def message_list(
    *,
    user: User,
    conversation_id: str | None = None,
    message_id: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    page_size: int = 25,
    sort_by: SortField = "createdAt",
    descending: bool = True,
) -> MessagePage:
    """``GET /api/messages``: search, a single lookup, or a keyset page of messages.

    Without ``conversationId`` the page spans all of the user's messages (the per-user indexes
    serve every sort order); a cursor is bound to the user, conversation and ordering it was
    minted for, so it cannot be replayed against another list.
    """
    if search:
        return message_search(user=user, query=search, cursor=cursor, page_size=page_size)
    queryset = Message.objects.for_user(user)
    conversation_pk: int | None = None
    if conversation_id:
        conversation = _conversation(user=user, conversation_id=conversation_id)
        conversation_pk = conversation.pk
        queryset = queryset.filter(conversation=conversation)
    if message_id:
        found = queryset.owned(user, message_id)
        return MessagePage(messages=message_records(found), next_cursor=None)
    sort_field = SORT_FIELDS[sort_by]
    page = paginate_keyset(
        queryset.only("pk", sort_field),
        scope=f"messages:{user.pk}:{conversation_pk or '*'}",
        sort_field=sort_field,
        descending=descending,
        cursor=cursor,
        page_size=page_size,
        nullable=sort_field == "endpoint",
    )
    return MessagePage(
        messages=_records_in_order(user=user, messages=page.items), next_cursor=page.next_cursor
    )


def _records_in_order(*, user: User, messages: Iterable[Message]) -> list[MessageRecord]:
    pks = [message.pk for message in messages]
    if not pks:
        return []
    records = message_records(Message.objects.filter(user=user, pk__in=pks))
    by_pk = {record.pk: record for record in records}
    return [by_pk[pk] for pk in pks]
