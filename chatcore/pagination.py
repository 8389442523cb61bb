"""Keyset ("seek") pagination with opaque, signed cursors (docs/api-behaviour.md#pagination).

A page is ``ORDER BY (sort, id) LIMIT n+1`` filtered by the row comparison
``(sort, id) < (last_sort, last_id)`` (``>`` ascending). PostgreSQL answers that from the
composite ``(owner, sort, id)`` index, so page 500 costs what page 1 costs, and because the
tuple is unique no row is lost or repeated when many rows share a timestamp or a title.

The cursor is ``django.core.signing`` over (field, direction, value, id): a client can carry it
but not forge or alter it, and a cursor minted for another ordering is refused. DRF's own
``CursorPagination`` answers 404 and does not sign, hence this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Expression,
    F,
    Func,
    IntegerField,
    Model,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce

from chatcore.errors import InvalidCursor, InvalidInput

T = TypeVar("T", bound=Model)

CURSOR_SALT = "chatcore.pagination.cursor"
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
SORT_ALIAS = "_keyset_sort"


class RowCompare(Func):
    """SQL row comparison ``(a, b) < (x, y)``: one btree range condition, not an OR chain."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, columns: Sequence[Any], values: Sequence[Value], operator: str) -> None:
        if operator not in {"<", ">"}:
            raise ValueError(operator)
        self.operator = operator
        self.width = len(columns)
        super().__init__(*columns, *values)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, expr_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expr_params)
        left = ", ".join(parts[: self.width])
        right = ", ".join(parts[self.width :])
        return f"({left}) {self.operator} ({right})", params


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    items: list[T]
    next_cursor: str | None
    # The payload slot of the cursor this page was asked with (empty on the first page).
    extra: dict[str, Any] = field(default_factory=dict)


def parse_page_size(
    raw: str | int | None,
    *,
    default: int = DEFAULT_PAGE_SIZE,
    maximum: int = MAX_PAGE_SIZE,
    name: str = "pageSize",
) -> int:
    """``None``/empty → default; a positive integer → clamped to ``maximum``; else 400."""
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(
            f"{name} must be a positive integer", fields={name: ["Must be a positive integer."]}
        )
    return min(int(text), maximum)


def _sort_expression(field: str, null_as: Any) -> Expression | F:
    if null_as is None:
        return F(field)
    output = DateTimeField() if isinstance(null_as, datetime) else CharField()
    return Coalesce(F(field), Value(null_as, output_field=output), output_field=output)


def _encode_value(value: Any) -> list[Any]:
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"unsupported keyset value {value!r}")
    return ["int" if isinstance(value, int) else "str", value]


def _decode_value(tagged: Any) -> datetime | int | str:
    kind, raw = tagged
    if kind == "dt":
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime in cursor")
        return parsed
    if kind == "int" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind == "str" and isinstance(raw, str):
        return raw
    raise ValueError("bad cursor value")


def _as_value(value: datetime | int | str) -> Value:
    """A decoded keyset value as an ORM ``Value`` typed like the column it is compared with."""
    if isinstance(value, datetime):
        return Value(value, output_field=DateTimeField())
    if isinstance(value, int):
        return Value(value, output_field=IntegerField())
    return Value(value, output_field=CharField())


def sign_cursor(*, scope: str, payload: dict[str, Any]) -> str:
    """The one cursor codec: ``payload`` signed and bound to ``scope`` (the list and, where it
    matters, the user and query it was minted for). Every paginated endpoint goes through
    this pair, whatever it keeps in the payload (keyset position, page number, offset)."""
    return signing.dumps({"s": scope, "p": payload}, salt=CURSOR_SALT, compress=True)


def open_cursor(cursor: str, *, scope: str) -> dict[str, Any]:
    """The payload of a cursor from ``sign_cursor`` for this ``scope``; ``InvalidCursor``
    (400) when it is forged, altered, truncated or minted for another scope."""
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
        if data["s"] != scope or not isinstance(data["p"], dict):
            raise ValueError("cursor minted for another list")
        return data["p"]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


def encode_cursor(
    *,
    scope: str,
    field: str,
    descending: bool,
    value: Any,
    pk: int,
    extra: dict[str, Any] | None = None,
) -> str:
    """A keyset position (after ``(value, pk)`` in ``field`` order); ``extra`` is a payload
    slot for what a list carries beside it (the conversation list's page number)."""
    payload = {"f": field, "d": descending, "v": _encode_value(value), "i": pk, "x": extra or {}}
    return sign_cursor(scope=scope, payload=payload)


