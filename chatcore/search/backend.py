"""A django-haystack backend on PostgreSQL full-text search (design D12).

``HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "chatcore.search.backend.PostgresSearchEngine"}}``

Documents live in ``chatcore_search_document`` (``chatcore.search.models``) in the same database
as the data, so an index write is part of the data write's transaction: what commits is
searchable at once, what rolls back never was, and deletes cascade in the database.

Safety properties this module owns:

* **Owner scoping.** Every document carries its owner; every search must name one (an
  ``owner`` filter at the top level of the query, or ``owner=`` to ``raw_search``) and is
  refused otherwise. The owner is enforced twice: as ``user_id = %s`` and as a private lexeme
  in the vector that user text can never produce (it starts with a space), which also lets the
  GIN index intersect "this user's documents" with the words instead of filtering afterwards.
* **User text is never tsquery syntax.** It goes through ``websearch_to_tsquery`` (quoted
  phrases, ``-word``, ``or``) after the Python normalisation of ``chatcore.search.text``. The
  only ``::tsquery`` cast is of PostgreSQL's own rendering of that parsed query, to mark its
  last lexeme as a prefix.
* **Bounded documents.** The indexed text is capped (``MAX_TEXT_CHARS``) so no write can hit
  PostgreSQL's 1 MiB tsvector limit (reliability V4); the stored object is never cut.
* **Bounded ranking.** A relevance-ordered search ranks only the ``RANK_CANDIDATES`` most
  recently updated matching documents (LibreChat likewise keeps only the 25 most recently
  updated matching conversations, spec §1.1 item 3). A common word matching most of a user's
  history then costs one top-N pass over narrow rows instead of ranking, counting and carrying
  the text of every match; the count is of the ranked candidates.

Connection options (all optional): ``CONFIG`` (text search configuration, default
``simple``), ``MAX_TEXT_CHARS`` (100000), ``RANK_CANDIDATES`` (2000; 0 ranks every match),
``QUEUE_UPDATES`` (False: index inside the write's
transaction; True: after commit, as for a remote engine), ``REQUIRE_OWNER`` (True), and
haystack's ``BATCH_SIZE``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connections as db_connections
from django.db import router
from django.db.models import Model
from django.utils.encoding import force_str
from haystack.backends import (
    BaseEngine,
    BaseSearchBackend,
    BaseSearchQuery,
    SearchNode,
    log_query,
)
from haystack.constants import DJANGO_CT, DJANGO_ID, DOCUMENT_FIELD
from haystack.exceptions import SearchBackendError
from haystack.inputs import AutoQuery, BaseInput, Exact
from haystack.models import SearchResult
from haystack.utils import get_model_ct

from chatcore.search.models import SearchDocument
from chatcore.search.text import Terms, cap, highlight, normalize, prepare_user_query

OWNER_FIELD = "owner"
# Prepared index fields that land in real columns (indexed, cascading) instead of ``data``.
COLUMN_FIELDS = {
    OWNER_FIELD: "user_id",
    "conversation_pk": "conversation_id",
    "message_pk": "message_id",
    "created_at": "created_at",
    "updated_at": "updated_at",
    DJANGO_CT: "django_ct",
    DJANGO_ID: "django_id",
}
CONTENT_FIELDS = {"content", DOCUMENT_FIELD}
DEFAULT_MAX_TEXT_CHARS = 100_000
DEFAULT_RANK_CANDIDATES = 2_000
# A ranked search walks the user's documents newest first (instead of asking the GIN index)
# when the planner expects its words in at least this share of all documents.
WALK_MIN_FRACTION = 0.2
# Worst case a tsvector takes ~2.5x the bytes of its (normalised) input: one distinct CJK
# character per token costs ~12 bytes for ~5 input bytes. 256 KiB of input stays well below
# PostgreSQL's 1 MiB tsvector limit whatever the script (reliability V4).
MAX_VECTOR_INPUT_BYTES = 256 * 1024
_CONFIG_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
_SQL_CAST = {
    "integer": "bigint",
    "float": "double precision",
    "decimal": "numeric",
    "boolean": "boolean",
    "datetime": "timestamptz",
    "date": "date",
}


def owner_lexeme(owner_id: int) -> str:
    """The private lexeme marking a document's owner. PostgreSQL's parser never emits a lexeme
    containing whitespace, so no user query can name it; only the backend adds it."""
    return f" owner {int(owner_id)}"


@dataclass
class Compiled:
    """A haystack query tree compiled to SQL pieces (what ``build_query`` returns)."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    tsquery: str | None = None  # the ranked full-text part, ANDed at the top level
    tsquery_params: list[Any] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return " AND ".join(self.where) or "*"


