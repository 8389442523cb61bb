"""Set-based deletion of conversations with their messages, parts, feedback and tag links.

Used by ``DELETE /api/convos``, ``DELETE /api/convos/all``, the chats API and the admin. A
conversation's whole subtree goes in a bounded number of statements per chunk of 5,000 conversations
(docs/architecture.md#bulk-writes) — never one query per message as Django's deletion collector
would run — and in the caller's single transaction. Tag counts drop by the links really removed, so
they stay exact (docs/api-behaviour.md#tag-counts). Rows of other apps that point at a conversation
or a message (foreign keys with CASCADE / SET_NULL) are handled by
``chatcore.bulk.delete_set_based``, so a new related model does not break deletion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models, transaction

from chatcore.bulk import delete_set_based
from chatcore.models import User
from convos_app.models import Conversation
from convos_app.search import remove_conversations
from messages_app.models import Message
from tags_app.services import tag_counts_release

CHUNK = 5_000


@dataclass(frozen=True)
class ConversationDeleteResult:
    conversations: int
    messages: int


def conversation_rows_delete(*, conversation_pks: Sequence[int]) -> ConversationDeleteResult:
    """Delete the conversations with these primary keys and everything under them.

    The unscoped primitive: callers scope (by user) and lock the rows first, and call it inside
    their transaction. Returns the real numbers of conversations and messages deleted.
    """

    conversations = messages = 0
    pks = list(conversation_pks)
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        tag_counts_release(conversation_pks=chunk)
        # Search documents cascade in PostgreSQL; a queued engine needs the removal sent.
        remove_conversations(chunk)
        messages += delete_set_based(Message.objects.filter(conversation_id__in=chunk))
        conversations += delete_set_based(
            Conversation.objects.filter(pk__in=chunk), skip=(Message,)
        )
    return ConversationDeleteResult(conversations=conversations, messages=messages)


def _locked_pks(queryset: models.QuerySet[Conversation]) -> list[int]:
    return list(queryset.select_for_update().order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def conversation_delete(*, user: User, conversation_id: str) -> ConversationDeleteResult:
    """Delete one of the user's conversations; ``ConversationNotFound`` if it is not theirs /
    not there."""
    conversation = Conversation.objects.only("pk").access(user, conversation_id, lock=True)
    return conversation_rows_delete(conversation_pks=[conversation.pk])


@transaction.atomic
def conversations_delete_all(*, user: User) -> ConversationDeleteResult:
    """Delete every conversation of the user (expired ones too, which no read shows any
    more); an empty account answers zeros (not an error)."""
    return conversation_rows_delete(
        conversation_pks=_locked_pks(Conversation.objects.filter(user=user))
    )


@transaction.atomic
def conversations_delete_by_pks(*, conversation_pks: Sequence[int]) -> ConversationDeleteResult:
    """Delete conversations of any users by primary key (admin actions, maintenance)."""
    return conversation_rows_delete(
        conversation_pks=_locked_pks(Conversation.objects.filter(pk__in=list(conversation_pks)))
    )
