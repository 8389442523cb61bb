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
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from chatcore.errors import Conflict, ConversationNotFound, InvalidInput
from chatcore.expiry import temporary_expiry
from chatcore.models import User, new_public_id
from chatcore.search import sync
from chatcore.tokens import count_tokens
from convos_app.models import DEFAULT_TITLE, Conversation
from messages_app.models import ContentPart, Feedback, Message
from messages_app.rows import content_part_rows, message_row, part_text
from messages_app.search import index_messages
from messages_app.selectors.messages import MessageRecord, message_record_get
from messages_app.signals import reply_saved

MESSAGE_EXISTS = "Message already exists"
INVALID_INDEX = "Invalid index"
CONTENT_PART_NOT_FOUND = "Content part not found"
NON_TEXT_CONTENT = "Cannot update non-text content"

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


def _conversation_upsert(*, user: User, conversation_id: str, message: NewMessage) -> Conversation:
    """The user's conversation with this id, created when missing (LibreChat's ``saveConvo``),
    with ``endpoint``/``model``/``iconURL`` taken from the message when it has them and
    ``updated_at`` bumped so the conversation sorts as just active. A first message with
    ``isTemporary`` makes a new (or still empty) conversation temporary
    (docs/api-behaviour.md#temporary-chats)."""
    conversation, created = Conversation.objects.get_or_create(
        user=user, conversation_id=conversation_id
    )
    changes: dict[str, Any] = {"updated_at": timezone.now()}
    if conversation.expired_at is not None and conversation.expired_at <= changes["updated_at"]:
        raise ConversationNotFound()  # expired is gone, also for writes (until the purge)
    for name in ("endpoint", "model", "icon_url"):
        value = getattr(message, name)
        if value:
            changes[name] = value
    if (
        message.is_temporary
        and not conversation.is_temporary
        and (created or _is_empty(conversation))
    ):
        changes.update(is_temporary=True, expired_at=temporary_expiry(changes["updated_at"]))
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    if "expired_at" in changes:
        conversation.is_temporary, conversation.expired_at = True, changes["expired_at"]
        sync.index_objects(Conversation, [conversation.pk])  # drops its search document
    return conversation


@transaction.atomic
def message_create(*, user: User, conversation_id: str, message: NewMessage) -> MessageRecord:
    """Save one message (and its content parts) into the user's conversation, creating the
    conversation when it does not exist yet.

    An existing ``messageId`` of this user is a 409 and leaves the stored message unchanged
    (LibreChat silently overwrites; docs/api-behaviour.md#message-create). ``tokenCount`` is
    counted when the client did not send one.
    """
    message_id = message.message_id or new_public_id()
    if Message.objects.filter(user=user, message_id=message_id).exists():
        raise Conflict(MESSAGE_EXISTS)
    conversation = _conversation_upsert(user=user, conversation_id=conversation_id, message=message)
    parts = message.content or []
    token_count = message.token_count
    if token_count is None:
        counted = message.text or "\n".join(part_text(part) for part in parts)
        token_count = count_tokens(counted, model=message.model)
    now = timezone.now()
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
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError as exc:
        # A concurrent POST with the same messageId won the unique constraint.
        raise Conflict(MESSAGE_EXISTS) from exc
    ContentPart.objects.bulk_create(content_part_rows(user=user, message=row, parts=parts))
    if parts:  # bulk_create sends no signal: the document must include the parts' text
        index_messages([row.pk])
    if not row.is_created_by_user and conversation.title == DEFAULT_TITLE and _is_first_reply(row):
        # The layer above titles "New Chat" after this transaction commits; a titling failure
        # never fails this write.
        reply_saved.send(
            sender=Message, conversation=conversation, user_text=None, assistant_text=None
        )
    return message_record_get(user=user, pk=row.pk)


def _is_empty(conversation: Conversation) -> bool:
    return not Message.objects.filter(conversation_id=conversation.pk).exists()


def _is_first_reply(message: Message) -> bool:
    return not (
        Message.objects.filter(conversation_id=message.conversation_id, is_created_by_user=False)
        .exclude(pk=message.pk)
        .exists()
    )


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
    if not parts or index > max(parts):
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
