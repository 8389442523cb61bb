"""Imports and whole-account exports as background jobs (docs/api-behaviour.md#import-jobs,
docs/api-behaviour.md#export-jobs).

Both run through chatcore's job runner (``chatcore.jobs``): the job row, retries with back-off,
heartbeat and progress, crash recovery. This module only says what an import job and an
export job *do*:

- **import**: the upload was copied into chatcore's private uploads directory by the door;
  the worker opens it and calls the one import service, ``conversations_import``, unchanged —
  one transaction for the whole file, so an attempt killed half-way leaves nothing, and the
  retry starts from a clean slate. The upload is removed when the job ends.
- **export**: the caller's conversations (optionally filtered by tags, archived state and an
  ``updatedAt`` range) are streamed by the export service into one LibreChat JSON array —
  the same file ``POST /api/convos/import`` accepts, so an export round-trips. The file is
  kept (0600, in the exports directory) until ``CHATCORE_EXPORT_EXPIRY_SECONDS`` after the job
  succeeded.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from django.db.models import Exists, OuterRef, QuerySet

from chatcore.jobs import storage
from chatcore.jobs.models import Job
from chatcore.jobs.registry import Report, register_job_kind
from chatcore.jobs.services import job_start
from chatcore.models import User
from convos_app.models import Conversation
from convos_app.services.exports import ExportProgress, export_chunks
from convos_app.services.imports import ImportProgress, ImportResult, conversations_import
from tags_app.models import TaggedConversation

IMPORT_JOB = "import"
EXPORT_JOB = "export"
EXPORT_FILENAME = "chatcore-export-{date}.json"


# --- import ----------------------------------------------------------------------------------


def conversations_import_job_start(
    *, user: User, upload: IO[bytes], filename: str = "", file_format: str = "auto"
) -> Job:
    """Store the upload where the worker reads it and queue the import job (every door: HTTP,
    the admin import page, ``manage.py import_conversations --async``)."""
    path = storage.store_upload(upload)
    try:
        size = os.path.getsize(path)
        return job_start(
            user=user,
            kind=IMPORT_JOB,
            params={"filename": filename[:200], "file_format": file_format},
            file_path=path,
            progress=_import_progress_body(ImportProgress(0, 0, 0, 0, size)),
        )
    except BaseException:
        storage.remove_file(str(path))
        raise


def _import_progress_body(step: ImportProgress) -> dict[str, Any]:
    return {
        "conversations": step.conversations,
        "messages": step.messages,
        "bytes_read": step.bytes_read,
        "bytes_total": step.bytes_total,
    }


def import_result_body(result: ImportResult) -> dict[str, Any]:
    """The job's result: the synchronous 201 body, field for field."""
    return {
        "message": result.message,
        "conversations": result.conversations,
        "messages": result.messages,
        "skipped": [
            {"index": s.index, "title": s.title, "reason": s.reason} for s in result.skipped
        ],
    }


def import_job_run(job: Job, report: Report) -> Mapping[str, Any]:
    with open(job.file_path, "rb") as stream:
        result = conversations_import(
            user=job.user,
            stream=stream,
            file_format=job.params.get("file_format", "auto"),
            progress=lambda step: report(_import_progress_body(step)),
        )
    total = os.path.getsize(job.file_path)
    report(
        _import_progress_body(
            ImportProgress(result.conversations, result.messages, len(result.skipped), total, total)
        )
    )
    return import_result_body(result)


# --- export ----------------------------------------------------------------------------------


def conversations_export_job_start(
    *,
    user: User,
    tags: Sequence[str] = (),
    is_archived: bool | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
) -> Job:
    """Queue an export of the caller's conversations matching every given filter."""
    params = {
        "keep_file": True,
        "tags": list(tags),
        "is_archived": is_archived,
        "updated_after": updated_after.isoformat() if updated_after else None,
        "updated_before": updated_before.isoformat() if updated_before else None,
    }
    return job_start(
        user=user, kind=EXPORT_JOB, params=params, progress={"conversations": 0, "messages": 0}
    )


def export_queryset(user: User, params: Mapping[str, Any]) -> QuerySet[Conversation]:
    # Temporary chats stay out of export files, so no job file outlives a chat's expiry
    # (docs/api-behaviour.md#purge).
    queryset = Conversation.objects.for_user(user).filter(is_temporary=False)
    if params.get("tags"):
        links = TaggedConversation.objects.filter(
            conversation=OuterRef("pk"), tag__name__in=params["tags"]
        )
        queryset = queryset.filter(Exists(links))
    if params.get("is_archived") is not None:
        queryset = queryset.filter(is_archived=params["is_archived"])
    if params.get("updated_after"):
        queryset = queryset.filter(updated_at__gte=datetime.fromisoformat(params["updated_after"]))
    if params.get("updated_before"):
        queryset = queryset.filter(updated_at__lt=datetime.fromisoformat(params["updated_before"]))
    return queryset


def export_job_run(job: Job, report: Report) -> Mapping[str, Any]:
    storage.remove_file(job.file_path)  # a previous attempt's partial file
    path = storage.new_file_path(storage.EXPORTS, ".json")
    Job.objects.filter(pk=job.pk).update(file_path=str(path))
    job.file_path = str(path)
    done = ExportProgress(0, 0)

    def track(step: ExportProgress) -> None:
        nonlocal done
        done = step
        report({"conversations": step.conversations, "messages": step.messages})

    with (
        storage.open_private(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
    ):
        for chunk in export_chunks(
            conversations=export_queryset(job.user, job.params),
            export_format="json",
            progress=track,
        ):
            out.write(chunk)
    report({"conversations": done.conversations, "messages": done.messages})
    return {
        "conversations": done.conversations,
        "messages": done.messages,
        "bytes": os.path.getsize(path),
    }


def export_filename(job: Job) -> str:
    return EXPORT_FILENAME.format(date=job.created_at.strftime("%Y-%m-%d"))


def register_job_kinds() -> None:
    """Called from ``ConvosAppConfig.ready``: what the runner calls for each kind."""
    register_job_kind(IMPORT_JOB, import_job_run)
    register_job_kind(EXPORT_JOB, export_job_run)
