"""Helpers for tests that run background jobs for real: a django-tasks-db worker in a thread
(or a ``manage.py jobs_worker`` process) against the test database, and generated exports."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from chatcore.jobs import storage
from chatcore.jobs.models import Job
from chatcore.jobs.worker import build_worker

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def job_settings(settings, tmp_path):
    """Fast heartbeats, short back-off and a private job directory for each test."""
    settings.CHATCORE_JOB_FILES_DIR = tmp_path / "jobs"
    settings.CHATCORE_JOB_HEARTBEAT_SECONDS = 0.1
    settings.CHATCORE_JOB_RETRY_BASE_SECONDS = 0.3
    settings.CHATCORE_JOB_STALE_SECONDS = 1.0
    settings.CHATCORE_IMPORT_SYNC_MAX_BYTES = 2048
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "jobs" / "incoming")
    storage.ensure_dirs()
    return settings


@contextlib.contextmanager
def worker_thread() -> Iterator[None]:
    """django-tasks-db's own worker loop, polling every 50 ms, in a thread of this process."""
    worker = build_worker(interval=0.05)

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="test-job-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        worker.running = False
        thread.join(timeout=30)


def wait_for(predicate: Callable[[], object], *, timeout: float = 60.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def wait_for_job(
    job_id: object, statuses: tuple[str, ...] = ("succeeded", "failed"), timeout: float = 180.0
) -> Job:
    return wait_for(  # type: ignore[return-value]
        lambda: Job.objects.filter(pk=job_id, status__in=statuses).first(),
        timeout=timeout,
        what=f"job {job_id} to reach {statuses}",
    )


def chatgpt_export(conversations: int, *, turns: int = 2, text: str = "Hello there") -> bytes:
    """A ChatGPT ``conversations.json`` with ``conversations`` linear chats."""
    items = []
    for c in range(conversations):
        mapping = {f"c{c}-root": {"id": f"c{c}-root", "message": None, "parent": None}}
        parent = f"c{c}-root"
        for t in range(turns * 2):
            node = f"c{c}-m{t}"
            mapping[node] = {
                "id": node,
                "parent": parent,
                "message": {
                    "id": node,
                    "author": {"role": "user" if t % 2 == 0 else "assistant"},
                    "create_time": 1713000000.0 + c * 100 + t,
                    "content": {"content_type": "text", "parts": [f"{text} {c}.{t}"]},
                    "metadata": {"model_slug": "gpt-4o"} if t % 2 else {},
                },
            }
            parent = node
        items.append(
            {
                "title": f"Chat {c}",
                "create_time": 1713000000.0 + c * 100,
                "update_time": 1713000000.0 + c * 100 + 50,
                "mapping": mapping,
                "current_node": parent,
                "id": f"c{c}",
            }
        )
    return json.dumps(items).encode()


def child_database_env(**extra: str) -> dict[str, str]:
    """Environment for a child ``manage.py`` process that attaches to the test database."""
    db = connection.settings_dict
    query = f"?host={quote(db['HOST'], safe='')}" if db["HOST"].startswith("/") else ""
    host = "" if query else db["HOST"]
    port = f":{db['PORT']}" if db["PORT"] and not query else ""
    if query and db["PORT"]:
        query += f"&port={db['PORT']}"
    auth = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    url = f"postgresql://{auth}@{host}{port}/{quote(db['NAME'], safe='')}{query}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "CHATCORE_JOB_FILES_DIR": str(django_settings.CHATCORE_JOB_FILES_DIR),
        "CHATCORE_JOB_HEARTBEAT_SECONDS": str(django_settings.CHATCORE_JOB_HEARTBEAT_SECONDS),
        "CHATCORE_WORKER_POLL_SECONDS": "0.05",
    }
    env.update(extra)
    return env


def start_worker_process(**env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "jobs_worker", "--no-schedule"],
        env=child_database_env(**env),
        cwd=ROOT,
    )
