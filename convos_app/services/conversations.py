"""Rename and archive a conversation; unknown ids are a 404
(docs/api-behaviour.md#rename-and-archive)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from chatcore.errors import ConversationNotFound
from chatcore.models import User
from convos_app.models import TITLE_MAX_LENGTH, Conversation
from convos_app.search import index_conversations
from convos_app.selectors.conversations import conversation_get_for_user


def title_clean(raw: str) -> str:
    """Trim, then keep the first 1024 characters (LibreChat's order: a title of spaces is "")."""
    return raw.strip()[:TITLE_MAX_LENGTH]


@transaction.atomic
def conversation_rename(*, user: User, conversation_id: str, title: str) -> Conversation:
    """Set the title (trimmed, cut to 1024) with one UPDATE; ``NotFound`` if not the user's.

    Unlike LibreChat v0.8 an unknown id is not upserted into a bare conversation.
    """
    updated = Conversation.objects.owned(user, conversation_id).update(
        title=title_clean(title), updated_at=timezone.now()
    )
    if not updated:
        raise ConversationNotFound()
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    index_conversations([conversation.pk])  # QuerySet.update() sends no signal
    return conversation


@transaction.atomic
def conversation_archive(*, user: User, conversation_id: str, is_archived: bool) -> Conversation:
    """Archive or unarchive; messages are untouched. ``NotFound`` if not the user's.

    ``archivedAt`` is stamped the first time only (archiving an archived conversation keeps
    its place in ``sortBy=archivedAt``) and cleared on unarchive
    (docs/api-behaviour.md#pin-and-archive).
    """
    now = timezone.now()
    updated = Conversation.objects.owned(user, conversation_id).update(
        is_archived=is_archived,
        archived_at=Coalesce(F("archived_at"), now) if is_archived else None,
        updated_at=now,
    )
    if not updated:
        raise ConversationNotFound()
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    index_conversations([conversation.pk])  # QuerySet.update() sends no signal
    return conversation


@transaction.atomic
def conversation_pin(*, user: User, conversation_id: str, pinned: bool) -> Conversation:
    """Pin or unpin. Organisation, not activity: ``updatedAt`` does not move."""
    updated = Conversation.objects.owned(user, conversation_id).update(pinned=pinned)
    if not updated:
        raise ConversationNotFound()
    return conversation_get_for_user(user=user, conversation_id=conversation_id)


@transaction.atomic
def conversations_archive_all(*, user: User) -> int:
    """Archive every listed conversation of the user with one timestamp for the whole sweep;
    the count is of conversations that were not archived before."""
    now = timezone.now()
    pks = list(
        Conversation.objects.for_user(user)
        .filter(is_archived=False, expired_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if pks:
        Conversation.objects.filter(pk__in=pks).update(
            is_archived=True, archived_at=now, updated_at=now
        )
        index_conversations(pks)
    return len(pks)
