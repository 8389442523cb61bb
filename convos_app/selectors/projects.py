"""Reads of projects, scoped by the requesting user in the first queryset
(docs/api-behaviour.md#projects)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from chatcore.models import User
from chatcore.pagination import KeysetPage, paginate_keyset
from convos_app.models import Project

LIST_SCOPE = "projects"
# ``lastConversationAt`` orders a project that holds no conversation by when it was created,
# so a new, empty project sorts among recent activity instead of after every other one.
SORT_FIELDS = {"name": "name", "createdAt": "created_at", "lastConversationAt": "activity_at"}


def project_get_for_user(*, user: User, project_id: str) -> Project:
    return Project.objects.access(user, project_id)


def _for_user(user: User) -> QuerySet[Project]:
    return Project.objects.for_user(user).annotate(
        activity_at=Coalesce("last_conversation_at", "created_at")
    )


def project_list_for_user(
    *,
    user: User,
    limit: int,
    cursor: str | None = None,
    search: str | None = None,
    sort_by: str = "lastConversationAt",
    sort_direction: str = "desc",
) -> KeysetPage[Project]:
    """One keyset page of the user's projects; ``search`` matches part of the name, any case."""
    queryset = _for_user(user)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return paginate_keyset(
        queryset,
        scope=f"{LIST_SCOPE}:{user.pk}:{search or ''}",
        sort_field=SORT_FIELDS[sort_by],
        descending=sort_direction == "desc",
        cursor=cursor,
        page_size=limit,
    )
