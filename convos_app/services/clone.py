"""Copy chosen messages of a conversation into a brand-new conversation (fork and duplicate).

Cloning (docs/api-behaviour.md#cloning), with chatcore's guarantees: fresh UUIDv4 ids for the
conversation and every message, parents remapped through the old→new map (a parent that is not
copied makes the copy a root; a cycle is broken), children strictly later than their parents (the +1
ms rule, applied in parent-first order so it holds for every copied pair), ``updatedAt`` kept,
content parts and feedback copied, the source's tags inherited with exact counts. Everything is
written with ``bulk_create`` (a bounded number of statements, docs/architecture.md#bulk-writes)
inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from chatcore.models import NO_PARENT, User, new_public_id
from convos_app.models import TITLE_MAX_LENGTH, Conversation
from convos_app.search import index_conversation_trees
from convos_app.selectors.conversations import conversation_get_for_user
from messages_app.models import ContentPart, Feedback, Message
from messages_app.rows import content_part_row, message_row
from messages_app.trees import TreeNode, topological_order
from tags_app.services import tag_links_copy

DEFAULT_ENDPOINT = "openAI"
DEFAULT_MODEL = "gpt-4o-mini"
BATCH_SIZE = 1_000
ONE_MS = timedelta(milliseconds=1)

# Conversation columns that are not copied as they are.
# A copy is not pinned (pinning is the user's choice about that one conversation); it stays in
# the source's project only when the copy is the same user's (docs/api-behaviour.md#projects).
_CONVERSATION_SKIP = {
    "id",
    "user",
    "conversation_id",
    "title",
    "created_at",
    "updated_at",
    "pinned",
    "project",
}
# Message columns set by the copy itself.
_MESSAGE_SKIP = {"id", "user", "conversation", "message_id", "parent_message_id", "created_at"}


@dataclass(frozen=True)
class ConversationCopy:
    conversation: Conversation
    messages: list[Message]  # ascending createdAt, parts and feedback prefetched


def copied_messages(conversation: Conversation) -> QuerySet[Message]:
    """The new conversation's messages as the response shows them (3 queries)."""
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("conversation", "feedback")
        .prefetch_related("content_parts")
        .order_by("created_at", "pk")
    )


def _new_conversation(*, user: User, source: Conversation, title: str) -> Conversation:
    now = timezone.now()
    values = {
        field.attname: getattr(source, field.attname)
        for field in Conversation._meta.concrete_fields
        if field.name not in _CONVERSATION_SKIP
    }
    values["settings"] = dict(source.settings or {})
    values["endpoint"] = source.endpoint or DEFAULT_ENDPOINT
    values["model"] = source.model or DEFAULT_MODEL
    values["project_id"] = source.project_id if source.user_id == user.pk else None
    return Conversation.objects.create(
        user=user,
        conversation_id=new_public_id(),
        title=title[:TITLE_MAX_LENGTH],
        created_at=now,
        updated_at=now,
        **values,
    )


def conversation_clone(
    *,
    user: User,
    source: Conversation,
    messages: Mapping[str, Message],
    nodes: Sequence[TreeNode],
    title: str,
) -> ConversationCopy:
    """Create the copy of ``source`` holding the ``nodes`` (message ids with their parents).

    ``messages`` maps each source message id to its row; ``nodes`` may carry rewritten parents
    (split at target level re-roots messages). Content parts and feedback come along and the
    source's tags are inherited. Call inside a transaction.
    """
    id_of = {row.pk: message_id for message_id, row in messages.items()}
    parts: dict[str, list[Mapping[str, Any]]] = {}
    for message_pk, payload in (
        ContentPart.objects.filter(message__conversation=source)
        .order_by("message_id", "index")
        .values_list("message_id", "payload")
    ):
        if message_pk in id_of:
            parts.setdefault(id_of[message_pk], []).append(payload)
    feedback = {
        id_of[row.message_id]: row
        for row in Feedback.objects.filter(message__conversation=source)
        if row.message_id in id_of
    }
    conversation = tree_clone(
        user=user,
        template=source,
        messages=messages,
        nodes=nodes,
        title=title,
        parts=parts,
        feedback=feedback,
    )
    tag_links_copy(source=source, targets=[conversation])
    return conversation_copy_result(user=user, conversation=conversation)


def tree_clone(
    *,
    user: User,
    template: Conversation,
    messages: Mapping[str, Message],
    nodes: Sequence[TreeNode],
    title: str,
    parts: Mapping[str, Sequence[Mapping[str, Any]]],
    feedback: Mapping[str, Feedback],
) -> Conversation:
    """The copying core every clone shares: a new conversation of ``user`` with the fields of
    ``template`` (which may be an unsaved instance) and copies of the ``nodes``.

    ``messages`` maps each source id to a row to copy columns from (unsaved rows work: fork
    from a shared link copies its snapshot this way); ``parts`` and ``feedback`` are keyed by
    source id. Fresh ids, remapped parents and the +1 ms rule as described above. Call inside
    a transaction.
    """
    conversation = _new_conversation(user=user, source=template, title=title)
    new_ids: dict[str, str] = {}
    new_created: dict[str, datetime] = {}
    copies: list[Message] = []
    copy_of: dict[str, Message] = {}  # source message id -> its copy
    for node in topological_order(nodes):
        original = messages[node.id]
        parent = new_ids.get(node.parent, NO_PARENT)
        created_at = original.created_at
        if parent != NO_PARENT and created_at <= new_created[parent]:
            created_at = new_created[parent] + ONE_MS
        values = {
            field.attname: getattr(original, field.attname)
            for field in Message._meta.concrete_fields
            if field.name not in _MESSAGE_SKIP
        }
        extra = dict(original.extra or {})
        if "isEdited" in extra:
            extra["isEdited"] = False
        values.update(endpoint=conversation.endpoint, unfinished=False, error=False, extra=extra)
        copy = message_row(
            user=user,
            conversation=conversation,
            parent_message_id=parent,
            created_at=created_at,
            **values,
        )
        new_ids[node.id] = copy.message_id
        new_created[copy.message_id] = created_at
        copies.append(copy)
        copy_of[node.id] = copy
    Message.objects.bulk_create(copies, batch_size=BATCH_SIZE)

    part_rows = [
        content_part_row(user=user, message=copy, index=index, payload=payload)
        for source_id, copy in copy_of.items()
        for index, payload in enumerate(parts.get(source_id, ()))
    ]
    ContentPart.objects.bulk_create(part_rows, batch_size=BATCH_SIZE)
    feedback_rows = [
        Feedback(
            user=user,
            message=copy_of[source_id],
            rating=row.rating,
            tag=row.tag,
            text=row.text,
            comment_key=row.comment_key,
        )
        for source_id, row in feedback.items()
        if source_id in copy_of
    ]
    Feedback.objects.bulk_create(feedback_rows, batch_size=BATCH_SIZE)
    index_conversation_trees([conversation.pk])  # bulk writes send no signals
    return conversation


def conversation_copy_result(*, user: User, conversation: Conversation) -> ConversationCopy:
    """The new conversation and its messages as the copy routes answer them."""
    return ConversationCopy(
        conversation=conversation_get_for_user(
            user=user, conversation_id=conversation.conversation_id
        ),
        messages=list(copied_messages(conversation)),
    )
