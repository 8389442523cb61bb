"""``manage.py jobs_worker``: run background jobs (docs/api-behaviour.md#jobs).

Run one or more per host in production (systemd, a process manager); each claims queued
attempts with ``SKIP LOCKED``, so any number can share the queue. SIGTERM stops it after the
current job attempt; a job cut short by kill -9 is recovered by the next worker's start-up
pass or the maintenance schedule.
"""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandParser

from chatcore.jobs.worker import run_worker


class Command(BaseCommand):
    help = "Run the background job worker (and, unless --no-schedule, the periodic scheduler)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Do not run periodic work in this worker (when cron runs `run_periodic`).",
        )
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args: object, **options: object) -> None:
        for name in ("django_tasks_db", "django.tasks", "django_tasks", "chatcore.jobs"):
            logger = logging.getLogger(name)
            logger.setLevel(logging.INFO)
        run_worker(schedule=not options["no_schedule"], worker_id=options["worker_id"])
