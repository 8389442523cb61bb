"""COPY-based bulk inserts: the rows of one model in one statement, without model instances.

``bulk_create`` builds a model instance per row, runs every field of every instance through
the field API and sends ``INSERT ... VALUES`` with one bound parameter per value. For an import
of 100,000 messages that per-row Python work was most of the time
(``convos_app/services/imports/service.py``). ``RowCopy`` prepares a model's defaults once,
converts a value through its field only when its type needs it, and streams the rows with
PostgreSQL's ``COPY ... FROM STDIN``, which psycopg encodes in C. ``reserve_pks`` mints the
primary keys of rows that other rows point at, in one statement, so parents and children are
copied without reading anything back.

Values become what the ORM would have written: a value whose type the column takes as it is
(a ``str`` for a text column, an ``int`` for an integer column, a ``bool`` for a boolean) goes
as it is; any other value goes through ``Field.get_db_prep_save``, as ``bulk_create`` does.
Database errors surface as Django's exceptions, and the statement runs in the caller's
transaction. ``COPY`` bypasses Django's cursor wrapper, so the statement is added to
``connection.queries`` by hand (query-count tests see it like any other).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connections, models, router
from django.utils import timezone

_AS_IS: tuple[tuple[type[models.Field], type], ...] = (
    (models.CharField, str),
    (models.TextField, str),
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.BigIntegerField, int),
    (models.ForeignKey, int),
)


def _as_is_type(field: models.Field) -> type | None:
    """The Python type this column takes without conversion (``None``: always convert)."""
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        return int if isinstance(target, models.AutoField | models.IntegerField) else None
    for kind, python_type in _AS_IS:
        if isinstance(field, kind):
            return python_type
    return None


class RowCopy:
    """Rows of ``model`` for ``COPY``: every concrete column (the primary key only with
    ``with_pk``), each row given as a mapping of attribute names to values; a column the
    mapping leaves out gets the field's default (``auto_now`` columns: the current time)."""

    def __init__(self, model: type[models.Model], *, with_pk: bool = False) -> None:
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
        self.attnames = [f.attname for f in self.fields]
        self._by_attname = {f.attname: f for f in self.fields}
        self._as_is = {f.attname: _as_is_type(f) for f in self.fields}
        # Defaults: constant ones prepared once, callable ones (and auto_now) per row.
        self._defaults: dict[str, Any] = {}
        self._row_defaults: dict[str, Callable[[], Any]] = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self._row_defaults[field.attname] = timezone.now
            elif field.has_default() and callable(field.default):
                self._row_defaults[field.attname] = field.get_default
            elif not field.primary_key:
                self._defaults[field.attname] = self.prepared(field.attname, field.get_default())
        quote = self.connection.ops.quote_name
        self.sql = (
            f"COPY {quote(meta.db_table)} "
            f"({', '.join(quote(f.column) for f in self.fields)}) FROM STDIN"
        )

    def default(self, attname: str) -> Any:
        """The value a row that leaves ``attname`` out gets (before preparation)."""
        if attname in self._row_defaults:
            return self._row_defaults[attname]()
        return self._by_attname[attname].get_default()

    def prepared(self, attname: str, value: Any) -> Any:
        """``value`` as the ORM would send it for that column."""
        if value is None:
            return None
        if type(value) is self._as_is[attname]:
            return value
        return self._by_attname[attname].get_db_prep_save(value, self.connection)

    def row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """One row in column order: ``values`` (prepared here) over the defaults."""
        prepared = self.prepared
        out = []
        for attname in self.attnames:
            if attname in values:
                out.append(prepared(attname, values[attname]))
            elif attname in self._row_defaults:
                out.append(prepared(attname, self._row_defaults[attname]()))
            else:
                out.append(self._defaults[attname])
        return tuple(out)

    def copy(self, rows: Iterable[Sequence[Any]]) -> int:
        """Write ``rows`` (built by ``row``) in one ``COPY``; returns how many were written."""
        connection = self.connection
        written = 0
        started = time.monotonic()
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(self.sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
                written += 1
        log_statement(connection, self.sql, started)
        return written


def reserve_pks(counts: Sequence[tuple[type[models.Model], int]]) -> list[list[int]]:
    """Fresh primary keys from each model's sequence (``count`` of them per model), in one
    statement: the keys ``bulk_create`` would have been given, known before the rows exist."""
    if not counts:
        return []
    connection = connections[router.db_for_write(counts[0][0])]
    quote = connection.ops.quote_name
    selects = []
    params: list[Any] = []
    for model, count in counts:
        meta = model._meta
        selects.append(
            "ARRAY(SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass "
            "AS seq) s, generate_series(1, %s))"
        )
        params += [quote(meta.db_table), meta.pk.column, count]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        return [list(keys) for keys in cursor.fetchone()]


def log_statement(connection: Any, sql: str, started: float) -> None:
    """Record a statement run on the raw psycopg cursor (``COPY``) in ``connection.queries``,
    as Django's debug cursor records the others."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
