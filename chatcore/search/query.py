"""Haystack's query tree compiled to SQL for the PostgreSQL backend (``PostgresSearchQuery``):
user text only ever reaches ``websearch_to_tsquery``, field filters become typed conditions on
a column or on ``data`` (``chatcore.search.fields``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.utils.encoding import force_str
from haystack.backends import BaseSearchQuery, SearchNode
from haystack.constants import DOCUMENT_FIELD
from haystack.exceptions import SearchBackendError
from haystack.inputs import AutoQuery, BaseInput, Exact

from chatcore.search.fields import OWNER_FIELD

if TYPE_CHECKING:
    from chatcore.search.backend import PostgresSearchBackend

CONTENT_FIELDS = {"content", DOCUMENT_FIELD}


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
