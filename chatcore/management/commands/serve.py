"""``manage.py serve`` (what ``make run`` calls): prepare the database, then run gunicorn and
the background job worker (``manage.py jobs_worker``) side by side; when either stops, the
other is stopped too (docs/api-behaviour.md#jobs).

This process holds the embedded PostgreSQL (docs/architecture.md#database) for as long as
gunicorn runs, so the server starts once, the workers attach to it, and it stops cleanly when
serving ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from chatcore.db import embedded_server
from chatcore.db_supervision import supervise_embedded_database
from chatcore.jobs.worker import start_worker_process


class Command(BaseCommand):
    help = "Migrate, create the cache table and admin, collect static files, serve with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument(
            "--no-worker", action="store_true", help="Serve only; run `jobs_worker` elsewhere."
        )

    def handle(self, *args: object, **options: object) -> None:
        if port_in_use(str(options["host"]), int(options["port"])):
            # One clear line instead of gunicorn's retries (README "Quick start").
            self.stderr.write(
                f"port {options['port']} is already in use — is chatcore already running? "
                f"set PORT=… to serve on another port (make run PORT={int(options['port']) + 1})"
            )
            raise SystemExit(1)
        call_command("migrate", interactive=False, verbosity=1)
        call_command("createcachetable", verbosity=0)
        call_command("ensure_admin")
        call_command("collectstatic", interactive=False, verbosity=0)
        # Restart the embedded PostgreSQL if it dies; drop killed processes' handles.
        supervise_embedded_database(
            embedded_server(), interval=settings.CHATCORE_DB_SUPERVISE_SECONDS
        )
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(
            self.style.SUCCESS(f"Serving chatcore on http://{bind}/ (admin: /admin/)")
        )
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            # Request limits, worker recycling, JSON error pages: chatcore/gunicorn_conf.py.
            "--config", "python:chatcore.gunicorn_conf",
            "--bind", bind,
            "--workers", str(options["workers"]),
            "--threads", str(options["threads"]),
            "--worker-class", "gthread",
            "--timeout", os.environ.get("WEB_TIMEOUT", "120"),
            "--access-logfile", "-",
        ]  # fmt: skip
        process = subprocess.Popen(command)
        worker = None if options["no_worker"] else start_worker_process()
        children = [p for p in (process, worker) if p is not None]

        def stop(signum: int, frame: object) -> None:
            # Ctrl-C in a terminal reaches the children too; a signal sent to us alone is
            # passed on.
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        code = wait_for_first_exit(children)
        stop(signal.SIGTERM, None)  # one stopped: stop the other, then wait for both
        for child in children:
            child.wait()
        if code not in (0, -signal.SIGINT, -signal.SIGTERM):
            raise SystemExit(code)


def wait_for_first_exit(children: list[subprocess.Popen[bytes]]) -> int:
    """The exit code of whichever child process stops first."""
    while True:
        for child in children:
            code = child.poll()
            if code is not None:
                return code
        time.sleep(0.2)


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port``: a trial bind with the option
    gunicorn itself sets (``SO_REUSEADDR``), so only a listening socket makes it fail."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        return False  # gunicorn reports a bad host itself
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return True
    return False
