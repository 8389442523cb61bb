"""How the prepared fields of an index map onto ``chatcore_search_document``.

The kernel knows two kinds of fields by role, never by domain name: the ``owner`` (every
document has one, every search names one) and an index's *group* field, declared with
``GroupField``. The group is what documents are removed by in bulk (``sync.remove_groups``):
for chat data the conversation, so "every document of these conversations" is one
``DELETE ... WHERE group_id = ANY(...)``. A group field lands in the ``group_id`` column
(indexed, filterable); every other field but the timestamps lands in the ``data`` json.
"""

from __future__ import annotations

from typing import Any

from haystack import indexes
from haystack.constants import DJANGO_CT, DJANGO_ID
from haystack.exceptions import SearchBackendError
from haystack.utils import get_model_ct

OWNER_FIELD = "owner"
GROUP_COLUMN = "group_id"
# Prepared fields that every index may have and that land in real columns.
COLUMN_FIELDS = {
    OWNER_FIELD: "user_id",
    "created_at": "created_at",
    "updated_at": "updated_at",
    DJANGO_CT: "django_ct",
    DJANGO_ID: "django_id",
}
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


class GroupField(indexes.IntegerField):
    """The key documents of this index are grouped by (stored in the ``group_id`` column).

    To any other haystack engine it is a plain integer field, so an index stays portable.
    """


def group_field_of(index: Any) -> str | None:
    """The name of ``index``'s ``GroupField``, if it declares one (at most one)."""
    names = [name for name, field in index.fields.items() if isinstance(field, GroupField)]
    if len(names) > 1:
        raise SearchBackendError(f"{type(index).__name__} declares more than one GroupField")
    return names[0] if names else None


def group_field_names(unified_index: Any) -> set[str]:
    """Field names that are a group field of some index. A name must mean the same in every
    index: filtering on it reads ``group_id``, which would silently miss an index that keeps
    a field of that name in ``data``."""
    groups: set[str] = set()
    plain: set[str] = set()
    for index in unified_index.get_indexes().values():
        group = group_field_of(index)
        if group:
            groups.add(group)
        plain.update(name for name in index.fields if name != group)
    clash = groups & plain
    if clash:
        raise SearchBackendError(f"{sorted(clash)} is a GroupField in one index, not in another")
    return groups


def group_fields_by_ct(unified_index: Any) -> dict[str, str]:
    """``django_ct`` → the name its documents' ``group_id`` is returned under in results."""
    by_ct: dict[str, str] = {}
    for model, index in unified_index.get_indexes().items():
        group = group_field_of(index)
        if group:
            by_ct[get_model_ct(model)] = group
    return by_ct


class FieldColumns:
    """Field names to SQL for ``PostgresSearchBackend`` (which provides ``_unified_index``)."""

    def field_sql(self, name: str) -> str:
        """SQL for an indexed field: a real column, or the typed value kept in ``data``."""
        if name in COLUMN_FIELDS:
            return f"d.{COLUMN_FIELDS[name]}"
        unified = self._unified_index()
        if name in group_field_names(unified):
            return f"d.{GROUP_COLUMN}"
        fields = unified.all_searchfields()
        if name not in fields:
            raise SearchBackendError(f"Unknown search field {name!r}")
        field_type = fields[name].field_type
        cast = _SQL_CAST.get(field_type)
        name_literal = "'" + name.replace("'", "''") + "'"
        return f"(d.data->>{name_literal})::{cast}" if cast else f"(d.data->>{name_literal})"

    def is_multivalued(self, name: str) -> bool:
        fields = self._unified_index().all_searchfields()
        return name in fields and fields[name].is_multivalued