class PostgresSearchBackend(BaseSearchBackend):
    """Index, remove and search documents in ``chatcore_search_document``."""

    # Index writes join the caller's transaction (``chatcore.search.sync`` relies on this).
    transactional = True

    def __init__(self, connection_alias: str, **connection_options: Any) -> None:
        super().__init__(connection_alias, **connection_options)
        config = connection_options.get("CONFIG", "simple")
        if not _CONFIG_NAME.match(config):
            raise SearchBackendError(f"Invalid text search configuration name: {config!r}")
        self.config = config
        self.max_text_chars = int(connection_options.get("MAX_TEXT_CHARS", DEFAULT_MAX_TEXT_CHARS))
        self.rank_candidates = max(
            0, int(connection_options.get("RANK_CANDIDATES", DEFAULT_RANK_CANDIDATES))
        )
        self.require_owner = connection_options.get("REQUIRE_OWNER", True)
        self._table_rows_at: tuple[float, float] | None = None
        self.queue_updates = connection_options.get("QUEUE_UPDATES", False)
        self.table = SearchDocument._meta.db_table
        # Haystack's default of not raising would turn a failed index write into a silently
        # stale index; inside the write's transaction a failure must fail the write.
        self.silently_fail = False

    # --- plumbing ---------------------------------------------------------------------------
    @property
    def db(self):  # type: ignore[no-untyped-def]
        return db_connections[router.db_for_write(SearchDocument)]

    def _unified_index(self):  # type: ignore[no-untyped-def]
        from haystack import connections

        return connections[self.connection_alias].get_unified_index()

    # --- writes -----------------------------------------------------------------------------
    def update(self, index: Any, iterable: Iterable[Model], commit: bool = True) -> None:
        """Upsert the documents of ``iterable`` in statements of ``BATCH_SIZE`` rows."""
        batch: list[dict[str, Any]] = []
        weight = getattr(index, "search_weight", "D")
        for obj in iterable:
            prepared = index.full_prepare(obj)
            batch.append(self._document_row(prepared))
            if len(batch) >= self.batch_size:
                self._upsert(batch, weight)
                batch = []
        if batch:
            self._upsert(batch, weight)

    def _document_row(self, prepared: dict[str, Any]) -> dict[str, Any]:
        owner = prepared.get(OWNER_FIELD)
        if owner is None:
            raise SearchBackendError(
                f"{prepared.get(DJANGO_CT)} documents need an '{OWNER_FIELD}' field"
            )
        body = cap(
            force_str(prepared.get(DOCUMENT_FIELD) or "").replace("\x00", " "), self.max_text_chars
        )
        data = {
            key: _json_value(value)
            for key, value in prepared.items()
            if key not in COLUMN_FIELDS and key not in {DOCUMENT_FIELD, "id"}
        }
        return {
            "ct": prepared[DJANGO_CT],
            "id": int(prepared[DJANGO_ID]),
            "user": int(owner),
            "conversation": prepared.get("conversation_pk"),
            "message": prepared.get("message_pk"),
            "body": body,
            "normalized": _cap_bytes(normalize(body), MAX_VECTOR_INPUT_BYTES),
            "data": json.dumps(data),
            "created": prepared.get("created_at"),
            "updated": prepared.get("updated_at"),
        }

    def _upsert(self, rows: list[dict[str, Any]], weight: str) -> None:
        if weight not in {"A", "B", "C", "D"}:
            raise SearchBackendError(f"Invalid search weight {weight!r}")
        columns = (
            "ct",
            "id",
            "user",
            "conversation",
            "message",
            "body",
            "normalized",
            "data",
            "created",
            "updated",
        )
        arrays = [[row[column] for row in rows] for column in columns]
        sql = f"""
            INSERT INTO {self.table} AS d
                (django_ct, django_id, user_id, conversation_id, message_id, body, vector, data,
                 created_at, updated_at)
            SELECT t.ct, t.id, t.uid, t.cid, t.mid, t.body,
                   setweight(to_tsvector(%s::regconfig, t.norm), %s)
                       || array_to_tsvector(ARRAY[' owner ' || t.uid::text]),
                   t.data::jsonb, t.created, t.updated
            FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
                        %s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                 AS t(ct, id, uid, cid, mid, body, norm, data, created, updated)
            ON CONFLICT (django_ct, django_id) DO UPDATE SET
                user_id = EXCLUDED.user_id, conversation_id = EXCLUDED.conversation_id,
                message_id = EXCLUDED.message_id, body = EXCLUDED.body, vector = EXCLUDED.vector,
                data = EXCLUDED.data, created_at = EXCLUDED.created_at,
                updated_at = EXCLUDED.updated_at
        """
        with self.db.cursor() as cursor:
            cursor.execute(sql, [self.config, weight, *arrays])

    def remove(self, obj_or_string: Any, commit: bool = True) -> None:
        if isinstance(obj_or_string, str):
            app_model, _, pk = obj_or_string.rpartition(".")
            self.remove_pks(app_model, [int(pk)])
        else:
            self.remove_pks(get_model_ct(obj_or_string), [obj_or_string.pk])

    def remove_pks(self, django_ct: str, pks: Sequence[int]) -> int:
        """Remove the documents of these objects in one statement."""
        with self.db.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.table} WHERE django_ct = %s AND django_id = ANY(%s)",
                [django_ct, [int(pk) for pk in pks]],
            )
            return cursor.rowcount

    def remove_conversations(self, conversation_pks: Sequence[int]) -> int:
        """Remove every document belonging to these conversations (their own and their
        messages') in one statement."""
        with self.db.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.table} WHERE conversation_id = ANY(%s)",
                [[int(pk) for pk in conversation_pks]],
            )
            return cursor.rowcount

    def clear(self, models: Iterable[type[Model]] | None = None, commit: bool = True) -> None:
        with self.db.cursor() as cursor:
            if models:
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE django_ct = ANY(%s)",
                    [[get_model_ct(model) for model in models]],
                )
            else:
                cursor.execute(f"DELETE FROM {self.table}")

    # --- queries ------------------------------------------------------------------------------
    def tsquery_sql(self, text: str) -> tuple[str, list[Any]]:
        """SQL for the tsquery of one piece of user text (websearch semantics, last word as a
        prefix when it is still being typed)."""
        prepared, prefix = prepare_user_query(text)
        parsed = "websearch_to_tsquery(%s::regconfig, %s)"
        if not prefix:
            return parsed, [self.config, prepared]
        # PostgreSQL's own rendering of the parsed query ends in a quoted lexeme when its last
        # item is a plain word; only then is ``:*`` appended. Never user text as tsquery.
        sql = (
            f"(CASE WHEN right({parsed}::text, 1) = '''' "
            f"THEN ({parsed}::text || ':*')::tsquery ELSE {parsed} END)"
        )
        return sql, [self.config, prepared] * 3

    def query_is_empty(self, text: str) -> bool:
        """Whether ``text`` parses to no searchable word at all (``"--"``, ``"&&"``, spaces)."""
        sql, params = self.tsquery_sql(text)
        with self.db.cursor() as cursor:
            cursor.execute(f"SELECT numnode({sql})", params)
            return cursor.fetchone()[0] == 0

    @log_query
    def search(self, query_string: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(query_string, Compiled):
            compiled = query_string
        else:
            compiled = Compiled()
            text = force_str(query_string or "").strip()
            if text and text != "*":
                compiled.tsquery, compiled.tsquery_params = self.tsquery_sql(text)
                compiled.where.append(f"numnode({compiled.tsquery}) > 0")
                compiled.params.extend(compiled.tsquery_params)
        owners = list(compiled.owners)
        if kwargs.get("owner") is not None:
            owners.append(int(kwargs["owner"]))
        if not owners and self.require_owner:
            raise SearchBackendError("Every search must be restricted to one owner")
        for unsupported in (
            "facets",
            "date_facets",
            "query_facets",
            "narrow_queries",
            "within",
            "dwithin",
        ):
            if kwargs.get(unsupported):
                raise SearchBackendError(f"{unsupported} is not supported by this backend")
        return self._run(compiled, owners, **kwargs)

    def _run(
        self,
        compiled: Compiled,
        owners: list[int],
        *,
        start_offset: int = 0,
        end_offset: int | None = None,
        sort_by: Sequence[str] | None = None,
        highlight: bool | dict[str, Any] = False,
        models: Iterable[type[Model]] | None = None,
        result_class: type[SearchResult] | None = None,
        limit_to_registered_models: bool | None = None,
        fields: Iterable[str] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        # values_list() asks for a few fields: skip the (possibly long) body unless needed.
        body_sql = "d.body" if (not fields or DOCUMENT_FIELD in fields or highlight) else "''"
        where, params = self._conditions(compiled, owners, models, limit_to_registered_models)
        if compiled.tsquery:
            score_sql = f"ts_rank(d.vector, {compiled.tsquery}, 1)"
            score_params = list(compiled.tsquery_params)
            # PostgreSQL's rendering of the parsed query, for the highlighter: one constant
            # column of the same statement rather than one more round trip.
            terms_sql = f"({compiled.tsquery})::text"
            terms_params = list(compiled.tsquery_params)
        else:
            score_sql, score_params = "0::real", []
            terms_sql, terms_params = "''", []
        order_sql = self._order_by(sort_by)
        limit_sql = ""
        if end_offset is not None:
            limit_sql = f"LIMIT {max(0, int(end_offset) - int(start_offset))}"
        page_sql = f"{limit_sql} OFFSET {max(0, int(start_offset))}"
        cap = self.rank_candidates if compiled.tsquery and _ranks(sort_by) else 0
        with self.db.cursor() as cursor:
            if cap:
                candidates = (where, params)
                if len(owners) == 1 and self._is_common(cursor, compiled):
                    candidates = self._conditions(
                        compiled, owners, models, limit_to_registered_models, walk=True
                    )
                sql, sql_params = self._capped_sql(
                    body_sql == "d.body",
                    (score_sql, score_params),
                    (terms_sql, terms_params),
                    candidates,
                    order_sql,
                    page_sql,
                    cap,
                )
            else:
                sql = f"""
                    SELECT d.django_ct, d.django_id, {body_sql}, d.data, d.created_at,
                           d.updated_at, d.user_id, d.conversation_id, d.message_id,
                           {score_sql} AS score, count(*) OVER () AS hits, {terms_sql}
                    FROM {self.table} d
                    WHERE {" AND ".join(where) or "TRUE"}
                    ORDER BY {order_sql}
                    {page_sql}
                """
                sql_params = [*score_params, *terms_params, *params]
            cursor.execute(sql, sql_params)
            rows = cursor.fetchall()
            hits = rows[0][10] if rows else self._count(cursor, where, params, start_offset, cap)
        terms = Terms(frozenset(), ())
        if highlight and compiled.tsquery and rows:
            terms = Terms.from_tsquery(rows[0][11])
        return {
            "results": [self._result(row, result_class, highlight, terms) for row in rows],
            "hits": hits,
        }

    def _conditions(
        self,
        compiled: Compiled,
        owners: list[int],
        models: Iterable[type[Model]] | None,
        limit_to_registered_models: bool | None,
        *,
        walk: bool = False,
    ) -> tuple[list[str], list[Any]]:
        """The WHERE conditions of a search, in one of two equivalent shapes.

        The default shape folds the owner into the GIN lookup (the words ANDed with the owner
        lexeme) and hides ``user_id`` from the btree, so a rare word costs the size of the
        user's matches however large the table grows. The *walk* shape (``walk=True``) leaves
        the owner to the ``(user_id, updated_at)`` btree instead, so a word in most of the
        user's documents can be answered by reading them newest first and stopping at the
        rank cap. Both select exactly the same rows: every document's vector carries the
        lexeme of the owner in its ``user_id``.
        """
        where = list(compiled.where)
        params = list(compiled.params)
        match_parts: list[str] = []
        match_params: list[Any] = []
        if compiled.tsquery:
            match_parts.append(compiled.tsquery)
            match_params.extend(compiled.tsquery_params)
        for owner in owners:
            if walk:
                where.append("d.user_id = %s")
            else:
                # The owner lexeme as a tsquery literal: built from an integer, never text.
                match_parts.append("%s::tsquery")
                match_params.append(f"'{owner_lexeme(owner)}'")
                # Checked again as a column, but as an expression the user_id btree cannot
                # capture the plan (the planner, multiplying the two correlated conditions,
                # would underestimate the matches and walk all the user's documents).
                where.append("(d.user_id + 0) = %s")
            params.append(owner)
        if match_parts:
            where.insert(0, f"d.vector @@ ({' && '.join(match_parts)})")
            params[0:0] = match_params
        content_types = self._content_types(models, limit_to_registered_models)
        if content_types is not None:
            where.append("d.django_ct = ANY(%s)")
            params.append(content_types)
        return where, params

    def _is_common(self, cursor: Any, compiled: Compiled) -> bool:
        """Whether the planner expects the words in at least ``WALK_MIN_FRACTION`` of all
        documents (then reading the user's newest documents finds the rank cap's worth of
        matches sooner than the GIN index can list them: for a short prefix such as ``th``
        that index has to merge the postings of every word it starts). One EXPLAIN, no
        execution; the tsquery is folded to a constant, so the estimate is PostgreSQL's own,
        from the column's most-common-lexeme statistics."""
        total = self._table_rows(cursor)
        if total <= 0:
            return False  # never analysed: no statistics to go by, and the GIN lookup is exact
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {self.table} d "
            f"WHERE d.vector @@ {compiled.tsquery}",
            compiled.tsquery_params,
        )
        plan = cursor.fetchone()[0]
        # The top node's estimate is the statement's, whatever the plan's shape.
        matching = float(
            (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]
        )
        return matching / total >= WALK_MIN_FRACTION

    def _table_rows(self, cursor: Any) -> float:
        """PostgreSQL's estimate of the documents in the table (``pg_class.reltuples``, kept by
        autovacuum; -1 before the first ANALYZE), remembered for a minute once known."""
        now = time.monotonic()
        if self._table_rows_at is not None and now - self._table_rows_at[0] <= 60:
            return self._table_rows_at[1]
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.table])
        row = cursor.fetchone()
        rows = float(row[0]) if row else -1.0
        self._table_rows_at = (now, rows) if rows > 0 else None
        return rows

    def _capped_sql(
        self,
        with_body: bool,
        score: tuple[str, list[Any]],
        terms: tuple[str, list[Any]],
        candidates: tuple[list[str], list[Any]],
        order_sql: str,
        page_sql: str,
        cap: int,
    ) -> tuple[str, list[Any]]:
        """A relevance-ordered search over the ``cap`` most recently updated matches.

        Three steps, each on as little as it needs: the newest ``cap`` matches with their
        scores and stored fields but no text (a top-N pass over the GIN hits, or a walk of the
        user's documents newest first that stops at ``cap``), the requested page of them with
        their count, then the text of that page only. The newest-first candidate order is the
        recency used as the tie-break, so among equal scores nothing changes.
        """
        where, params = candidates
        sql = f"""
            WITH candidates AS (
                SELECT d.id, d.django_ct, d.django_id, d.data, d.created_at, d.updated_at,
                       d.user_id, d.conversation_id, d.message_id, {score[0]} AS score
                FROM {self.table} d
                WHERE {" AND ".join(where)}
                ORDER BY d.updated_at DESC NULLS LAST, d.id DESC
                LIMIT {int(cap)}
            ), page AS (
                SELECT d.*, count(*) OVER () AS hits FROM candidates d
                ORDER BY {order_sql}
                {page_sql}
            )
            SELECT d.django_ct, d.django_id, {"b.body" if with_body else "''"}, d.data,
                   d.created_at, d.updated_at, d.user_id, d.conversation_id, d.message_id,
                   d.score, d.hits, {terms[0]}
            FROM page d JOIN {self.table} b ON b.id = d.id
            ORDER BY {order_sql}
        """
        return sql, [*score[1], *params, *terms[1]]

    def _count(
        self, cursor: Any, where: list[str], params: list[Any], start_offset: int, cap: int = 0
    ) -> int:
        if not start_offset:
            return 0
        matches = f"SELECT 1 FROM {self.table} d WHERE {' AND '.join(where) or 'TRUE'}"
        if cap:
            matches += f" LIMIT {int(cap)}"
        cursor.execute(f"SELECT count(*) FROM ({matches}) AS m", params)
        return cursor.fetchone()[0]

    def _content_types(
        self, models: Iterable[type[Model]] | None, limit_to_registered: bool | None
    ) -> list[str] | None:
        if models:
            return sorted(get_model_ct(model) for model in models)
        if limit_to_registered is False:
            return None
        return sorted(self.build_models_list())

    def _order_by(self, sort_by: Sequence[str] | None) -> str:
        if not sort_by:
            return "score DESC, d.updated_at DESC NULLS LAST, d.id DESC"
        clauses = []
        for item in sort_by:
            descending = item.startswith("-")
            name = item.lstrip("-")
            expression = "score" if name == "score" else self.field_sql(name)
            direction = "DESC NULLS LAST" if descending else "ASC NULLS FIRST"
            clauses.append(f"{expression} {direction}")
        clauses.append("d.id DESC")
        return ", ".join(clauses)

    def field_sql(self, name: str) -> str:
        """SQL for an indexed field: a real column, or the typed value kept in ``data``."""
        if name in COLUMN_FIELDS:
            return f"d.{COLUMN_FIELDS[name]}"
        fields = self._unified_index().all_searchfields()
        if name not in fields:
            raise SearchBackendError(f"Unknown search field {name!r}")
        field_type = fields[name].field_type
        cast = _SQL_CAST.get(field_type)
        name_literal = "'" + name.replace("'", "''") + "'"
        return f"(d.data->>{name_literal})::{cast}" if cast else f"(d.data->>{name_literal})"

    def is_multivalued(self, name: str) -> bool:
        fields = self._unified_index().all_searchfields()
        return name in fields and fields[name].is_multivalued

    def _result(
        self,
        row: Sequence[Any],
        result_class: type[SearchResult] | None,
        want_highlight: bool | dict[str, Any],
        terms: Terms,
    ) -> SearchResult:
        ct, pk, body, data, created, updated, owner, conversation, message, score = row[:10]
        app_label, model_name = ct.split(".")
        stored: dict[str, Any] = {
            OWNER_FIELD: owner,
            "conversation_pk": conversation,
            "message_pk": message,
            "created_at": created,
            "updated_at": updated,
            DOCUMENT_FIELD: body,
        }
        fields = self._unified_index().all_searchfields()
        if isinstance(data, str):  # Django leaves jsonb undecoded with psycopg 3
            data = json.loads(data)
        for key, value in (data or {}).items():
            convert = getattr(fields.get(key), "convert", None)
            stored[key] = convert(value) if convert and value is not None else value
        if want_highlight:
            stored["highlighted"] = {DOCUMENT_FIELD: [highlight(body, terms)] if terms else []}
        return (result_class or SearchResult)(app_label, model_name, pk, float(score), **stored)


