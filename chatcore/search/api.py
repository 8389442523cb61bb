"""What the apps' selectors ask of search, through haystack (so the engine is swappable).

Model-agnostic: the caller names the models to search (``messages_app.search``,
``convos_app.search``). Every function takes the requesting user and puts the owner filter
into the query itself; the PostgreSQL backend refuses any search without one
(``REQUIRE_OWNER``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Model
from haystack import connections
from haystack.constants import DOCUMENT_FIELD
from haystack.query import SearchQuerySet
from haystack.utils import get_model_ct

from chatcore.errors import InvalidCursor, InvalidInput
from chatcore.models import User
from chatcore.pagination import open_cursor, sign_cursor
from chatcore.validators import text_problem

QUERY_TOO_LONG = "Search query is too long (at most {limit} characters)"
QUERY_INVALID = "Search query contains invalid characters"
QUERY_EMPTY = "Search query has no searchable words"


@dataclass(frozen=True)
class Hit:
    pk: int
    score: float
    snippet: str | None  # HTML-escaped, matches in ``<mark>``; None when the text has none


@dataclass(frozen=True)
class HitPage:
    hits: list[Hit]
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
    surrogates, or nothing searchable once parsed (``"--"``, ``"&&"``)."""
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


def _scope(user: User, text: str, models: Iterable[type[Model]], filters: Mapping[str, Any]) -> str:
    """What a cursor is bound to: the user, the models, the fixed filters and the query, so
    it cannot be replayed against another search."""
    kinds = ",".join(sorted(get_model_ct(model) for model in models))
    return f"search:{kinds}:{json.dumps(filters, sort_keys=True, default=str)}:{user.pk}:{text}"


def _offset(cursor: str | None, scope: str) -> int:
    if not cursor:
        return 0
    payload = open_cursor(cursor, scope=scope)
    offset = payload.get("o")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidCursor()
    return offset


def ranked_page(
    *,
    user: User,
    query: str,
    models: Iterable[type[Model]],
    filters: Mapping[str, Any] | None = None,
    cursor: str | None = None,
    page_size: int = 25,
) -> HitPage:
    """One relevance-ranked page of ``user``'s documents of ``models`` matching ``query``
    (websearch syntax) and ``filters``, with highlight snippets of the document text. The
    cursor is an offset, signed and bound to this search (``chatcore.pagination``)."""
    models = list(models)
    filters = dict(filters or {})
    text = check_query(query)
    scope = _scope(user, text, models, filters)
    offset = _offset(cursor, scope)
    sqs = SearchQuerySet().models(*models).filter(owner=user.pk)
    if filters:
        sqs = sqs.filter(**filters)
    sqs = sqs.filter(content=text).highlight()
    results = list(sqs[offset : offset + page_size])
    total = sqs.count()
    hits = [
        Hit(
            pk=int(result.pk),
            score=float(result.score or 0),
            snippet=((result.highlighted or {}).get(DOCUMENT_FIELD) or [None])[0],
        )
        for result in results
    ]
    next_offset = offset + len(results)
    next_cursor = None
    if results and next_offset < total:
        next_cursor = sign_cursor(scope=scope, payload={"o": next_offset})
    return HitPage(hits=hits, total=total, next_cursor=next_cursor)


def field_values(
    *,
    user: User,
    query: str,
    models: Iterable[type[Model]],
    field: str,
    limit: int,
    order_by: str = "-updated_at",
) -> list[Any]:
    """``field`` of the first ``limit`` of ``user``'s documents of ``models`` matching
    ``query``, in ``order_by`` order (ordering by a field, not by relevance, is never capped
    by the backend's rank candidates)."""
    text = check_query(query)
    sqs = (
        SearchQuerySet()
        .models(*models)
        .filter(owner=user.pk)
        .filter(content=text)
        .order_by(order_by)
        .values_list(field, flat=True)
    )
    return list(sqs[:limit])


def group_values(
    *, user: User, query: str, models: Iterable[type[Model]], field: str, limit: int
) -> list[int]:
    """The distinct values of the group field ``field`` (a ``GroupField``: the conversation of
    a message document, say) over the ``limit`` most recently updated of ``user``'s documents
    of ``models`` matching ``query``, ascending.

    The PostgreSQL backend answers in one statement (``group_ids``); another engine through
    ``field_values``, i.e. by collecting the documents' values.
    """
    text = check_query(query)
    models = list(models)
    backend = connections["default"].get_backend()
    if hasattr(backend, "group_ids"):
        return backend.group_ids(
            owner=user.pk, compiled=backend.compile_text(text), models=models, limit=limit
        )
    values = field_values(user=user, query=text, models=models, field=field, limit=limit)
    return sorted({int(value) for value in values if value is not None})
