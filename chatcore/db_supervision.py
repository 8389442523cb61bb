"""The development server looks after its embedded PostgreSQL (docs/architecture.md#database).

``manage.py serve`` holds the embedded server for as long as gunicorn runs. Two faults used to
need a person: a crashed postmaster (the API answered 503 until someone ran ``pg_ctl start``),
and gunicorn processes killed with ``kill -9``, whose PIDs stayed in pgserver's
``.handle_pids.json`` and kept the server running after ``make run`` ended (pgserver stops it
only when the last attached PID detaches). So:

- ``prune_dead_handles`` drops the PIDs of processes that no longer exist, at start-up and again
  just before ``serve`` detaches, so the last live process really stops the server;
- ``DatabaseSupervisor`` checks the postmaster every ``CHATCORE_DB_SUPERVISE_SECONDS`` (2) and
  starts it again when it has died; PostgreSQL's crash recovery replays the WAL, so every
  committed write is there, and the workers' connections recover on their next request.

Nothing here runs with ``DATABASE_URL``: an external server has its own supervisor.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
from pathlib import Path
from typing import Any

import psutil

logger = logging.getLogger(__name__)
HANDLES_FILE = ".handle_pids.json"


def prune_dead_handles(pgdata: Path) -> list[int]:
    """Remove PIDs of exited processes from pgserver's handle list; returns the removed ones."""
    path = pgdata / HANDLES_FILE
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(pids, list):
        return []
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    removed = [pid for pid in pids if pid not in alive]
    if removed:
        path.write_text(json.dumps(alive))
        logger.warning("removed stale embedded-database handles %s", removed)
    return removed


def postmaster_running(server: Any) -> bool:
    """Whether the postmaster of ``server`` (a pgserver handle) is alive. A postmaster some
    other process started (a new gunicorn worker attaching) is adopted as the handle's own, so
    stopping at exit stops the server that is really running."""
    from pgserver.utils import PostmasterInfo  # only with the embedded server installed

    info = PostmasterInfo.read_from_pgdata(server.pgdata)
    if info is None or not info.is_running():
        return False
    current = getattr(server, "_postmaster_info", None)
    if current is None or current.pid != info.pid:
        server._postmaster_info = info
    return True


class DatabaseSupervisor(threading.Thread):
    """A daemon thread that restarts the embedded postmaster when it has died."""

    def __init__(self, server: Any, *, interval: float) -> None:
        super().__init__(name="embedded-postgres-supervisor", daemon=True)
        self.server = server
        self.interval = interval
        self.stopped = threading.Event()
        self.restarts = 0

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                if not postmaster_running(self.server):
                    self.restart()
            except Exception:  # a failed restart is retried at the next check
                logger.exception("embedded PostgreSQL could not be restarted")

    def restart(self) -> None:
        logger.error("embedded PostgreSQL is not running; starting it again")
        with self.server._lock:  # pgserver's inter-process lock around start and stop
            prune_dead_handles(self.server.pgdata)
            self.server.ensure_postgres_running()
        self.restarts += 1
        logger.warning("embedded PostgreSQL restarted (%d restart(s))", self.restarts)

    def stop(self) -> None:
        self.stopped.set()


def supervise_embedded_database(
    server: Any | None, *, interval: float
) -> DatabaseSupervisor | None:
    """The hook ``serve`` calls: clean stale handles now and at exit, and start supervising.
    ``server`` is ``chatcore.db.embedded_server()`` (None with ``DATABASE_URL``)."""
    if server is None:
        return None
    prune_dead_handles(server.pgdata)
    supervisor = DatabaseSupervisor(server, interval=interval)
    # atexit runs last-registered first: this runs before pgserver's own detach, so killed
    # workers' PIDs no longer keep the server alive once serve ends.
    atexit.register(supervisor.stop)
    atexit.register(prune_dead_handles, server.pgdata)
    atexit.register(postmaster_running, server)  # adopt whichever postmaster now runs
    supervisor.start()
    return supervisor
