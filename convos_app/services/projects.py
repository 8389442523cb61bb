"""Create, rename, delete projects and move conversations between them
(docs/api-behaviour.md#projects).

The counts on a project are not written here: the conversation table's trigger
(``convos_app.project_counts``) recounts in the same transaction as any change, so these
services only change which project a conversation belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from chatcore.errors import Conflict
from chatcore.models import User
from convos_app.models import PROJECT_NAME_MAX_LENGTH, Conversation, Project

PROJECT_NAME_TAKEN = "A project with this name already exists"


@dataclass(frozen=True)
class ProjectDeleted:
    deleted: int
    unassigned: int


@dataclass(frozen=True)
class ProjectAssignment:
    conversation: Conversation
    previous_project_id: str | None
    project_id: str | None


def _saved(project: Project) -> Project:
    """Save inside a savepoint so a duplicate name is a 409, not a broken transaction."""
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:
        if "project_name_per_user" in str(exc):
            raise Conflict(PROJECT_NAME_TAKEN) from exc
        raise
    return project


def project_create(*, user: User, name: str, description: str | None = None) -> Project:
    now = timezone.now()
    return _saved(
        Project(
            user=user,
            name=name.strip(),
            description=(description or "").strip(),
            created_at=now,
            updated_at=now,
        )
    )


@transaction.atomic
def project_update(
    *, user: User, project_id: str, name: str | None = None, description: str | None = None
) -> Project:
    project = Project.objects.access(user, project_id, lock=True)
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description.strip()
    project.updated_at = timezone.now()
    return _saved(project)


@transaction.atomic
def project_delete(*, user: User, project_id: str) -> ProjectDeleted:
    """Delete the project; its conversations stay, unassigned (their ``updatedAt`` unchanged)."""
    project = Project.objects.access(user, project_id, lock=True)
    unassigned = Conversation.objects.filter(project=project).update(project=None)
    project.delete()
    return ProjectDeleted(deleted=1, unassigned=unassigned)


def projects_lock(project_pks: Iterable[int]) -> None:
    """Lock projects in id order before a statement that moves many conversations at once, so
    the per-row recount triggers never take project locks out of order (no deadlock)."""
    pks = sorted({pk for pk in project_pks if pk is not None})
    if pks:
        list(Project.objects.filter(pk__in=pks).order_by("pk").select_for_update().values("pk"))


@transaction.atomic
def conversation_assign_project(
    *, user: User, conversation_id: str, project_id: str | None
) -> ProjectAssignment:
    """Put the user's conversation in one of the user's projects (``None``: in none).

    Moving is organisation, not activity: ``updatedAt`` does not change.
    """
    project = Project.objects.access(user, project_id) if project_id is not None else None
    conversation = Conversation.objects.select_related("project").access(
        user, conversation_id, lock=True
    )
    previous = conversation.project.project_id if conversation.project else None
    if conversation.project_id != (project.pk if project else None):
        projects_lock([conversation.project_id, project.pk if project else None])
        Conversation.objects.filter(pk=conversation.pk).update(project=project)
    return ProjectAssignment(
        conversation=conversation, previous_project_id=previous, project_id=project_id
    )


def projects_by_name(*, user: User, names: Iterable[object]) -> dict[str, Project]:
    """The user's projects for these names (any case), creating the missing ones: an import
    files conversations into the importer's own project of that name
    (docs/api-behaviour.md#projects). Keys are the cleaned names as given; unusable names
    (not a string, empty) are left out. Call inside the import's transaction."""
    cleaned = {
        str(name).strip()[:PROJECT_NAME_MAX_LENGTH].strip()
        for name in names
        if isinstance(name, str) and name.strip()
    }
    if not cleaned:
        return {}
    existing = {
        project.name.lower(): project
        for project in Project.objects.annotate(lower=Lower("name")).filter(
            user=user, lower__in=[name.lower() for name in cleaned]
        )
    }
    found: dict[str, Project] = {}
    for name in sorted(cleaned):
        project = existing.get(name.lower())
        if project is None:
            now = timezone.now()
            project = Project.objects.create(user=user, name=name, created_at=now, updated_at=now)
            existing[name.lower()] = project
        found[name] = project
    return found
