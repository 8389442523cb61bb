"""Creating, reading and maintaining jobs: what the doors (HTTP, admin, ``manage.py``) call.

``job_start`` writes the job row and enqueues its first attempt in one transaction, so a
job is never queued without its row nor stored without its queue entry.
``job_for_user`` is the owner-scoped read: another user's job id answers the same 404 as a
missing one (docs/api-behaviour.md#ownership).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chatcore.errors import NotFound
from chatcore.jobs import storage
from chatcore.jobs.models import FINISHED, Job, JobStatus
from chatcore.jobs.registry import job_kind
from chatcore.jobs.runner import enqueue_attempt, jobs_recover_stale
from chatcore.models import User

logger = logging.getLogger(__name__)

JOB_NOT_FOUND = "Job not found"


@transaction.atomic
def job_start(
    *,
    user: User,
    kind: str,
    params: Mapping[str, Any] | None = None,
    file_path: Path | None = None,
    progress: Mapping[str, Any] | None = None,
) -> Job:
    """A queued job of ``kind`` for ``user``, its first attempt on the queue."""
    job = Job.objects.create(
        user=user,
        kind=kind,
        params=dict(params or {}),
        progress=dict(progress or {}),
        file_path=str(file_path or ""),
        max_attempts=job_kind(kind).max_attempts,
    )
    enqueue_attempt(job)
    return job


def job_for_user(*, user: User, job_id: str, kind: str) -> Job:
    """The user's job of ``kind`` with this id, or 404 (also for a malformed id)."""
    job = Job.objects.for_user(user).filter(kind=kind, pk=_uuid_or_none(job_id)).first()
    if job is None:
        raise NotFound(JOB_NOT_FOUND)
    return job


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


def job_files_cleanup() -> int:
    """Remove expired export files and files no live job points at; returns how many."""
    now = timezone.now()
    removed = 0
    for job in Job.objects.filter(expires_at__lt=now).exclude(file_path=""):
        storage.remove_file(job.file_path)
        Job.objects.filter(pk=job.pk).update(file_path="")
        removed += 1
    keep = set(Job.objects.exclude(file_path="").values_list("file_path", flat=True))
    for path in storage.stale_files(
        keep=keep, older_than_seconds=settings.CHATCORE_JOB_FILE_GRACE_SECONDS
    ):
        storage.remove_file(str(path))
        removed += 1
    return removed


def jobs_prune() -> int:
    """Delete finished jobs (and the queue's finished rows) past ``CHATCORE_JOB_RETENTION_DAYS``."""
    cutoff = timezone.now() - timedelta(days=settings.CHATCORE_JOB_RETENTION_DAYS)
    old = Job.objects.filter(status__in=FINISHED, finished_at__lt=cutoff)
    for path in old.exclude(file_path="").values_list("file_path", flat=True):
        storage.remove_file(path)
    deleted, _ = old.delete()
    DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def jobs_maintenance() -> dict[str, int]:
    """The periodic pass: recover jobs whose worker died, clean files, prune old rows."""
    return {
        "recovered": jobs_recover_stale(),
        "files_removed": job_files_cleanup(),
        "pruned": jobs_prune(),
    }


__all__ = [
    "JOB_NOT_FOUND",
    "Job",
    "JobStatus",
    "job_files_cleanup",
    "job_for_user",
    "job_start",
    "jobs_maintenance",
]
