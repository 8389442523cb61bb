"""Reads of the chats API (docs/api-behaviour.md#chats-api). A chat *is* a conversation;
every query starts scoped to the requesting user (docs/api-behaviour.md#ownership).

The chats API pages a chat's messages by ``start``/``count`` with a ``total``
(docs/api-behaviour.md#chat-messages). That is an OFFSET and a COUNT, which per-user tables
are otherwise kept free of; here both run inside one conversation (index
``msg_convo_created``), so their cost is bounded by the size of one chat, not of the account.
The chats list itself uses the keyset cursor (docs/api-behaviour.md#pagination).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatcore.errors import ConversationNotFound, Forbidden
from chatcore.models import User, public_id_is_usable
from chatcore.pagination import paginate_keyset
from convos_app.models import Conversation
from messages_app.models import Message
from messages_app.selectors.by_id import ChatMessageRecord, chat_message_records

CHAT_NOT_FOUND = "Chat not found"
FORBIDDEN = "Forbidden"
CANNOT_POST_TO_OTHERS_CHAT = "Cannot post to another user's chat"
CHAT_LIST_SCOPE = "chats"


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


def chat_get(*, user: User, chat_id: str, lock: bool = False) -> Conversation:
    """``user``'s chat (conversation) with this public id, or 404 "Chat not found"."""
    return Conversation.objects.access(user, chat_id, lock=lock, not_found=CHAT_NOT_FOUND)


def chat_get_for_posting(*, user: User, chat_id: str) -> Conversation:
    """Like ``chat_get``, but another user's chat is a 403, as the chats API lists for posting
    (only here: every other lookup answers 404, so an id never reveals its owner)."""
    try:
        return chat_get(user=user, chat_id=chat_id)
    except ConversationNotFound:
        usable = public_id_is_usable(chat_id)
        if usable and (
            Conversation.objects.filter(conversation_id=chat_id).exclude(user=user).exists()
        ):
            raise Forbidden(FORBIDDEN, message=CANNOT_POST_TO_OTHERS_CHAT) from None
        raise


def chat_list(*, user: User, cursor: str | None, page_size: int) -> ChatPage:
    """The user's chats, newest first, one keyset page (index ``convo_user_created``)."""
    page = paginate_keyset(
        Conversation.objects.for_user(user),
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
