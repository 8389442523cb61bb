"""The SQL of the conversation list, its count, the one-conversation read and the bulk actions'
selection: one definition of which rows match the list's filters, and of the columns an item
shows (docs/api-behaviour.md#conversation-list).

Written by hand because building and compiling the same statement through the ORM cost three
times as long as PostgreSQL took to run it (``chatcore/sql.py`` says how it was measured). Every
statement is owner-scoped in its first condition, and values only ever travel as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from convos_app.models import Conversation, Project, SharedLink
from tags_app.models import Tag, TaggedConversation

CONVERSATIONS = Conversation._meta.db_table
PROJECTS = Project._meta.db_table
LINKS = SharedLink._meta.db_table
TAGS = Tag._meta.db_table
TAG_LINKS = TaggedConversation._meta.db_table
UNASSIGNED = "unassigned"

# What a conversation item shows (``conversation_item`` turns a row into the wire item):
# the columns, the tag labels in the order they were put on, the project's public id and
# whether a live shared link exists. The row's own expiry is checked by every caller's WHERE.
ITEM_SELECT = f"""
SELECT c.id AS pk, c.conversation_id, c.title, c.user_id, c.endpoint, c.endpoint_type, c.model,
       c.agent_id, c.assistant_id, c.spec, c.icon_url, c.is_archived, c.archived_at, c.pinned,
       c.is_temporary, c.expired_at, c.files, c.settings, c.created_at, c.updated_at,
       ARRAY(SELECT t.name FROM {TAG_LINKS} l JOIN {TAGS} t ON t.id = l.tag_id
             WHERE l.conversation_id = c.id ORDER BY l.id) AS tag_names,
       p.project_id AS project_public_id,
       EXISTS(SELECT 1 FROM {LINKS} s WHERE s.conversation_id = c.id
              AND (s.expires_at IS NULL OR s.expires_at > %s)) AS is_shared
FROM {CONVERSATIONS} c LEFT JOIN {PROJECTS} p ON p.id = c.project_id
"""


@dataclass(frozen=True)
class Where:
    """A WHERE clause (without the keyword) and its parameters, in order."""

    sql: str
    params: list[Any] = field(default_factory=list)


def listed(
    *,
    user_id: int,
    is_archived: bool | None = False,
    tags: Sequence[str] = (),
    search_pks: Sequence[int] | None = None,
    pinned: bool | None = None,
    project_id: str | None = None,
) -> Where:
    """The user's listed conversations matching the list's filters: never a temporary chat (one
    with an expiry); ``tags`` any-of by label; ``project_id`` a project's public id or
    ``"unassigned"`` — another user's project id matches nothing, exactly like an id that does
    not exist; ``search_pks`` the matches of a full-text search (``None``: no search)."""
    clauses = ["c.user_id = %s", "c.expired_at IS NULL"]
    params: list[Any] = [user_id]
    if is_archived is not None:
        clauses.append("c.is_archived = %s")
        params.append(is_archived)
    if pinned is not None:
        clauses.append("c.pinned = %s")
        params.append(pinned)
    if tags:
        clauses.append(
            f"EXISTS(SELECT 1 FROM {TAG_LINKS} l JOIN {TAGS} t ON t.id = l.tag_id "
            "WHERE l.conversation_id = c.id AND t.name = ANY(%s))"
        )
        params.append(list(tags))
    if project_id == UNASSIGNED:
        clauses.append("c.project_id IS NULL")
    elif project_id:
        clauses.append(
            f"c.project_id = (SELECT id FROM {PROJECTS} WHERE user_id = %s AND project_id = %s)"
        )
        params.extend([user_id, project_id])
    if search_pks is not None:
        clauses.append("c.id = ANY(%s)")
        params.append(list(search_pks))
    return Where(" AND ".join(clauses), params)


def owned(*, user_id: int, conversation_id: str, now: datetime) -> Where:
    """The user's unexpired conversation with this public id (temporary chats included)."""
    return Where(
        "c.user_id = %s AND c.conversation_id = %s AND (c.expired_at IS NULL OR c.expired_at > %s)",
        [user_id, conversation_id, now],
    )


def sort_key(column: str, null_as: Any) -> tuple[str, list[Any]]:
    """The keyset's sort expression for ``column`` (a name from the selectors' ``SORT_FIELDS``,
    never client text), with NULLs sorting as ``null_as`` when it is given."""
    if null_as is None:
        return f"c.{column}", []
    return f"COALESCE(c.{column}, %s)", [null_as]


def item_rows_sql(
    where: Where,
    *,
    now: datetime,
    sort: tuple[str, list[Any]] | None = None,
    descending: bool = True,
    after: tuple[Any, int] | None = None,
    limit: int | None = None,
) -> tuple[str, list[Any]]:
    """The item rows of ``where``, in (sort, id) keyset order after ``after`` when sorted."""
    sql = ITEM_SELECT + "WHERE " + where.sql
    params: list[Any] = [now, *where.params]
    if sort is None:
        return sql, params
    expression, sort_params = sort
    direction = "DESC" if descending else "ASC"
    if after is not None:
        operator = "<" if descending else ">"
        sql += f" AND ({expression}, c.id) {operator} (%s, %s)"
        params += [*sort_params, *after]
    sql += f" ORDER BY {expression} {direction}, c.id {direction}"
    params += sort_params
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    return sql, params


def count_sql(where: Where) -> tuple[str, list[Any]]:
    return f"SELECT count(*) FROM {CONVERSATIONS} c WHERE {where.sql}", list(where.params)


def pks_sql(where: Where) -> tuple[str, list[Any]]:
    """The primary keys of ``where``'s rows, as a subquery for the bulk actions' queryset."""
    return f"SELECT c.id FROM {CONVERSATIONS} c WHERE {where.sql}", list(where.params)