def _ranks(sort_by: Sequence[str] | None) -> bool:
    """Whether results are ordered by relevance first (haystack's default, or ``-score``)."""
    return not sort_by or sort_by[0].lstrip("-") == "score"


def _cap_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    cut = encoded[:limit].decode("utf-8", errors="ignore")
    space = cut.rfind(" ")
    return cut[:space] if space > 0 else cut


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_json_value(item) for item in value]
    if isinstance(value, int | float | bool | str) or value is None:
        return value
    return force_str(value)


class PostgresSearchQuery(BaseSearchQuery):
    """Compiles haystack's ``SQ`` tree into SQL conditions and one ranked tsquery.

    Content filters (``content=``/``text=``, ``auto_query``, ``Exact``) become tsqueries from
    websearch syntax; filters on other fields become typed SQL conditions. Pure full-text
    branches combine with ``&&``/``||``/``!!`` into one tsquery, so the GIN index answers them.
    """

    def build_query(self) -> Compiled:  # type: ignore[override]
        compiled = Compiled()
        root = self.query_filter
        if not root:
            return compiled
        top_level = (
            root.children if (root.connector == SearchNode.AND and not root.negated) else [root]
        )
        ts_parts: list[tuple[str, list[Any]]] = []
        for child in top_level:
            if not isinstance(child, SearchNode):
                field_name, filter_type = root.split_expression(child[0])
                if field_name == OWNER_FIELD and filter_type in {"content", "exact"}:
                    compiled.owners.append(int(_plain(child[1])))
                    continue
            kind, sql, params = self._compile(child, root)
            if kind == "ts":
                ts_parts.append((sql, params))
            else:
                compiled.where.append(sql)
                compiled.params.extend(params)
        if ts_parts:
            compiled.tsquery = "(" + " && ".join(sql for sql, _ in ts_parts) + ")"
            compiled.tsquery_params = [param for _, params in ts_parts for param in params]
            # An operand that parses to nothing (``--``) must match nothing, not everything.
            compiled.where.append(f"numnode({compiled.tsquery}) > 0")
            compiled.params.extend(compiled.tsquery_params)
        return compiled

    def _compile(self, node: Any, parent: SearchNode) -> tuple[str, str, list[Any]]:
        if not isinstance(node, SearchNode):
            return self._leaf(node, parent)
        compiled = [self._compile(child, node) for child in node.children]
        if not compiled:
            return "sql", "TRUE", []
        joiner = {SearchNode.AND: (" && ", " AND "), SearchNode.OR: (" || ", " OR ")}[
            node.connector
        ]
        if all(kind == "ts" for kind, _, _ in compiled):
            sql = "(" + joiner[0].join(sql for _, sql, _ in compiled) + ")"
            params = [p for _, _, ps in compiled for p in ps]
            return ("ts", f"(!!{sql})" if node.negated else sql, params)
        parts, params = [], []
        for kind, sql, ps in compiled:
            parts.append(f"d.vector @@ {sql}" if kind == "ts" else sql)
            params.extend(ps)
        sql = "(" + joiner[1].join(parts) + ")"
        return ("sql", f"(NOT {sql})" if node.negated else sql, params)

    def _leaf(self, child: tuple[str, Any], parent: SearchNode) -> tuple[str, str, list[Any]]:
        expression, value = child
        name, filter_type = parent.split_expression(expression)
        backend: PostgresSearchBackend = self.backend  # type: ignore[assignment]
        if name in CONTENT_FIELDS and filter_type in {"content", "contains", "exact", "fuzzy"}:
            text = _websearch_text(value, exact=filter_type == "exact")
            sql, params = backend.tsquery_sql(text)
            return "ts", sql, params
        column = backend.field_sql(name)
        raw = _plain(value)
        if backend.is_multivalued(name):
            key = "'" + name.replace("'", "''") + "'"
            if filter_type in {"content", "exact", "contains"}:
                return "sql", f"(d.data->{key}) ? %s", [force_str(raw)]
            if filter_type == "in":
                return "sql", f"(d.data->{key}) ?| %s", [[force_str(v) for v in raw]]
            raise SearchBackendError(f"{filter_type} is not supported on multi-valued {name!r}")
        operators = {"content": "=", "exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
        if filter_type in operators:
            return "sql", f"{column} {operators[filter_type]} %s", [_sql_value(raw)]
        if filter_type == "in":
            values = [_sql_value(v) for v in raw]
            return "sql", f"{column} = ANY(%s)", [values]
        if filter_type == "range":
            low, high = raw
            return "sql", f"{column} BETWEEN %s AND %s", [_sql_value(low), _sql_value(high)]
        if filter_type in {"startswith", "endswith", "contains"}:
            escaped = force_str(raw).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = {
                "startswith": f"{escaped}%",
                "endswith": f"%{escaped}",
                "contains": f"%{escaped}%",
            }
            return "sql", f"({column})::text LIKE %s", [pattern[filter_type]]
        raise SearchBackendError(f"Unsupported filter {filter_type!r} on {name!r}")

    def clean(self, query_fragment: Any) -> Any:
        # Nothing to escape: user text only ever reaches websearch_to_tsquery.
        return query_fragment

    def build_query_fragment(self, field: str, filter_type: str, value: Any) -> str:
        return f"{field}__{filter_type}={force_str(value)}"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseInput):
        return value.query_string
    return value


def _sql_value(value: Any) -> Any:
    if isinstance(value, BaseInput):
        value = value.query_string
    if isinstance(value, datetime | date | int | float | bool):
        return value
    return force_str(value)


def _websearch_text(value: Any, *, exact: bool) -> str:
    if isinstance(value, Exact) or (exact and not isinstance(value, AutoQuery)):
        text = force_str(_plain(value)).replace('"', " ")
        return f'"{text}"'
    return force_str(_plain(value))


class PostgresSearchEngine(BaseEngine):
    backend = PostgresSearchBackend
    query = PostgresSearchQuery
