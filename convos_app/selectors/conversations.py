"""Reads of conversations, always scoped by the requesting user in the first queryset
(docs/api-behaviour.md#ownership)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, QuerySet

from chatcore.errors import InvalidCursor, InvalidInput
from chatcore.models import User
from chatcore.pagination import paginate_keyset
from convos_app.filters import ConversationListFilter
from convos_app.models import Conversation, SharedLink
from convos_app.search import conversation_search_pks
from tags_app.models import TaggedConversation

SORT_FIELDS = {"updatedAt": "updated_at", "createdAt": "created_at", "title": "title"}
SORT_DIRECTIONS = ("asc", "desc")
LIST_SCOPE = "convos"


def with_tag_names(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate ``tag_names``: the tag labels in the order they were put on the conversation.

    One correlated array subquery instead of a prefetch, so a list page is one SELECT.
    """
    names = (
        TaggedConversation.objects.filter(conversation=OuterRef("pk"))
        .order_by("pk")
        .values("tag__name")
    )
    return queryset.annotate(tag_names=ArraySubquery(names))


def conversation_get_for_user(*, user: User, conversation_id: str) -> Conversation:
    """The user's conversation with ``tag_names``; ``ConversationNotFound`` for unknown or
    foreign ids."""
    return with_tag_names(Conversation.objects.all()).access(user, conversation_id)


def conversation_search_ids(*, user: User, search: str) -> Sequence[int]:
    """Primary keys of the user's conversations whose title or message text matches ``search``
    (full-text, owner-scoped in the search backend); bad queries answer 400."""
    return conversation_search_pks(user=user, query=search)


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[Conversation]
    next_cursor: str | None
    page_number: int
    page_size: int
    pages: int


def _page_number(extra: dict[str, Any]) -> int:
    """The page number a cursor's payload slot carries (page 1 has no cursor)."""
    page = extra.get("page", 1)
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise InvalidCursor()
    return page


def conversation_list_for_user(
    *,
    user: User,
    limit: int,
    cursor: str | None = None,
    is_archived: bool = False,
    tags: Sequence[str] = (),
    search: str | None = None,
    sort_by: str = "updatedAt",
    sort_direction: str = "desc",
) -> ConversationPage:
    """One keyset page of the user's conversations plus the legacy page keys.

    The page itself is ``(sort value, id)`` keyset pagination, so page 500 costs what page 1 costs;
    ``pages`` comes from one COUNT with the same filters (the legacy
    ``pageNumber``/``pageSize``/``pages`` keys stay: docs/api-behaviour.md#conversation-list-pages).
    The page number rides in the cursor's payload slot.
    """
    if sort_by not in SORT_FIELDS or sort_direction not in SORT_DIRECTIONS:
        raise InvalidInput("sortBy or sortDirection is not allowed")
    # Temporary chats (the ones with an expiry) are never listed.
    queryset = Conversation.objects.for_user(user).filter(expired_at__isnull=True)
    queryset = ConversationListFilter(
        data={"isArchived": is_archived, "tags": list(tags)}, queryset=queryset
    ).qs
    if search:
        queryset = queryset.filter(pk__in=conversation_search_ids(user=user, search=search))
    total = queryset.count()
    # isShared: a live shared link exists (docs/api-behaviour.md#shared-links).
    queryset = queryset.annotate(
        is_shared=Exists(SharedLink.objects.live().filter(conversation=OuterRef("pk")))
    )
    page = paginate_keyset(
        with_tag_names(queryset),
        scope=LIST_SCOPE,
        sort_field=SORT_FIELDS[sort_by],
        descending=sort_direction == "desc",
        cursor=cursor,
        page_size=limit,
        next_extra=lambda extra: {"page": _page_number(extra) + 1},
    )
    return ConversationPage(
        conversations=page.items,
        next_cursor=page.next_cursor,
        page_number=_page_number(page.extra),
        page_size=limit,
        pages=math.ceil(total / limit),
    )
