"""Rename and archive a conversation; unknown ids are a 404
(docs/api-behaviour.md#rename-and-archive)."""

from __future__ import annotations

from django.db import transaction
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
    """Archive or unarchive; messages are untouched. ``NotFound`` if not the user's."""
    updated = Conversation.objects.owned(user, conversation_id).update(
        is_archived=is_archived, updated_at=timezone.now()
    )
    if not updated:
        raise ConversationNotFound()
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    index_conversations([conversation.pk])  # QuerySet.update() sends no signal
    return conversation
