"""``POST /api/convos/bulk``: one action over many of the user's conversations, all in one
transaction (docs/api-behaviour.md#bulk-actions).

The target set is named by ids (at most ``MAX_IDS``) or by the list's own filters. Ids that are
not the caller's answer ``not_found`` exactly like ids that never existed. Rows are locked in
primary-key order before anything changes; ``dryRun`` takes no lock and writes nothing but
answers what a real run would. Tag counts, project counts and search documents stay exact
because every change goes through the same primitives as the single-conversation routes
(``tags_app.services``, the project-count trigger, ``convos_app.search``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from chatcore.errors import InvalidInput
from chatcore.models import User
from convos_app.models import Conversation, Project
from convos_app.search import index_conversations
from convos_app.selectors.conversations import conversation_filter_queryset
from convos_app.services.delete import conversation_rows_delete
from convos_app.services.projects import projects_lock
from tags_app.services import tag_links_bulk_set

MAX_IDS = 1000
ACTIONS = ("archive", "unarchive", "pin", "unpin", "delete", "move", "tag", "untag")
CHANGED, UNCHANGED, NOT_FOUND = "changed", "unchanged", "not_found"
ITEM_STATUSES = (CHANGED, UNCHANGED, NOT_FOUND)


@dataclass(frozen=True)
class BulkResult:
    matched: int
    changed: int
    results: list[dict[str, str]] | None = field(default=None)


def _targets(
    user: User, conversation_ids: Sequence[str] | None, filters: dict[str, Any] | None
) -> QuerySet[Conversation]:
    if conversation_ids is not None:
        return Conversation.objects.for_user(user).filter(
            conversation_id__in=list(conversation_ids), expired_at__isnull=True
        )
    return conversation_filter_queryset(user=user, **(filters or {}))


def _changed_pks(action: str, rows: list[dict[str, Any]], project: Project | None) -> list[int]:
    """Which of the matched rows the action would change (the rest are ``unchanged``)."""
    wanted = {
        "archive": lambda row: not row["is_archived"],
        "unarchive": lambda row: row["is_archived"],
        "pin": lambda row: not row["pinned"],
        "unpin": lambda row: row["pinned"],
        "delete": lambda row: True,
        "move": lambda row: row["project_id"] != (project.pk if project else None),
    }[action]
    return [row["pk"] for row in rows if wanted(row)]


def _apply(action: str, pks: list[int], rows: list[dict[str, Any]], project: Project | None):
    now = timezone.now()
    queryset = Conversation.objects.filter(pk__in=pks)
    if action in {"archive", "unarchive"}:
        archiving = action == "archive"
        queryset.update(
            is_archived=archiving,
            archived_at=Coalesce(F("archived_at"), now) if archiving else None,
            updated_at=now,
        )
        index_conversations(pks)
    elif action in {"pin", "unpin"}:
        queryset.update(pinned=action == "pin")
    elif action == "move":
        projects_lock([row["project_id"] for row in rows] + [project.pk if project else None])
        queryset.update(project=project)
    elif action == "delete":
        projects_lock([row["project_id"] for row in rows])
        conversation_rows_delete(conversation_pks=pks)


@transaction.atomic
def conversations_bulk(
    *,
    user: User,
    action: str,
    conversation_ids: Sequence[str] | None = None,
    filters: dict[str, Any] | None = None,
    project_id: str | None = None,
    tag: str | None = None,
    dry_run: bool = False,
) -> BulkResult:
    if action not in ACTIONS:
        raise InvalidInput("action must be one of: " + ", ".join(ACTIONS))
    project = None
    if action == "move" and project_id is not None:
        project = Project.objects.access(user, project_id)
    targets = _targets(user, conversation_ids, filters).order_by("pk")
    if not dry_run:
        targets = targets.select_for_update(of=("self",))
    rows = list(targets.values("pk", "conversation_id", "is_archived", "pinned", "project_id"))
    pks = [row["pk"] for row in rows]
    if action in {"tag", "untag"}:
        changed = sorted(
            tag_links_bulk_set(
                user=user, name=tag, conversation_pks=pks, present=action == "tag", dry_run=dry_run
            )
        )
        if changed and not dry_run:
            index_conversations(changed)
    else:
        changed = _changed_pks(action, rows, project)
        if changed and not dry_run:
            _apply(action, changed, rows, project)
    results = None
    if conversation_ids is not None:
        changed_set = set(changed)
        status_by_id = {
            row["conversation_id"]: CHANGED if row["pk"] in changed_set else UNCHANGED
            for row in rows
        }
        results = [
            {"conversationId": cid, "status": status_by_id.get(cid, NOT_FOUND)}
            for cid in dict.fromkeys(conversation_ids)
        ]
    return BulkResult(matched=len(rows), changed=len(changed), results=results)
