"""What the API's selectors ask of search, through haystack (so the engine is swappable).

Every function takes the requesting user and puts the owner filter into the query itself;
the PostgreSQL backend refuses any search without one (``REQUIRE_OWNER``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from haystack import connections
from haystack.query import SearchQuerySet

from chatcore.errors import InvalidCursor, InvalidInput
from chatcore.models import User
from chatcore.validators import text_problem

QUERY_TOO_LONG = "Search query is too long (at most {limit} characters)"
QUERY_INVALID = "Search query contains invalid characters"
QUERY_EMPTY = "Search query has no searchable words"
CURSOR_SALT = "chatcore.search.cursor"
# Conversation search collects the conversations of at most this many matching documents,
# newest first (the list is shown by date, so recency, not relevance, decides what is kept).
CONVERSATION_SEARCH_MAX_DOCUMENTS = 10_000


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


def search_enabled() -> bool:
    """``GET /api/search/enable``: a search engine is configured and answers."""
    try:
        backend = connections["default"].get_backend()
    except Exception:
        return False
    client = getattr(backend, "conn", None)
    if client is not None and hasattr(client, "ping"):
        try:
            return bool(client.ping())
        except Exception:
            return False
    return True


def check_query(raw: str) -> str:
    """The query stripped, or ``InvalidInput``: over the length limit, NUL bytes or lone
    surrogates (reliability V3), or nothing searchable once parsed (``"--"``, ``"&&"``)."""
    limit = settings.SEARCH_QUERY_MAX_CHARS
    if len(raw) > limit:
        raise InvalidInput(QUERY_TOO_LONG.format(limit=limit))
    if text_problem(raw) is not None:
        raise InvalidInput(QUERY_INVALID)
    text = raw.strip()
    backend = connections["default"].get_backend()
    is_empty = getattr(backend, "query_is_empty", None)
    if not text or (is_empty is not None and is_empty(text)):
        raise InvalidInput(QUERY_EMPTY)
    return text


def _scope(user: User, text: str) -> str:
    return f"{user.pk}:{text}"


def _decode_offset(cursor: str | None, scope: str) -> int:
    if not cursor:
        return 0
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
        if payload["s"] != scope:
            raise ValueError("cursor of another search")
        return max(0, int(payload["o"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


def message_search(
    *, user: User, query: str, cursor: str | None = None, page_size: int = 25
) -> MessageHitPage:
    """One ranked page of ``user``'s messages matching ``query`` (websearch syntax), with
    highlight snippets. The cursor is signed and bound to this user and query."""
    from messages_app.models import Message

    text = check_query(query)
    scope = _scope(user, text)
    offset = _decode_offset(cursor, scope)
    sqs = (
        SearchQuerySet()
        .models(Message)
        .filter(owner=user.pk)
        .filter(temporary=False)
        .filter(content=text)
        .highlight()
    )
    results = list(sqs[offset : offset + page_size])
    total = sqs.count()
    hits = [
        MessageHit(
            message_pk=int(result.pk),
            score=float(result.score or 0),
            snippet=((result.highlighted or {}).get("text") or [None])[0],
        )
        for result in results
    ]
    next_offset = offset + len(results)
    next_cursor = None
    if results and next_offset < total:
        next_cursor = signing.dumps({"s": scope, "o": next_offset}, salt=CURSOR_SALT, compress=True)
    return MessageHitPage(hits=hits, total=total, next_cursor=next_cursor)


def conversation_search_pks(*, user: User, query: str) -> Sequence[int]:
    """Primary keys of ``user``'s conversations whose title or any message matches ``query``
    (archived ones included: the list's own filters decide what is shown)."""
    from convos_app.models import Conversation
    from messages_app.models import Message

    text = check_query(query)
    sqs = (
        SearchQuerySet()
        .models(Conversation, Message)
        .filter(owner=user.pk)
        .filter(content=text)
        .order_by("-updated_at")
        .values_list("conversation_pk", flat=True)
    )
    return sorted({int(pk) for pk in sqs[:CONVERSATION_SEARCH_MAX_DOCUMENTS] if pk is not None})
