"""Search of messages: keeping their documents current and the ranked message search.

The kernel (``chatcore.search``) knows no model; this module names the message document's
sources and its search. ``register_search_feeds`` runs from ``MessagesAppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chatcore.models import User
from chatcore.search import api, registry, sync
from messages_app.models import ContentPart, Message


def register_search_feeds() -> None:
    # A message's document carries its parts' text, so a part's save reindexes its message.
    # Part deletes are not listened to: a receiver would cost Django's fast delete of every
    # message's parts, and parts only die with their message.
    registry.reindex_on_save(Message)
    registry.reindex_on_save(ContentPart, Message, key="message_id")
    registry.remove_on_delete(Message)


def index_messages(pks: Iterable[int]) -> None:
    """(Re)index these messages (their text and text/think parts)."""
    sync.index_objects(Message, pks)


@dataclass(frozen=True)
class MessageHit:
    message_pk: int
    score: float
    snippet: str | None


@dataclass(frozen=True)
class MessageHitPage:
    hits: list[MessageHit]
    total: int
    next_cursor: str | None


def message_search(
    *, user: User, query: str, cursor: str | None = None, page_size: int = 25
) -> MessageHitPage:
    """One ranked page of ``user``'s messages matching ``query`` (websearch syntax), with
    highlight snippets; temporary chats are left out. The cursor is signed and bound to this
    user and query."""
    page = api.ranked_page(
        user=user,
        query=query,
        models=[Message],
        filters={"temporary": False},
        cursor=cursor,
        page_size=page_size,
    )
    hits = [
        MessageHit(message_pk=hit.pk, score=hit.score, snippet=hit.snippet) for hit in page.hits
    ]
    return MessageHitPage(hits=hits, total=page.total, next_cursor=page.next_cursor)
