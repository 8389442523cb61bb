"""Shared links: publish, re-publish and revoke a read-only snapshot of a conversation, and fork
one into the caller's account (docs/api-behaviour.md#shared-links).

A link is a snapshot, not a live view: publishing copies the chosen messages into
``SharedMessage`` rows, already anonymized, so what a reader sees cannot change (or leak
something added later) until the owner re-publishes. With a target message only the path from
the root to it is copied. Message and conversation ids are replaced by share-scoped ones
(``convos_app.models.share_scoped_id``): stable for one share across re-publishes, unlinkable
between shares and to the owner's ids. No owner, feedback, files, attachments,
metadata or non-text content parts are copied; endpoint and model are withheld when the owner
publishes with ``hideModel``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from chatcore.errors import Conflict, InvalidInput, MessageNotFound, NotFound
from chatcore.models import NO_PARENT, User
from convos_app.models import (
    SHARE_NOT_FOUND,
    Conversation,
    SharedLink,
    SharedMessage,
    share_scoped_id,
)
from convos_app.services.clone import ConversationCopy, conversation_copy_result, tree_clone
from convos_app.services.fork import FORK_TITLE_SUFFIX, source_conversation_lock, source_messages
from messages_app.models import ContentPart, Message
from messages_app.rows import USER_SENDER, part_text
from messages_app.trees import TreeNode, direct_path

SHARE_ID_BYTES = 24  # 192 bits from ``secrets``: unguessable, never derived from anything
SHARED_PART_TYPES = ("text", "think", "error")
HIDDEN_SENDER = "Assistant"
BATCH_SIZE = 1_000
TARGET_TAKEN = "This conversation already has a shared link for that message"
REVISION_STALE = "The shared conversation was updated since it was loaded; reload it and retry"
INDEX_OUT_OF_RANGE = "targetMessageIndex is not the index of a shared message"
UNCHANGED = object()


def new_share_id() -> str:
    return secrets.token_urlsafe(SHARE_ID_BYTES)


def revision_now() -> datetime:
    """A publish time at the wire's millisecond precision, so the ``updatedAt`` a reader got
    back compares equal as ``shareRevision``."""
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def shared_part(payload: Mapping[str, Any]) -> dict[str, str] | None:
    """A content part as a share shows it: text-like parts as plain ``{type, <type>: text}``
    (annotations, file citations and agent ids dropped); images, files and tool calls not at all."""
    kind = payload.get("type")
    if kind not in SHARED_PART_TYPES:
        return None
    return {"type": kind, kind: part_text(payload)}


def _parts_by_message(
    conversation: Conversation, messages: Iterable[Message]
) -> dict[int, list[dict[str, Any]]]:
    """The shared parts of the chosen messages, by message pk (one query, joined on the
    conversation rather than an ``IN`` list as long as the conversation)."""
    chosen = {row.pk for row in messages}
    parts: dict[int, list[dict[str, Any]]] = {}
    for message_pk, payload in (
        ContentPart.objects.filter(message__conversation=conversation)
        .order_by("message_id", "index")
        .values_list("message_id", "payload")
    ):
        part = shared_part(payload) if message_pk in chosen else None
        if part is not None:
            parts.setdefault(message_pk, []).append(part)
    return parts


def _snapshot(link: SharedLink, conversation: Conversation) -> None:
    """Replace the link's snapshot with the conversation as it is now (the path to the
    target when there is one) and refresh its title, expiry and revision."""
    messages = source_messages(conversation)
    chosen: Sequence[str] = list(messages)
    if link.target_message_id is not None:
        if link.target_message_id not in messages:
            raise MessageNotFound()
        nodes = [TreeNode(row.message_id, row.parent_message_id) for row in messages.values()]
        on_path = set(direct_path(nodes, link.target_message_id))
        chosen = [message_id for message_id in messages if message_id in on_path]
    rows = [messages[message_id] for message_id in chosen]
    parts = _parts_by_message(conversation, rows)
    included = set(chosen)
    SharedMessage.objects.filter(link=link).delete()
    SharedMessage.objects.bulk_create(
        [
            SharedMessage(
                link=link,
                position=position,
                message_id=share_scoped_id(link.share_id, row.message_id),
                parent_message_id=(
                    share_scoped_id(link.share_id, row.parent_message_id)
                    if row.parent_message_id in included
                    else NO_PARENT
                ),
                sender=_sender(row, hide_model=link.hide_model),
                text=row.text,
                content=parts.get(row.pk),
                is_created_by_user=row.is_created_by_user,
                endpoint=None if link.hide_model else row.endpoint,
                model=None if link.hide_model else row.model,
                error=row.error,
                unfinished=row.unfinished,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for position, row in enumerate(rows)
        ],
        batch_size=BATCH_SIZE,
    )
    link.title = conversation.title
    link.expires_at = conversation.expired_at
    link.updated_at = revision_now()
    link.save(
        update_fields=["title", "expires_at", "updated_at", "target_message_id", "hide_model"]
    )


def _sender(row: Message, *, hide_model: bool) -> str:
    """The owner's own messages always read "User" (a client may put a name there)."""
    if row.is_created_by_user:
        return USER_SENDER
    return HIDDEN_SENDER if hide_model else row.sender


