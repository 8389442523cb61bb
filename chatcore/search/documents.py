"""Writes of the PostgreSQL backend: set-based upserts and deletes of search documents.

Every write is a few statements whatever the number of objects (``BATCH_SIZE`` rows per
upsert, one ``DELETE`` per removal call), and runs on the data's own database connection, so
it is part of the caller's transaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db.models import Model
from django.utils.encoding import force_str
from haystack.constants import DJANGO_CT, DJANGO_ID, DOCUMENT_FIELD
from haystack.exceptions import SearchBackendError
from haystack.utils import get_model_ct

from chatcore.bulk_copy import log_statement
from chatcore.search.fields import COLUMN_FIELDS, OWNER_FIELD, group_field_of
from chatcore.search.text import cap, normalize

# Worst case a tsvector takes ~2.5x the bytes of its (normalised) input: one distinct CJK
# character per token costs ~12 bytes for ~5 input bytes. 256 KiB of input stays well below
# PostgreSQL's 1 MiB tsvector limit whatever the script, so no write can fail on it.
MAX_VECTOR_INPUT_BYTES = 256 * 1024
_COLUMNS = ("ct", "id", "user", "group", "body", "normalized", "data", "created", "updated")
_ON_CONFLICT = """
    ON CONFLICT (django_ct, django_id) DO UPDATE SET
        user_id = EXCLUDED.user_id, group_id = EXCLUDED.group_id,
        body = EXCLUDED.body, vector = EXCLUDED.vector, data = EXCLUDED.data,
        created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
"""
# The temporary table ``update_prepared`` streams its rows through (dropped at commit).
STAGING = "chatcore_search_staging"


class DocumentWrites:
    """The write half of ``PostgresSearchBackend`` (which provides ``db``, ``table``,
    ``config``, ``max_text_chars`` and ``batch_size``)."""

    db: Any
    table: str
    config: str
    max_text_chars: int
    batch_size: int

    def update(self, index: Any, iterable: Iterable[Model], commit: bool = True) -> None:
        """Upsert the documents of ``iterable`` in statements of ``BATCH_SIZE`` rows."""
        batch: list[dict[str, Any]] = []
        weight = getattr(index, "search_weight", "D")
        group_field = group_field_of(index)
        for obj in iterable:
            prepared = index.full_prepare(obj)
            batch.append(self._document_row(prepared, group_field))
            if len(batch) >= self.batch_size:
                self._upsert(batch, weight)
                batch = []
        if batch:
            self._upsert(batch, weight)

    def update_documents(self, pairs: Sequence[tuple[Any, Model]]) -> None:
        """Upsert the documents of objects of several indexes (each ``(index, obj)``) in one
        statement per ``BATCH_SIZE`` rows: a write path that just inserted a conversation and
        its message indexes both at once (``chatcore.search.sync.index_instances``)."""
        for start in range(0, len(pairs), self.batch_size):
            rows: list[dict[str, Any]] = []
            weights: list[str] = []
            for index, obj in pairs[start : start + self.batch_size]:
                rows.append(self._document_row(index.full_prepare(obj), group_field_of(index)))
                weights.append(getattr(index, "search_weight", "D"))
            self._upsert(rows, weights)

    def _document_row(self, prepared: dict[str, Any], group_field: str | None) -> dict[str, Any]:
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
            if key not in COLUMN_FIELDS and key not in {DOCUMENT_FIELD, "id", group_field}
        }
        group = prepared.get(group_field) if group_field else None
        return {
            "ct": prepared[DJANGO_CT],
            "id": int(prepared[DJANGO_ID]),
            "user": int(owner),
            "group": None if group is None else int(group),
            "body": body,
            "normalized": _cap_bytes(normalize(body), MAX_VECTOR_INPUT_BYTES),
            "data": json.dumps(data),
            "created": prepared.get("created_at"),
            "updated": prepared.get("updated_at"),
        }

    def _upsert(self, rows: list[dict[str, Any]], weight: str | list[str]) -> None:
        weights = [weight] * len(rows) if isinstance(weight, str) else weight
        for one in set(weights):
            if one not in {"A", "B", "C", "D"}:
                raise SearchBackendError(f"Invalid search weight {one!r}")
        arrays = [[row[column] for row in rows] for column in _COLUMNS]
        # The owner lexeme (``fields.owner_lexeme``) is built from the integer column here.
        sql = f"""
            INSERT INTO {self.table} AS d
                (django_ct, django_id, user_id, group_id, body, vector, data,
                 created_at, updated_at)
            SELECT t.ct, t.id, t.uid, t.gid, t.body,
                   setweight(to_tsvector(%s::regconfig, t.norm), t.weight::"char")
                       || array_to_tsvector(ARRAY[' owner ' || t.uid::text]),
                   t.data::jsonb, t.created, t.updated
            FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::bigint[],
                        %s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[],
                        %s::text[])
                 AS t(ct, id, uid, gid, body, norm, data, created, updated, weight)
            {_ON_CONFLICT}
        """
        with self.db.cursor() as cursor:
            cursor.execute(sql, [self.config, *arrays, weights])

    def update_prepared(self, index: Any, prepared: Iterable[dict[str, Any]]) -> None:
        """Upsert documents the caller prepared itself (what ``index.full_prepare`` returns)
        for a bulk writer that holds plain values, not model instances
        (``convos_app/services/imports/service.py``).

        The rows are streamed with ``COPY`` into a temporary table and moved into the document
        table by one ``INSERT ... SELECT`` that computes the vectors: for thousands of rows
        that costs a fraction of binding one array per column (psycopg dumps those in Python).
        Four statements whatever the number of rows.
        """
        weight = getattr(index, "search_weight", "D")
        if weight not in {"A", "B", "C", "D"}:
            raise SearchBackendError(f"Invalid search weight {weight!r}")
        group_field = group_field_of(index)
        with self.db.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} (ct text, id bigint, "
                "uid bigint, gid bigint, body text, norm text, data jsonb, "
                "created timestamptz, updated timestamptz) ON COMMIT DROP"
            )
            copy_sql = f"COPY {STAGING} FROM STDIN"
            started = time.monotonic()
            with self.db.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for one in prepared:
                    row = self._document_row(one, group_field)
                    copy.write_row([row[column] for column in _COLUMNS])
            log_statement(self.db, copy_sql, started)
            cursor.execute(
                f"""
                INSERT INTO {self.table} AS d
                    (django_ct, django_id, user_id, group_id, body, vector, data,
                     created_at, updated_at)
                SELECT t.ct, t.id, t.uid, t.gid, t.body,
                       setweight(to_tsvector(%s::regconfig, t.norm), %s::"char")
                           || array_to_tsvector(ARRAY[' owner ' || t.uid::text]),
                       t.data, t.created, t.updated
                FROM {STAGING} t
                {_ON_CONFLICT}
                """,
                [self.config, weight],
            )
            # Emptied by TRUNCATE, not DELETE: deleted rows stay in the table until the
            # transaction ends, and the next batch would scan every earlier batch's.
            cursor.execute(f"TRUNCATE {STAGING}")

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

    def remove_groups(self, group_ids: Sequence[int], django_cts: Sequence[str]) -> int:
        """Remove every document of these kinds whose group is one of ``group_ids``, in one
        statement (through the ``group_id`` index)."""
        with self.db.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.table} WHERE group_id = ANY(%s) AND django_ct = ANY(%s)",
                [[int(pk) for pk in group_ids], list(django_cts)],
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
