"""Writes of the chats API on whole chats: create one, delete one, clear its messages.

A chat *is* a conversation. Replies (the user message, the provider call and the assistant
message) are ``chat_replies``; the model's view of a chat is ``chat_context``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chatcore.ai.registry import resolve_model
from chatcore.bulk import delete_set_based
from chatcore.expiry import temporary_expiry
from chatcore.models import User, new_public_id
from convos_app.models import DEFAULT_TITLE, Conversation
from convos_app.selectors.chats import chat_get
from convos_app.services import chat_context as context
from convos_app.services.delete import conversation_delete
from messages_app.models import Message


@transaction.atomic
def chat_create(
    *,
    user: User,
    title: str | None = None,
    model_id: str | None = None,
    is_temporary: bool = False,
) -> Conversation:
    """A new, empty chat; ``modelId`` must name a configured model (400 otherwise). A
    temporary one expires (docs/api-behaviour.md#temporary-chats)."""
    spec = resolve_model(model_id).spec if model_id else None
    now = timezone.now()
    return Conversation.objects.create(
        user=user,
        conversation_id=new_public_id(),
        title=title or DEFAULT_TITLE,
        model=spec.id if spec else None,
        endpoint=spec.endpoint if spec else None,
        is_temporary=is_temporary,
        expired_at=temporary_expiry(now) if is_temporary else None,
        created_at=now,
        updated_at=now,
    )


def chat_delete(*, user: User, chat_id: str) -> None:
    """Delete a chat with everything under it, through the conversations' set-based delete
    (which also keeps tag counts exact)."""
    chat = chat_get(user=user, chat_id=chat_id)
    conversation_delete(user=user, conversation_id=chat.conversation_id)
    context.context_invalidate(chat.pk)


@transaction.atomic
def chat_messages_clear(*, user: User, chat_id: str) -> int:
    """Remove every message of the chat; the chat, its title and settings stay."""
    chat = chat_get(user=user, chat_id=chat_id, lock=True)
    deleted = delete_set_based(Message.objects.filter(user=user, conversation=chat))
    Conversation.objects.filter(pk=chat.pk).update(updated_at=timezone.now())
    transaction.on_commit(lambda: context.context_invalidate(chat.pk))
    return deleted
