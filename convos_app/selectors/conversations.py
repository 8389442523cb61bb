"""Reads of conversations, always scoped by the requesting user in the first queryset
(docs/api-behaviour.md#ownership)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from chatcore.errors import ConversationNotFound, InvalidCursor, InvalidInput
from chatcore.models import User, public_id_is_usable
from chatcore.pagination import keyset_page
from chatcore.sql import fetch_dicts, fetch_value
from convos_app.models import Conversation, SharedLink
from convos_app.search import conversation_search_pks
from convos_app.selectors import conversation_sql as sql
from tags_app.models import TaggedConversation

SORT_FIELDS = {
    "updatedAt": "updated_at",
    "createdAt": "created_at",
    "title": "title",
    "archivedAt": "archived_at",
}
# Sorting by ``archivedAt`` puts conversations without the stamp (not archived) first when
# ascending, last when descending: their NULL sorts as the earliest possible time.
NULL_SORT_VALUES = {"archived_at": datetime(1, 1, 1, tzinfo=UTC)}
SORT_DIRECTIONS = ("asc", "desc")
LIST_SCOPE = "convos"


# The columns a conversation item shows (docs/api-behaviour.md#conversation-read): list and
# read fetch only these, as ``values()`` rows, plus ``tag_names``. A new column on the item is
# added here and in ``convos_app.serializers.conversations.conversation_item``.
ITEM_COLUMNS = (
    "pk",
    "conversation_id",
    "title",
    "user_id",
    "endpoint",
    "endpoint_type",
    "model",
    "agent_id",
    "assistant_id",
    "spec",
    "icon_url",
    "is_archived",
    "archived_at",
    "pinned",
    "is_temporary",
    "expired_at",
    "files",
    "settings",
    "created_at",
    "updated_at",
)
# The project's public id, read through the (nullable) foreign key: one LEFT JOIN on its pk.
PROJECT_PUBLIC_ID = F("project__project_id")


class ConversationRow(TypedDict):
    """One conversation as list and read fetch it: the ``ITEM_COLUMNS`` and ``tag_names``."""

    pk: int
    conversation_id: str
    title: str
    user_id: int
    endpoint: str | None
    endpoint_type: str | None
    model: str | None
    agent_id: str | None
    assistant_id: str | None
    spec: str | None
    icon_url: str | None
    is_archived: bool
    archived_at: datetime | None
    pinned: bool
    project_public_id: str | None
    is_shared: bool
    is_temporary: bool
    expired_at: datetime | None
    files: Any
    settings: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    tag_names: list[str]


def tag_names_subquery() -> ArraySubquery:
    """The tag labels of the outer conversation in the order they were put on it.

    One correlated array subquery (an index probe on ``tag_link_convo`` per row) instead of a
    prefetch, so a list page is one SELECT and one round trip whatever its size.
    """
    names = (
        TaggedConversation.objects.filter(conversation=OuterRef("pk"))
        .order_by("pk")
        .values("tag__name")
    )
    return ArraySubquery(names)


def is_shared() -> Exists:
    """Whether the outer conversation has a live shared link (docs/api-behaviour.md#shared-links):
    one index probe per row."""
    return Exists(SharedLink.objects.live().filter(conversation=OuterRef("pk")))


def with_tag_names(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate ``tag_names`` on model instances (the write paths answer a whole item too)."""
    return queryset.annotate(
        tag_names=tag_names_subquery(), project_public_id=PROJECT_PUBLIC_ID, is_shared=is_shared()
    )


def conversation_row_for_user(*, user: User, conversation_id: str) -> ConversationRow:
    """The user's conversation as a ``ConversationRow`` (one SELECT); ``ConversationNotFound``
    for unknown or foreign ids."""
    if not public_id_is_usable(conversation_id):
        raise ConversationNotFound()
    now = timezone.now()
    where = sql.owned(user_id=user.pk, conversation_id=conversation_id, now=now)
    rows = fetch_dicts(Conversation, *sql.item_rows_sql(where, now=now))
    if not rows:
        raise ConversationNotFound()
    return rows[0]  # type: ignore[return-value]  # rows are ConversationRow-shaped


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
    conversations: list[ConversationRow]
    next_cursor: str | None
    page_number: int
    page_size: int
    pages: int


def _positive_int(extra: dict[str, Any], key: str, default: int | None) -> int | None:
    value = extra.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidCursor()
    return value


def _page_number(extra: dict[str, Any]) -> int:
    """The page number a cursor's payload slot carries (page 1 has no cursor)."""
    page = _positive_int(extra, "page", 1)
    if not page:
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
    pinned: bool | None = None,
    project_id: str | None = None,
    sort_by: str = "updatedAt",
    sort_direction: str = "desc",
) -> ConversationPage:
    """One keyset page of the user's conversations plus the legacy page keys.

    The page itself is ``(sort value, id)`` keyset pagination, so page 500 costs what page 1 costs.
    ``pages`` (a legacy key: docs/api-behaviour.md#conversation-list-pages) is counted once, on
    the first page and only when there is a second one, with the same filters; it rides in the
    cursor's payload slot beside the page number, so no later page counts again.
    """
    if sort_by not in SORT_FIELDS or sort_direction not in SORT_DIRECTIONS:
        raise InvalidInput("sortBy or sortDirection is not allowed")
    where = listed_where(
        user=user,
        is_archived=is_archived,
        tags=tags,
        search=search,
        pinned=pinned,
        project_id=project_id,
    )
    column = SORT_FIELDS[sort_by]
    null_as = NULL_SORT_VALUES.get(column)
    descending = sort_direction == "desc"
    now = timezone.now()
    pages: list[int] = []

    def count_pages() -> int:
        return math.ceil(fetch_value(Conversation, *sql.count_sql(where)) / limit)

    def next_extra(extra: dict[str, Any]) -> dict[str, Any]:
        carried = _positive_int(extra, "pages", None)
        if carried is None:
            # Page 1 with a page after it (or a cursor minted before ``pages`` was carried).
            carried = count_pages()
        pages.append(carried)
        return {"page": _page_number(extra) + 1, "pages": carried}

    def fetch(after: tuple[Any, int] | None, rows: int) -> list[dict[str, Any]]:
        statement = sql.item_rows_sql(
            where,
            now=now,
            sort=sql.sort_key(column, null_as),
            descending=descending,
            after=after,
            limit=rows,
        )
        return fetch_dicts(Conversation, *statement)

    page = keyset_page(
        fetch,
        scope=LIST_SCOPE,
        sort_field=column,
        descending=descending,
        cursor=cursor,
        page_size=limit,
        null_as=null_as,
        next_extra=next_extra,
    )
    page_number = _page_number(page.extra)
    if pages:
        total_pages = pages[0]
    elif page.extra:
        # The last page: the count carried from page 1 (counted now for an old cursor).
        carried = _positive_int(page.extra, "pages", None)
        total_pages = count_pages() if carried is None else carried
    else:
        # Page 1 is the only page: its rows are the whole count.
        total_pages = math.ceil(len(page.items) / limit)
    return ConversationPage(
        conversations=page.items,  # type: ignore[arg-type]  # values() rows
        next_cursor=page.next_cursor,
        page_number=page_number,
        page_size=limit,
        pages=total_pages,
    )


def listed_where(
    *,
    user: User,
    is_archived: bool | None = False,
    tags: Sequence[str] = (),
    search: str | None = None,
    pinned: bool | None = None,
    project_id: str | None = None,
) -> sql.Where:
    """The list's filters as SQL (``conversation_sql.listed``), the search run first: its
    matches come from the search backend in one statement, owner-scoped."""
    return sql.listed(
        user_id=user.pk,
        is_archived=is_archived,
        tags=tags,
        search_pks=conversation_search_ids(user=user, search=search) if search else None,
        pinned=pinned,
        project_id=project_id,
    )


def conversation_filter_queryset(*, user: User, **filters: Any) -> QuerySet[Conversation]:
    """The user's listed conversations matching the list's filters (``listed_where``'s
    keywords), unordered: what ``POST /api/convos/bulk`` acts on — the very rows
    ``GET /api/convos`` pages through, by the same WHERE clause."""
    where = listed_where(user=user, **filters)
    return Conversation.objects.filter(user=user, pk__in=RawSQL(*sql.pks_sql(where)))
