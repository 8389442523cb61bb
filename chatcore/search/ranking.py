"""The read half of the PostgreSQL backend: one search statement, ranked and bounded.

* **Bounded ranking.** A relevance-ordered search ranks only the ``RANK_CANDIDATES`` most
  recently updated matching documents (LibreChat likewise keeps only the 25 most recently
  updated matching conversations). A common word matching most of a user's history then
  costs one top-N pass over narrow rows instead of ranking, counting and carrying the text of
  every match; the count is of the ranked candidates.
* **Two plan shapes, same rows.** A rare word is looked up in the GIN index with the owner
  folded into it; a word in a large share of all documents is answered by walking the user's
  documents newest first (``_conditions``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model
from haystack.constants import DOCUMENT_FIELD
from haystack.models import SearchResult
from haystack.utils import get_model_ct

from chatcore.search.fields import OWNER_FIELD, group_fields_by_ct, owner_lexeme
from chatcore.search.query import Compiled
from chatcore.search.text import Terms, highlight

# A ranked search walks the user's documents newest first (instead of asking the GIN index)
# when the planner expects its words in at least this share of all documents.
WALK_MIN_FRACTION = 0.2
# The columns every search statement selects, in this order (``_result`` unpacks them).
_ROW = "d.data, d.created_at, d.updated_at, d.user_id, d.group_id"


class RankedSearch:
    """Searching for ``PostgresSearchBackend`` (which provides ``db``, ``table``,
    ``rank_candidates``, ``field_sql``, ``build_models_list`` and ``_unified_index``)."""

    db: Any
    table: str
    rank_candidates: int
    _table_rows_at: tuple[float, float] | None

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
                    SELECT d.django_ct, d.django_id, {body_sql}, {_ROW},
                           {score_sql} AS score, count(*) OVER () AS hits, {terms_sql}
                    FROM {self.table} d
                    WHERE {" AND ".join(where) or "TRUE"}
                    ORDER BY {order_sql}
                    {page_sql}
                """
                sql_params = [*score_params, *terms_params, *params]
            cursor.execute(sql, sql_params)
            rows = cursor.fetchall()
            hits = rows[0][9] if rows else self._count(cursor, where, params, start_offset, cap)
        terms = Terms(frozenset(), ())
        if highlight and compiled.tsquery and rows:
            terms = Terms.from_tsquery(rows[0][10])
        unified = self._unified_index()
        fields, groups = unified.all_searchfields(), group_fields_by_ct(unified)
        results = [
            self._result(row, result_class, highlight, terms, fields, groups) for row in rows
        ]
        return {"results": results, "hits": hits}

    def group_ids(
        self,
        *,
        owner: int,
        compiled: Compiled,
        models: Iterable[type[Model]],
        limit: int,
    ) -> list[int]:
        """The distinct groups (``GroupField`` values, e.g. conversation keys) of the ``limit``
        most recently updated of ``owner``'s documents of ``models`` matching ``compiled``,
        ascending: one statement that never leaves the database with a document, instead of
        ``limit`` result objects collected in Python. A word in a large share of all
        documents walks the owner's documents newest first, as a ranked search does."""
        with self.db.cursor() as cursor:
            walk = bool(compiled.tsquery) and self._is_common(cursor, compiled)
            where, params = self._conditions(compiled, [owner], models, None, walk=walk)
            cursor.execute(
                f"""
                SELECT DISTINCT m.group_id FROM (
                    SELECT d.group_id FROM {self.table} d
                    WHERE {" AND ".join(where)}
                    ORDER BY d.updated_at DESC NULLS LAST, d.id DESC
                    LIMIT {int(limit)}
                ) m
                WHERE m.group_id IS NOT NULL
                ORDER BY 1
                """,
                params,
            )
            return [row[0] for row in cursor.fetchall()]

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
                SELECT d.id, d.django_ct, d.django_id, {_ROW}, {score[0]} AS score
                FROM {self.table} d
                WHERE {" AND ".join(where)}
                ORDER BY d.updated_at DESC NULLS LAST, d.id DESC
                LIMIT {int(cap)}
            ), page AS (
                SELECT d.*, count(*) OVER () AS hits FROM candidates d
                ORDER BY {order_sql}
                {page_sql}
            )
            SELECT d.django_ct, d.django_id, {"b.body" if with_body else "''"}, {_ROW},
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

    def _result(
        self,
        row: Sequence[Any],
        result_class: type[SearchResult] | None,
        want_highlight: bool | dict[str, Any],
        terms: Terms,
        fields: dict[str, Any],
        groups: dict[str, str],
    ) -> SearchResult:
        ct, pk, body, data, created, updated, owner, group, score = row[:9]
        app_label, model_name = ct.split(".")
        stored: dict[str, Any] = {
            OWNER_FIELD: owner,
            "created_at": created,
            "updated_at": updated,
            DOCUMENT_FIELD: body,
        }
        if ct in groups:
            stored[groups[ct]] = group
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
