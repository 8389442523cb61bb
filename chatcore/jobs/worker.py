"""The worker process: django-tasks-db's worker loop plus chatcore's scheduler and recovery.

``manage.py jobs_worker`` (production: one or more per host, under systemd or a process
manager) and ``manage.py serve`` (development: started next to gunicorn by
``start_worker_process``) both end up in ``run_worker``:

1. recover jobs whose worker died and remove stale job files (start-up clean-up);
2. start the scheduler thread, which runs each registered periodic function every
   ``every_seconds`` (docs/api-behaviour.md#scheduled-work);
3. run django-tasks-db's ``Worker`` loop in the main thread: it claims queued attempts with
   ``SKIP LOCKED`` and stops gracefully on SIGTERM/SIGINT once the current task returns.

The serve-side helper is its own function in its own module so that other supervision of the
development server can be added next to it without touching this code.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from chatcore.jobs.registry import Periodic, periodic_jobs
from chatcore.jobs.runner import QUEUE_NAME
from chatcore.jobs.services import job_files_cleanup, jobs_recover_stale

logger = logging.getLogger(__name__)


def build_worker(*, interval: float | None = None, worker_id: str | None = None) -> Worker:
    """A django-tasks-db worker on chatcore's queue and backend."""
    return Worker(
        queue_names=[QUEUE_NAME],
        interval=settings.CHATCORE_WORKER_POLL_SECONDS if interval is None else interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or f"{os.uname().nodename[:20]}-{os.getpid()}-{get_random_string(6)}",
        excluded_queue_names=[],
    )


def run_periodic_once(job: Periodic) -> None:
    """Run one periodic function, logging (not raising) its failure: the next tick retries."""
    try:
        close_old_connections()
        job.run()
    except Exception:
        logger.exception("periodic job %s failed", job.name)


class Scheduler(threading.Thread):
    """Runs every registered periodic function on its interval until stopped."""

    def __init__(self) -> None:
        super().__init__(name="chatcore-scheduler", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        next_run = {job.name: time.monotonic() + job.every_seconds for job in periodic_jobs()}
        try:
            while not self.stopped.wait(1.0):
                for job in periodic_jobs():
                    due = next_run.setdefault(job.name, time.monotonic() + job.every_seconds)
                    if time.monotonic() >= due:
                        run_periodic_once(job)
                        next_run[job.name] = time.monotonic() + job.every_seconds
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


def startup_cleanup() -> None:
    """Recover jobs orphaned by a dead worker and remove job files nothing points at."""
    jobs_recover_stale()
    job_files_cleanup()


# Seconds between attempts to reach a database that went away.
DATABASE_RETRY_SECONDS = 1.0


def run_worker(*, schedule: bool = True, worker_id: str | None = None) -> None:
    """The body of ``manage.py jobs_worker``: blocks until SIGTERM/SIGINT."""
    startup_cleanup()
    scheduler = Scheduler() if schedule else None
    if scheduler is not None:
        scheduler.start()
    worker = build_worker(worker_id=worker_id)
    worker.configure_signals()
    logger.info("chatcore worker %s started", worker.worker_id)
    try:
        while worker.running:
            try:
                worker.run()
            except DatabaseError as exc:
                # The database went away (a crash, a restart): wait for it instead of exiting,
                # so `manage.py serve` keeps web and worker up while its supervisor brings
                # PostgreSQL back (docs/api-behaviour.md#jobs). A job that was running is
                # recovered as stale once its heartbeat ages.
                logger.warning("database unavailable, worker retrying: %s", exc)
                connections.close_all()
                time.sleep(DATABASE_RETRY_SECONDS)
    finally:
        if scheduler is not None:
            scheduler.stop()


def start_worker_process(*, base_dir: Path | None = None) -> subprocess.Popen[bytes]:
    """Start ``manage.py jobs_worker`` as a child process (what ``manage.py serve`` runs next
    to gunicorn); the caller stops it with SIGTERM."""
    manage = (base_dir or Path(settings.BASE_DIR)) / "manage.py"
    return subprocess.Popen([sys.executable, str(manage), "jobs_worker"])