def decode_cursor(
    cursor: str, *, scope: str, field: str, descending: bool
) -> tuple[datetime | int | str, int, dict[str, Any]]:
    """The (sort value, id, extra) a cursor points after; ``InvalidCursor`` (400) if it is not
    ours or was minted for another ordering."""
    payload = open_cursor(cursor, scope=scope)
    try:
        if payload["f"] != field or payload["d"] is not descending:
            raise ValueError("cursor minted for another ordering")
        pk = payload["i"]
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError("bad id")
        extra = payload.get("x", {})
        if not isinstance(extra, dict):
            raise ValueError("bad extra")
        return _decode_value(payload["v"]), pk, extra
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


# ``fetch(after, limit)``: at most ``limit`` rows in keyset order, each a dict (or model) with
# ``pk`` and the sort field, starting after the ``(sort value, pk)`` position (``None``: first).
KeysetFetch = Callable[[tuple[Any, int] | None, int], list[Any]]


def keyset_page(
    fetch: KeysetFetch,
    *,
    scope: str,
    sort_field: str,
    descending: bool,
    cursor: str | None,
    page_size: int,
    null_as: Any = None,
    next_extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> KeysetPage[Any]:
    """One keyset page from ``fetch`` and the cursor of the next: the cursor side of every
    keyset list, whether its rows come from a queryset (``paginate_keyset``) or from SQL.

    ``scope`` names the list (e.g. ``"convos"``) so a cursor from one list is refused by
    another; ``null_as`` is what a NULL sort value sorts as (the cursor carries it);
    ``next_extra`` maps the incoming cursor's payload slot to the next cursor's (a page
    counter, say); the incoming one is returned as ``KeysetPage.extra``.
    """
    after: tuple[Any, int] | None = None
    extra: dict[str, Any] = {}
    if cursor:
        value, pk, extra = decode_cursor(
            cursor, scope=scope, field=sort_field, descending=descending
        )
        after = (value, pk)
    rows = fetch(after, page_size + 1)
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = encode_cursor(
            scope=scope,
            field=sort_field,
            descending=descending,
            value=_value_of(last, sort_field, null_as),
            pk=last["pk"] if isinstance(last, dict) else last.pk,
            extra=next_extra(extra) if next_extra else None,
        )
    return KeysetPage(items=rows, next_cursor=next_cursor, extra=extra)


def paginate_keyset(
    queryset: QuerySet[T],
    *,
    scope: str,
    sort_field: str,
    descending: bool,
    cursor: str | None,
    page_size: int,
    nullable: bool = False,
    null_as: Any = None,
    next_extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> KeysetPage[T]:
    """One page of ``queryset`` ordered by (``sort_field``, id) and the cursor of the next
    (``keyset_page``). ``nullable`` sorts NULLs as the empty string so they get a place in the
    order; ``null_as`` sorts them as that value instead (a datetime for a nullable timestamp).
    A ``values()`` queryset works too: its rows must carry ``pk`` and ``sort_field``.
    """
    if nullable and null_as is None:
        null_as = ""
    qs = queryset.alias(**{SORT_ALIAS: _sort_expression(sort_field, null_as)})
    ordering = (f"-{SORT_ALIAS}", "-pk") if descending else (SORT_ALIAS, "pk")
    operator = "<" if descending else ">"

    def fetch(after: tuple[Any, int] | None, limit: int) -> list[T]:
        page = qs
        if after is not None:
            value, pk = after
            page = page.filter(
                RowCompare([F(SORT_ALIAS), F("pk")], [_as_value(value), Value(pk)], operator)
            )
        return list(page.order_by(*ordering)[:limit])

    return keyset_page(
        fetch,
        scope=scope,
        sort_field=sort_field,
        descending=descending,
        cursor=cursor,
        page_size=page_size,
        null_as=null_as,
        next_extra=next_extra,
    )


def _value_of(row: Model | dict[str, Any], field: str, null_as: Any) -> Any:
    if isinstance(row, dict):
        # A ``values()`` page (a list that reads only the columns it shows).
        value = row[field]
    else:
        value: Any = row
        for part in field.split("__"):
            value = getattr(value, part)
    if value is None and null_as is not None:
        return null_as
    return value
