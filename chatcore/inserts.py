"""One-statement inserts that answer what a write path needs to know.

``Model.save()`` and ``get_or_create`` cost a statement per question (does it exist? insert,
savepoint, update, re-read) and send model signals. A hot write path that must stay within a
few statements (``POST /api/messages/{id}``: docs/api-behaviour.md#message-create) instead
inserts its unsaved instance here with PostgreSQL's ``ON CONFLICT``, and reads back in the
same statement the columns it needs plus whether the row is new. No signals are sent: the
caller writes search documents itself, as every bulk path does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


def _prepared(instance: Model, connection: Any) -> list[tuple[Field, Any]]:
    return [
        (field, field.get_db_prep_save(field.pre_save(instance, add=True), connection))
        for field in type(instance)._meta.concrete_fields
        if not field.primary_key
    ]


def insert_row(
    instance: Model,
    *,
    conflict: Sequence[str],
    update: Sequence[str] | None = None,
    returning: Sequence[str] = ("id",),
) -> tuple[Any, ...] | None:
    """Insert the unsaved ``instance`` in one ``INSERT ... ON CONFLICT ... RETURNING``.

    ``conflict`` names the columns of a unique constraint. With ``update`` (column names) an
    existing row gets those columns from ``instance``; without it, a conflict leaves the row
    alone and the answer is ``None``. Otherwise the answer is the ``returning`` columns
    followed by ``True`` when the row was inserted, ``False`` when it existed. The primary key
    is set on ``instance`` when it is among ``returning``.
    """
    model = type(instance)
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = [quote(field.column) for field in fields]
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    target = ", ".join(quote(column) for column in conflict)
    if update:
        sets = ", ".join(f"{quote(column)} = EXCLUDED.{quote(column)}" for column in update)
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    answer = ", ".join(quote(column) for column in returning)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(values))}) "
        f"ON CONFLICT ({target}) {action} RETURNING {answer}, (xmax = 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    pk_column = meta.pk.column
    if pk_column in returning:
        instance.pk = row[list(returning).index(pk_column)]
        instance._state.adding = False
        instance._state.db = alias
    return tuple(row)


def insert_with_parent(
    parent: Model,
    child: Model,
    *,
    parent_conflict: Sequence[str],
    parent_update: Sequence[str],
    parent_returning: Sequence[str],
    child_conflict: Sequence[str],
    child_link: str,
) -> tuple[tuple[Any, ...], int | None]:
    """Upsert ``parent`` and insert ``child`` pointing at it, in one statement.

    ``parent`` is upserted as ``insert_row(parent, conflict=..., update=...)`` does; ``child``
    is inserted with its ``child_link`` column (the foreign key) set to the parent's primary
    key, leaving an existing row alone on a ``child_conflict``. The answer is the values of
    ``parent_returning`` (SQL expressions over the upserted parent row, written by the caller:
    quoted column names, or a subquery that then sees the data as it was before this
    statement) plus the parent's "inserted" flag, and the child's primary key, or ``None``
    when the child conflicted (the caller then rolls the parent's change back by raising).
    Both instances get their primary keys.
    """
    parent_meta = type(parent)._meta
    child_meta = type(child)._meta
    alias = router.db_for_write(type(child))
    connection = connections[alias]
    quote = connection.ops.quote_name
    parent_fields = _prepared(parent, connection)
    child_fields = [(f, v) for f, v in _prepared(child, connection) if f.column != child_link]
    sets = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in parent_update)
    # In a SELECT list a parameter has no column to take its type from: each is cast to its
    # column's type (``cast_db_type``: ``varchar`` without a length, so nothing is cut).
    child_values = ", ".join(
        f"CAST(%s AS {field.cast_db_type(connection)})" for field, _ in child_fields
    )
    parent_pk = quote(parent_meta.pk.column)
    sql = (
        f"WITH p AS (INSERT INTO {quote(parent_meta.db_table)} "
        f"({', '.join(quote(f.column) for f, _ in parent_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(parent_fields))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in parent_conflict)}) DO UPDATE SET {sets} "
        f"RETURNING {', '.join(parent_returning)}, "
        f"(xmax = 0) AS inserted_, {parent_pk} AS pk_), "
        f"c AS (INSERT INTO {quote(child_meta.db_table)} "
        f"({', '.join(quote(f.column) for f, _ in child_fields)}, {quote(child_link)}) "
        f"SELECT {child_values}, p.pk_ FROM p "
        f"ON CONFLICT ({', '.join(quote(c) for c in child_conflict)}) DO NOTHING "
        f"RETURNING {quote(child_meta.pk.column)}) "
        f"SELECT p.*, (SELECT * FROM c) FROM p"
    )
    params = [value for _, value in parent_fields] + [value for _, value in child_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    *answer, parent_key, child_key = row
    parent.pk = parent_key
    parent._state.adding, parent._state.db = False, alias
    link = next(field for field in child_meta.concrete_fields if field.column == child_link)
    setattr(child, link.name, parent)  # the key and the cached parent (no later query)
    if child_key is not None:
        child.pk = child_key
        child._state.adding, child._state.db = False, alias
    return tuple(answer), child_key


def stored_json(value: Any) -> Any:
    """``value`` as a ``jsonb`` column gives it back: object keys ordered shortest first, then
    bytewise (PostgreSQL's storage order), at every level. An answer built from inserted
    values instead of re-read rows uses it, so the body is the one a re-read would give."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return {key: stored_json(value[key]) for key in keys}
    if isinstance(value, list):
        return [stored_json(item) for item in value]
    return value