@transaction.atomic
def shared_link_create(
    *,
    user: User,
    conversation_id: str,
    target_message_id: str | None = None,
    hide_model: bool = False,
) -> tuple[SharedLink, bool]:
    """Publish the user's conversation (or the path to one message of it); ``(link, created)``.

    One link per (conversation, target): a second create, also a concurrent one, answers the
    existing link unchanged (re-publishing is ``shared_link_update``'s job). Concurrent creates
    serialise on the conversation's row lock, and the unique constraint backs that up.
    """
    conversation = source_conversation_lock(user=user, conversation_id=conversation_id)
    existing = (
        SharedLink.objects.filter(conversation=conversation, target_message_id=target_message_id)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing, False
    now = revision_now()
    share_id = new_share_id()
    link = SharedLink.objects.create(
        user=user,
        conversation=conversation,
        share_id=share_id,
        target_message_id=target_message_id,
        title=conversation.title,
        public_conversation_id=share_scoped_id(share_id, conversation.conversation_id),
        hide_model=hide_model,
        created_at=now,
        updated_at=now,
    )
    _snapshot(link, conversation)
    return link, True


@transaction.atomic
def shared_link_update(
    *,
    user: User,
    share_id: str,
    target_message_id: Any = UNCHANGED,
    hide_model: bool | None = None,
) -> SharedLink:
    """Re-publish the user's link under the same id from the conversation as it is now,
    optionally for another target (``None``: the whole conversation) or model visibility."""
    # The conversation's lock first, then the link's: the order a conversation delete takes.
    found = SharedLink.objects.select_related("conversation").access(user, share_id)
    conversation = source_conversation_lock(
        user=user, conversation_id=found.conversation.conversation_id
    )
    link = SharedLink.objects.access(user, share_id, lock=True)
    if target_message_id is not UNCHANGED:
        link.target_message_id = target_message_id
    if hide_model is not None:
        link.hide_model = hide_model
    try:
        with transaction.atomic():
            _snapshot(link, conversation)
    except IntegrityError as exc:
        raise Conflict(TARGET_TAKEN) from exc
    return link


@transaction.atomic
def shared_link_revoke(*, user: User, share_id: str) -> str:
    """Delete the user's link and its snapshot; from then on its id answers the one 404."""
    link = SharedLink.objects.access(user, share_id, lock=True)
    link.delete()
    return share_id


@transaction.atomic
def shared_links_revoke_by_pks(*, link_pks: Sequence[int]) -> int:
    """Revoke links of any users by primary key (the admin's action)."""
    _, per_model = SharedLink.objects.filter(pk__in=list(link_pks)).delete()
    return per_model.get(SharedLink._meta.label, 0)


@transaction.atomic
def shared_link_fork(
    *,
    user: User,
    share_id: str,
    target_message_index: int | None = None,
    share_revision: datetime | None = None,
) -> ConversationCopy:
    """Copy a link's snapshot into a new conversation of ``user`` (the same cloning rules as
    fork and duplicate: docs/api-behaviour.md#cloning), reduced to the path to the message at
    ``target_message_index`` when given. A ``share_revision`` other than the link's current
    ``updatedAt`` is a 409: the index would point into a different snapshot."""
    link = SharedLink.objects.named(share_id).first()
    if link is None:
        raise NotFound(SHARE_NOT_FOUND)
    if share_revision is not None and share_revision != link.updated_at:
        raise Conflict(REVISION_STALE)
    snapshot = list(SharedMessage.objects.filter(link=link).order_by("position"))
    nodes = [TreeNode(row.message_id, row.parent_message_id) for row in snapshot]
    if target_message_index is not None:
        if not 0 <= target_message_index < len(snapshot):
            raise InvalidInput(
                INDEX_OUT_OF_RANGE, fields={"targetMessageIndex": [INDEX_OUT_OF_RANGE]}
            )
        on_path = set(direct_path(nodes, snapshot[target_message_index].message_id))
        nodes = [node for node in nodes if node.id in on_path]
    latest = next((row for row in reversed(snapshot) if row.endpoint or row.model), None)
    conversation = tree_clone(
        user=user,
        template=Conversation(
            endpoint=latest.endpoint if latest else None,
            model=latest.model if latest else None,
        ),
        messages={row.message_id: _as_message(row) for row in snapshot},
        nodes=nodes,
        title=f"{link.title}{FORK_TITLE_SUFFIX}",
        parts={row.message_id: row.content or [] for row in snapshot},
        feedback={},
    )
    return conversation_copy_result(user=user, conversation=conversation)


def _as_message(row: SharedMessage) -> Message:
    """An unsaved message with the snapshot row's columns, for the cloning core to copy."""
    return Message(
        message_id=row.message_id,
        parent_message_id=row.parent_message_id,
        sender=row.sender,
        text=row.text,
        is_created_by_user=row.is_created_by_user,
        endpoint=row.endpoint,
        model=row.model,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
