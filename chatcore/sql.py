"""Reads of the hottest paths, with the ORM's routing and error handling but not its per-row
cost.

Building and compiling the conversation list's queryset cost more than running it (about 3 ms
against 1 ms for a 60-row page, measured with ``bench/floors.py``'s data), so that list and the
one-conversation read send SQL they write themselves (``fetch_dicts``). Reading a 2,000-message
conversation spent a third of its time in ``JSONField.from_db_value`` (the standard library's
``json.loads`` on four ``jsonb`` values a row), so that read keeps its queryset but runs it
through ``queryset_rows``. Both keep what the ORM would have given them: the database the
replica router picks (read-your-writes, docs/api-behaviour.md#read-your-writes), Django's cursor
(query counting, the one 503 for a database that is down) and ``jsonb`` decoded — with orjson,
once, in psycopg's loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import QuerySet
from psycopg.types.json import set_json_loads


def fetch_dicts(model: type[models.Model], sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dicts keyed by column name, read where ``model``'s reads go."""
    connection = connections[router.db_for_read(model)]
    with connection.cursor() as cursor:
        # Django registers a text loader for jsonb (JSONField decodes it); this cursor decodes.
        set_json_loads(orjson.loads, cursor.cursor)
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_value(model: type[models.Model], sql: str, params: Sequence[Any]) -> Any:
    """The first column of the first row of ``sql`` (a count), read where ``model``'s reads go."""
    connection = connections[router.db_for_read(model)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def queryset_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset as the database sends them, ``jsonb`` decoded by
    orjson and no Django converter run per value. Only for querysets whose columns need none
    on PostgreSQL (text, numbers, booleans, timestamps, ``jsonb``)."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # ``.none()``, or a filter that can match nothing
        return []
    with connections[queryset.db].cursor() as cursor:
        set_json_loads(orjson.loads, cursor.cursor)
        cursor.execute(sql, params)
        return cursor.fetchall()
