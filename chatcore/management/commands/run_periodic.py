"""``manage.py run_periodic``: run every periodic job once, now.

For installs that schedule with cron or a systemd timer instead of the worker's scheduler
loop (docs/api-behaviour.md#scheduled-work), e.g. every five minutes::

    */5 * * * *  cd /srv/chatcore && .venv/bin/python manage.py run_periodic

``--only NAME`` runs one of them.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatcore.jobs.registry import periodic_jobs


class Command(BaseCommand):
    help = "Run the registered periodic jobs once (for cron / systemd timers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", default=None, help="Run only the periodic job NAME.")

    def handle(self, *args: object, **options: object) -> None:
        jobs = periodic_jobs()
        if options["only"]:
            jobs = [job for job in jobs if job.name == options["only"]]
            if not jobs:
                names = ", ".join(job.name for job in periodic_jobs())
                raise CommandError(f"No periodic job {options['only']!r} (known: {names})")
        for job in jobs:
            outcome = job.run()
            self.stdout.write(f"{job.name}: {outcome}")
