"""Write paths of the Messages API: create, edit, feedback, delete.

Every service is one transaction that either writes everything or nothing. Read-modify-write
services lock the message row (``select_for_update``) before reading what they change, so two
concurrent edits of one message serialise instead of losing each other's token-count delta.
Each returns what the response shows, read back through the selectors. Branching a parallel
response and editing an artifact live in ``services/branch.py`` and ``services/artifact.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from chatcore.errors import Conflict, ConversationNotFound, InvalidInput
from chatcore.expiry import temporary_expiry
from chatcore.inserts import insert_with_parent
from chatcore.models import User, new_public_id
from chatcore.search.sync import index_instances
from chatcore.tokens import count_tokens
from convos_app.models import DEFAULT_TITLE, Conversation
from messages_app.models import ContentPart, Feedback, Message
from messages_app.rows import content_part_rows, message_row, part_text
from messages_app.search_indexes import SEARCHABLE_PART_TYPES
from messages_app.selectors.messages import MessageRecord, message_record_get, message_record_of
from messages_app.signals import reply_saved

MESSAGE_EXISTS = "Message already exists"
INVALID_INDEX = "Invalid index"
CONTENT_PART_NOT_FOUND = "Content part not found"
NON_TEXT_CONTENT = "Cannot update non-text content"
NO_PARTS_HINT = "This message has no content parts; send its new text without an index."

# Content part types whose text a client may edit by index
# (docs/api-behaviour.md#message-edit).
EDITABLE_PART_TYPES = ("text", "think")


@dataclass(frozen=True)
class NewMessage:
    """A validated ``POST /api/messages/{conversationId}`` body (snake_case)."""

    message_id: str | None = None
    parent_message_id: str | None = None
    text: str = ""
    content: list[dict[str, Any]] | None = None
    sender: str | None = None
    is_created_by_user: bool = False
    endpoint: str | None = None
    model: str | None = None
    icon_url: str | None = None
    token_count: int | None = None
    unfinished: bool = False
    error: bool = False
    finish_reason: str | None = None
    thread_id: str | None = None
    is_temporary: bool = False
    attachments: list[Any] | None = None
    files: list[Any] | None = None
    metadata: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _conversation_changes(message: NewMessage, now: datetime) -> dict[str, Any]:
    """What a new message changes on its conversation (LibreChat's ``saveConvo``):
    ``endpoint``/``model``/``iconURL`` when the message has them, and ``updated_at``, so the
    conversation sorts as just active."""
    changes: dict[str, Any] = {"updated_at": now}
    for name in ("endpoint", "model", "icon_url"):
        value = getattr(message, name)
        if value:
            changes[name] = value
    return changes


# Whether the conversation held an assistant message before this one (read in the upsert's
# RETURNING, so it sees the rows as they were before the new message): the first reply into a
# "New Chat" is what gets the conversation a title.
_HAD_REPLY = (
    f'EXISTS (SELECT 1 FROM "{Message._meta.db_table}" earlier '
    f'WHERE earlier."conversation_id" = "{Conversation._meta.db_table}"."id" '
    f'AND NOT earlier."is_created_by_user")'
)
# Whether the conversation held no message before this one: a first message with
# ``isTemporary`` makes a new or still-empty conversation temporary.
_WAS_EMPTY = (
    f'NOT EXISTS (SELECT 1 FROM "{Message._meta.db_table}" earlier '
    f'WHERE earlier."conversation_id" = "{Conversation._meta.db_table}"."id")'
)


@transaction.atomic
def message_create(*, user: User, conversation_id: str, message: NewMessage) -> MessageRecord:
    """Save one message (and its content parts) into the user's conversation, creating the
    conversation when it does not exist yet.

    An existing ``messageId`` of this user is a 409 and leaves the stored message (and the
    conversation) unchanged (LibreChat silently overwrites; docs/api-behaviour.md#message-create).
    ``tokenCount`` is counted when the client did not send one.

    Three statements in its transaction (docs/api-behaviour.md#message-create): the
    conversation upsert and the message insert as one (``ON CONFLICT DO NOTHING``: the 409
    needs no prior ``EXISTS`` nor a savepoint; the first-reply check rides in its
    ``RETURNING``), the parts in one insert (none without parts), and the search documents in
    one upsert built from the inserted values. The answer is built from what was inserted,
    not read back.
    """
    message_id = message.message_id or new_public_id()
    now = timezone.now()
    changes = _conversation_changes(message, now)
    # A new conversation is created temporary by a first message with ``isTemporary``
    # (docs/api-behaviour.md#temporary-chats); the upsert never changes an existing one's
    # expiry (a still-empty one is made temporary below).
    temporary = (
        {"is_temporary": True, "expired_at": temporary_expiry(now)} if message.is_temporary else {}
    )
    conversation = Conversation(
        user=user, conversation_id=conversation_id, created_at=now, **changes, **temporary
    )
    parts = message.content or []
    token_count = message.token_count
    if token_count is None:
        counted = message.text or "\n".join(part_text(part) for part in parts)
        token_count = count_tokens(counted, model=message.model)
    row = message_row(
        user=user,
        conversation=conversation,
        message_id=message_id,
        parent_message_id=message.parent_message_id,
        sender=message.sender,
        text=message.text,
        is_created_by_user=message.is_created_by_user,
        endpoint=message.endpoint,
        model=message.model,
        icon_url=message.icon_url,
        token_count=token_count,
        unfinished=message.unfinished,
        error=message.error,
        finish_reason=message.finish_reason,
        thread_id=message.thread_id,
        # A message is temporary exactly when its conversation is, with the same expiry.
        is_temporary=conversation.is_temporary,
        expired_at=conversation.expired_at,
        attachments=message.attachments,
        files=message.files,
        metadata=message.metadata,
        extra=message.extra,
        created_at=now,
    )
    # The conversation is created when missing or updated (its row lock serialises concurrent
    # posts, as get_or_create + update did), and the message inserted, in one statement.
    returned, message_pk = insert_with_parent(
        conversation,
        row,
        parent_conflict=("user_id", "conversation_id"),
        parent_update=tuple(changes),
        parent_returning=(
            '"title"',
            _HAD_REPLY if not row.is_created_by_user else "NULL",
            '"expired_at"',
            _WAS_EMPTY if message.is_temporary else "NULL",
        ),
        child_conflict=("user_id", "message_id"),
        child_link="conversation_id",
    )
    title, had_reply, expired_at, was_empty, conversation_created = returned
    if expired_at is not None and expired_at <= now:
        # Expired is gone, for writes too (until the purge deletes it): the transaction rolls
        # back, upsert and insert included (docs/api-behaviour.md#temporary-chats).
        raise ConversationNotFound()
    if message_pk is None:
        # This user already has the id (or a concurrent POST with it won): the transaction
        # rolls back, so the conversation's upsert is undone too.
        raise Conflict(MESSAGE_EXISTS)
    conversation.title = title
    if message.is_temporary and not conversation_created and expired_at is None:
        # An existing conversation: a still-empty one becomes temporary with this first
        # message; one that already has messages stays as it is, and so does this message
        # (the row was built as if the conversation were new).
        if was_empty:
            expired_at = temporary_expiry(now)
            Conversation.objects.filter(pk=conversation.pk).update(
                is_temporary=True, expired_at=expired_at
            )
        Message.objects.filter(pk=message_pk).update(
            is_temporary=expired_at is not None, expired_at=expired_at
        )
        row.is_temporary, row.expired_at = expired_at is not None, expired_at
        conversation.is_temporary, conversation.expired_at = expired_at is not None, expired_at
    part_rows = content_part_rows(user=user, message=row, parts=parts)
    if part_rows:
        ContentPart.objects.bulk_create(part_rows)
    # The documents come from the instances (no signal, no re-read): the message with its
    # searchable parts' text and, for a new conversation, the conversation (no tags yet).
    row.search_part_texts = [part.text for part in part_rows if part.type in SEARCHABLE_PART_TYPES]
    documents: list[Any] = [row]
    if conversation_created:
        conversation.search_tag_names = []
        documents.insert(0, conversation)
    if (
        expired_at is None
    ):  # temporary chats are not indexed (docs/api-behaviour.md#temporary-chats)
        index_instances(documents)
    if not row.is_created_by_user and title == DEFAULT_TITLE and not had_reply:
        # The layer above titles "New Chat" after this transaction commits; a titling failure
        # never fails this write.
        reply_saved.send(
            sender=Message, conversation=conversation, user_text=None, assistant_text=None
        )
    return message_record_of(row, content=[part.payload for part in part_rows] or None)


def _message_for_update(*, user: User, conversation_id: str, message_id: str) -> Message:
    """Lock and return one message of one of ``user``'s conversations: 404 "Conversation not
    found" for the conversation, then 404 "Message not found" for the message."""
    conversation = Conversation.objects.only("pk").access(user, conversation_id)
    return Message.objects.access(user, message_id, conversation=conversation, lock=True)


@transaction.atomic
def message_text_update(
    *, user: User, conversation_id: str, message_id: str, text: str, model: str | None = None
) -> MessageRecord:
    """Replace a message's whole ``text``; ``tokenCount`` becomes the new text's count for
    ``model`` (or the message's own model)."""
    message = _message_for_update(user=user, conversation_id=conversation_id, message_id=message_id)
    message.text = text
    message.token_count = count_tokens(text, model=model or message.model)
    message.updated_at = timezone.now()
    message.save(update_fields=["text", "token_count", "updated_at"])
    return message_record_get(user=user, pk=message.pk)


def _replace_part_text(payload: Mapping[str, Any], text: str) -> dict[str, Any]:
    """A copy of ``payload`` with its text replaced and every other key kept; structured
    ``{value, annotations}`` text keeps its annotations."""
    updated = dict(payload)
    key = str(payload["type"])
    current = payload.get(key)
    if isinstance(current, Mapping) and "value" in current:
        updated[key] = {**current, "value": text}
    else:
        updated[key] = text
    return updated


@transaction.atomic
def message_content_part_update(
    *,
    user: User,
    conversation_id: str,
    message_id: str,
    index: int,
    text: str,
    model: str | None = None,
) -> MessageRecord:
    """Replace the text of content part ``index`` (only ``text`` and ``think`` parts).

    The message row is locked first, so concurrent edits of different parts both land and the
    token-count adjustment (old part's tokens out, new part's in) is never computed from a
    stale count.
    """
    message = _message_for_update(user=user, conversation_id=conversation_id, message_id=message_id)
    parts = {part.index: part for part in ContentPart.objects.filter(message=message)}
    if not parts:
        # A text-only message has no parts to index (the README's edit example trips here
        # otherwise): the error stays LibreChat's, the message says what to send instead.
        raise InvalidInput(INVALID_INDEX, message=NO_PARTS_HINT)
    if index > max(parts):
        raise InvalidInput(INVALID_INDEX)
    part = parts.get(index)
    if part is None:
        raise InvalidInput(CONTENT_PART_NOT_FOUND)
    if part.type not in EDITABLE_PART_TYPES:
        raise InvalidInput(NON_TEXT_CONTENT)
    old_text = part.text
    part.payload = _replace_part_text(part.payload, text)
    part.text = text
    part.save(update_fields=["payload", "text"])
    fields = ["updated_at"]
    if message.token_count is not None:
        counting_model = model or message.model
        removed = count_tokens(old_text, model=counting_model)
        message.token_count = max(0, message.token_count - removed) + count_tokens(
            text, model=counting_model
        )
        fields.append("token_count")
    message.updated_at = timezone.now()
    message.save(update_fields=fields)
    return message_record_get(user=user, pk=message.pk)


def message_update(
    *,
    user: User,
    conversation_id: str,
    message_id: str,
    text: str,
    index: int | None = None,
    model: str | None = None,
) -> MessageRecord:
    """``PUT /api/messages/{c}/{m}``: one content part when ``index`` is given, else the text."""
    ids = {"user": user, "conversation_id": conversation_id, "message_id": message_id}
    if index is not None:
        return message_content_part_update(**ids, index=index, text=text, model=model)
    return message_text_update(**ids, text=text, model=model)


@dataclass(frozen=True)
class FeedbackInput:
    """Validated feedback. ``comment_key`` records whether the client said ``text`` or
    ``comment`` so the response echoes its own key."""

    rating: str
    tag: str | None = None
    text: str | None = None
    comment_key: str = Feedback.CommentKey.TEXT


@transaction.atomic
def feedback_upsert(
    *, user: User, conversation_id: str, message_id: str, feedback: FeedbackInput | None
) -> MessageRecord:
    """Set (or, with ``None``, clear) the thumbs feedback of one message."""
    message = _message_for_update(user=user, conversation_id=conversation_id, message_id=message_id)
    if feedback is None:
        Feedback.objects.filter(message=message).delete()
    else:
        Feedback.objects.update_or_create(
            message=message,
            defaults={
                "user": user,
                "rating": feedback.rating,
                "tag": feedback.tag,
                "text": feedback.text,
                "comment_key": feedback.comment_key,
            },
        )
    message.updated_at = timezone.now()
    message.save(update_fields=["updated_at"])
    return message_record_get(user=user, pk=message.pk)


@transaction.atomic
def message_delete(*, user: User, conversation_id: str, message_id: str) -> None:
    """Delete one message (its own parts and feedback go with it). Its children keep their
    ``parentMessageId``: deleting never cascades through the tree
    (docs/api-behaviour.md#message-delete)."""
    message = _message_for_update(user=user, conversation_id=conversation_id, message_id=message_id)
    message.delete()
