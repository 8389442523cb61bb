"""A django-haystack backend on PostgreSQL full-text search.

``HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "chatcore.search.backend.PostgresSearchEngine"}}``

Documents live in ``chatcore_search_document`` (``chatcore.search.models``) in the same database
as the data, so an index write is part of the data write's transaction: what commits is
searchable at once, what rolls back never was, and a deleted row's documents go with it
(``chatcore.search.triggers``). The backend knows no domain model: indexes declare their
fields, the owner and an optional group (``chatcore.search.fields``).

The backend is split by feature: ``documents`` (writes), ``query`` (haystack's query tree to
SQL), ``ranking`` (the search statement and its results), ``fields`` (field names to columns).
Safety properties they share:

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
  PostgreSQL's 1 MiB tsvector limit; the stored object is never cut.
* **Bounded ranking.** A relevance-ordered search ranks only the ``RANK_CANDIDATES`` most
  recently updated matches (``chatcore.search.ranking``).

Connection options (all optional): ``CONFIG`` (text search configuration, default
``simple``), ``MAX_TEXT_CHARS`` (100000), ``RANK_CANDIDATES`` (2000; 0 ranks every match),
``QUEUE_UPDATES`` (False: index inside the write's transaction; True: after commit, as for a
remote engine), ``REQUIRE_OWNER`` (True), and haystack's ``BATCH_SIZE``.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connections as db_connections
from django.db import router
from django.utils.encoding import force_str
from haystack import connections
from haystack.backends import BaseEngine, BaseSearchBackend, log_query
from haystack.exceptions import SearchBackendError

from chatcore.search.documents import DocumentWrites
from chatcore.search.fields import FieldColumns
from chatcore.search.models import SearchDocument
from chatcore.search.query import Compiled, PostgresSearchQuery
from chatcore.search.ranking import RankedSearch
from chatcore.search.text import prepare_user_query

DEFAULT_MAX_TEXT_CHARS = 100_000
DEFAULT_RANK_CANDIDATES = 2_000
_CONFIG_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
_UNSUPPORTED = ("facets", "date_facets", "query_facets", "narrow_queries", "within", "dwithin")


class PostgresSearchBackend(DocumentWrites, RankedSearch, FieldColumns, BaseSearchBackend):
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

    @property
    def db(self) -> Any:
        return db_connections[router.db_for_write(SearchDocument)]

    def _unified_index(self) -> Any:
        return connections[self.connection_alias].get_unified_index()

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

    def compile_text(self, text: str) -> Compiled:
        """A plain user query (websearch syntax) as the ``Compiled`` a search runs."""
        compiled = Compiled()
        compiled.tsquery, compiled.tsquery_params = self.tsquery_sql(text)
        compiled.where.append(f"numnode({compiled.tsquery}) > 0")
        compiled.params.extend(compiled.tsquery_params)
        return compiled

    @log_query
    def search(self, query_string: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(query_string, Compiled):
            compiled = query_string
        else:
            text = force_str(query_string or "").strip()
            compiled = self.compile_text(text) if text and text != "*" else Compiled()
        owners = list(compiled.owners)
        if kwargs.get("owner") is not None:
            owners.append(int(kwargs["owner"]))
        if not owners and self.require_owner:
            raise SearchBackendError("Every search must be restricted to one owner")
        for unsupported in _UNSUPPORTED:
            if kwargs.get(unsupported):
                raise SearchBackendError(f"{unsupported} is not supported by this backend")
        return self._run(compiled, owners, **kwargs)


class PostgresSearchEngine(BaseEngine):
    backend = PostgresSearchBackend
    query = PostgresSearchQuery
