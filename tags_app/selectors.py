"""Reads of tags, scoped by the requesting user in the first queryset
(docs/api-behaviour.md#ownership)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import QuerySet

from chatcore.errors import InvalidInput
from chatcore.models import User
from tags_app.models import Tag

TAG_SORT_FIELDS = {
    "name": "name",
    "count": "count",
    "position": "position",
    "createdAt": "created_at",
}
TAG_SORT_ORDERS = ("asc", "desc")


def tag_list_for_user(*, user: User) -> QuerySet[Tag]:
    """All the user's tags in display order (position, then label), as ``GET /api/tags``."""
    return Tag.objects.filter(user=user).order_by("position", "name", "pk")


@dataclass(frozen=True)
class TagPage:
    tags: list[Tag]
    page_number: int
    page_size: int
    pages: int
    total: int


def tag_page_for_user(
    *, user: User, page_number: int, page_size: int, sort: str = "position", order: str = "asc"
) -> TagPage:
    """One numbered page of the user's tags (``GET /api/tags/list``).

    Page numbers (OFFSET) are fine here: a user has tens of tags, not millions of rows; the
    order always ends with the primary key so pages never overlap.
    """
    if sort not in TAG_SORT_FIELDS or order not in TAG_SORT_ORDERS:
        raise InvalidInput("sort or order is not allowed")
    field = TAG_SORT_FIELDS[sort]
    prefix = "-" if order == "desc" else ""
    queryset = Tag.objects.filter(user=user).order_by(f"{prefix}{field}", f"{prefix}pk")
    total = queryset.count()
    start = (page_number - 1) * page_size
    return TagPage(
        tags=list(queryset[start : start + page_size]),
        page_number=page_number,
        page_size=page_size,
        pages=math.ceil(total / page_size),
        total=total,
    )
