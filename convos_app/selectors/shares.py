"""Reads of shared links (docs/api-behaviour.md#shared-links).

The owner's routes are scoped by the requesting user in the first queryset; the public read is
by share id alone, and every id that names no live link (never created, revoked, expired,
malformed) takes the same single query to the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatcore.errors import InvalidInput, NotFound
from chatcore.models import User
from chatcore.pagination import paginate_keyset
from convos_app.models import SHARE_NOT_FOUND, Conversation, SharedLink, SharedMessage

SORT_FIELDS = {"createdAt": "created_at", "title": "title"}
SORT_DIRECTIONS = ("asc", "desc")
LIST_SCOPE = "shares"


@dataclass(frozen=True)
class SharedLinkPage:
    links: list[SharedLink]
    next_cursor: str | None

    @property
    def has_next_page(self) -> bool:
        return self.next_cursor is not None


@dataclass(frozen=True)
class SharedLinkStatus:
    """``GET /api/share/link/{conversationId}``: the conversation's newest link, if any."""

    conversation_id: str
    link: SharedLink | None


@dataclass(frozen=True)
class SharedSnapshot:
    link: SharedLink
    messages: list[SharedMessage]


def shared_link_list(
    *,
    user: User,
    page_size: int,
    cursor: str | None = None,
    sort_by: str = "createdAt",
    sort_direction: str = "desc",
    search: str | None = None,
) -> SharedLinkPage:
    """One keyset page of the user's live links; ``search`` matches the title (any case)."""
    if sort_by not in SORT_FIELDS or sort_direction not in SORT_DIRECTIONS:
        raise InvalidInput("sortBy or sortDirection is not allowed")
    queryset = SharedLink.objects.for_user(user).live().select_related("conversation")
    if search:
        queryset = queryset.filter(title__icontains=search)
    page = paginate_keyset(
        queryset,
        scope=LIST_SCOPE,
        sort_field=SORT_FIELDS[sort_by],
        descending=sort_direction == "desc",
        cursor=cursor,
        page_size=page_size,
    )
    return SharedLinkPage(links=page.items, next_cursor=page.next_cursor)


def shared_link_for_conversation(*, user: User, conversation_id: str) -> SharedLinkStatus:
    """The newest live link of the user's conversation (``None`` when it has none);
    ``ConversationNotFound`` for a conversation that is not theirs."""
    conversation = Conversation.objects.only("pk", "conversation_id").access(user, conversation_id)
    link = (
        SharedLink.objects.for_user(user)
        .live()
        .filter(conversation=conversation)
        .order_by("-updated_at", "-pk")
        .first()
    )
    return SharedLinkStatus(conversation_id=conversation.conversation_id, link=link)


def shared_snapshot_get(*, share_id: str) -> SharedSnapshot:
    """A live link with its snapshot in payload order (2 queries), for any reader."""
    link = SharedLink.objects.named(share_id).first()
    if link is None:
        raise NotFound(SHARE_NOT_FOUND)
    messages = list(SharedMessage.objects.filter(link=link).order_by("position"))
    return SharedSnapshot(link=link, messages=messages)
