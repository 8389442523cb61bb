"""The one task on the queue: run an attempt of a ``Job``, with heartbeat, retries and recovery.

Every job kind goes through ``run_job`` (a django-tasks task), so the worker, the retry policy
and the crash recovery are the same for imports, exports and titles
(docs/api-behaviour.md#jobs):

- **Claim.** The attempt locks the job row, checks that the job is still queued and that this
  task result is the job's current attempt (a stray duplicate does nothing), and marks it
  running.
- **Heartbeat.** While the handler works, a thread with its own database connection writes
  ``heartbeat_at`` and the latest progress every ``CHATCORE_JOB_HEARTBEAT_SECONDS`` — outside
  the handler's transaction, so progress is visible while an import is still uncommitted.
- **Failure.** An ``ApplicationError`` (bad input) fails the job at once with its sentence.
  Any other exception is an attempt that failed: the next one is enqueued after
  ``CHATCORE_JOB_RETRY_BASE_SECONDS * 2**(attempt-1)`` seconds, and after ``max_attempts``
  the job is failed with the error. The exception is re-raised so the queue's own row records
  the traceback (admin, "Task results").
- **A dead worker** (kill -9, lost host) stops the heartbeat; PostgreSQL rolls back its open
  transaction when the connection drops, so nothing half-written stays. ``jobs_recover_stale``
  (worker start-up and the maintenance pass) treats such a job as a failed attempt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from chatcore.errors import ApplicationError, error_body
from chatcore.jobs import storage
from chatcore.jobs.models import Job, JobStatus
from chatcore.jobs.registry import job_kind

logger = logging.getLogger(__name__)

JOB_FAILED = "The job failed"
WORKER_LOST = "The worker running this job stopped"
QUEUE_NAME = "default"


class WorkerLost(Exception):
    """Recorded on the queue's row of an attempt whose worker died."""


def retry_delay(attempt: int) -> timedelta:
    """Exponential back-off after failed attempt number ``attempt`` (1-based)."""
    base = settings.CHATCORE_JOB_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** (attempt - 1), settings.CHATCORE_JOB_RETRY_MAX_SECONDS)
    )


def enqueue_attempt(job: Job, *, delay: timedelta | None = None) -> None:
    """Put the next attempt of ``job`` on the queue, in the caller's transaction, so the job row
    and its queue row commit (or vanish) together."""
    queued = run_job
    if delay:
        queued = run_job.using(run_after=timezone.now() + delay)
    result = queued.enqueue(str(job.pk))
    job.task_id = str(result.id)
    job.save(update_fields=["task_id"])


def _claim(job_id: str, task_id: str) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED or job.task_id != task_id:
            return None
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
        return job


class Heartbeat:
    """Writes liveness and the latest progress of a running job from its own thread."""

    def __init__(self, job_pk: Any) -> None:
        self.job_pk = job_pk
        self.latest: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"job-heartbeat-{job_pk}", daemon=True
        )

    def report(self, progress: Mapping[str, Any]) -> None:
        self.latest = dict(progress)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if self.latest is not None:
            fields["progress"] = self.latest
        Job.objects.filter(pk=self.job_pk, status=JobStatus.RUNNING).update(**fields)

    def _run(self) -> None:
        interval = settings.CHATCORE_JOB_HEARTBEAT_SECONDS
        try:
            while not self._stop.wait(interval):
                try:
                    self._beat()
                except Exception:  # a missed beat is retried; a long outage makes the job stale
                    logger.exception("heartbeat of job %s failed", self.job_pk)
                    close_old_connections()
        finally:
            connection.close()


def _finish(job: Job, *, status: str, result: Any = None, error: Any = None) -> None:
    """Mark the job finished; the upload it read is removed (an export keeps its file)."""
    job.status = status
    job.result = result
    job.error = error
    job.finished_at = timezone.now()
    fields = ["status", "result", "error", "finished_at", "progress", "heartbeat_at"]
    if status == JobStatus.SUCCEEDED and job.result is not None and job.params.get("keep_file"):
        job.expires_at = job.finished_at + timedelta(
            seconds=settings.CHATCORE_EXPORT_EXPIRY_SECONDS
        )
        fields.append("expires_at")
    else:
        storage.remove_file(job.file_path)
        job.file_path = ""
        fields.append("file_path")
    job.save(update_fields=fields)


def failed_attempt(job: Job, error: Mapping[str, Any]) -> None:
    """Retry ``job`` with back-off, or fail it once it has had ``max_attempts``; called with
    the job row locked."""
    if job.attempts < job.max_attempts:
        job.status = JobStatus.QUEUED
        job.error = dict(error)
        job.save(update_fields=["status", "error", "progress", "heartbeat_at"])
        enqueue_attempt(job, delay=retry_delay(job.attempts))
    else:
        _finish(job, status=JobStatus.FAILED, error=dict(error))


def _unknown_error(exc: BaseException) -> dict[str, Any]:
    return error_body(JOB_FAILED, message=f"{type(exc).__name__}: {exc}"[:300])


def _after_handler(job: Job, *, result: Any = None, exc: BaseException | None = None) -> None:
    with transaction.atomic():
        current = Job.objects.select_for_update().get(pk=job.pk)
        if current.status != JobStatus.RUNNING or current.task_id != job.task_id:
            return  # recovered as stale meanwhile; that decision stands
        current.progress = job.progress
        if exc is None:
            _finish(current, status=JobStatus.SUCCEEDED, result=result)
        elif isinstance(exc, ApplicationError):
            error = error_body(exc.error, message=exc.message, fields=exc.fields)
            _finish(current, status=JobStatus.FAILED, error=error)
        else:
            failed_attempt(current, _unknown_error(exc))


@task(queue_name=QUEUE_NAME, takes_context=True)
def run_job(context: TaskContext, job_id: str) -> str:
    """One attempt of job ``job_id``; returns the job's status after it."""
    job = _claim(job_id, str(context.task_result.id))
    if job is None:
        return "skipped"
    kind = job_kind(job.kind)
    beat = Heartbeat(job.pk)
    beat.start()
    try:
        result = kind.handler(job, beat.report)
    except Exception as exc:
        beat.stop()
        job.progress = beat.latest or job.progress
        _after_handler(job, exc=exc)
        raise
    except BaseException:
        # SystemExit/KeyboardInterrupt (a forced worker stop): the job stays running and is
        # recovered as stale, like a kill -9.
        beat.stop()
        raise
    beat.stop()
    job.progress = beat.latest or job.progress
    _after_handler(job, result=dict(result))
    return JobStatus.SUCCEEDED


def jobs_recover_stale() -> int:
    """Treat every running job whose heartbeat stopped as a failed attempt (retry or fail).

    Rows are locked with ``SKIP LOCKED``, so several workers running this at once each take
    different jobs. Returns how many jobs were recovered.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.CHATCORE_JOB_STALE_SECONDS)
    recovered = 0
    with transaction.atomic():
        stale = Job.objects.select_for_update(skip_locked=True).filter(
            status=JobStatus.RUNNING, heartbeat_at__lt=cutoff
        )
        for job in stale:
            DBTaskResult.objects.filter(
                id=job.task_id or None, status=TaskResultStatus.RUNNING
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path=f"{__name__}.WorkerLost",
                traceback=f"{WORKER_LOST} (no heartbeat since {job.heartbeat_at.isoformat()})",
            )
            failed_attempt(job, error_body(WORKER_LOST))
            recovered += 1
    if recovered:
        logger.warning("recovered %d job(s) whose worker stopped", recovered)
    return recovered
