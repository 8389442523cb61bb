"""Database faults under a stream of writes, against the real ``manage.py serve`` (gunicorn and
its own embedded PostgreSQL in a temporary data directory) — docs/api-behaviour.md#database-faults.

The postmaster is killed with SIGKILL while a client keeps writing: every write the API
acknowledged is there afterwards; while the database is down ``/api/`` answers JSON 503 and
``/healthz`` 503; the supervisor in ``serve`` brings PostgreSQL back and the same server
recovers without a restart. When serve ends, handles left by killed processes no longer keep
the database running.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                content_type = response.headers["Content-Type"]
                return response.status, json.loads(response.read()), content_type
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else {}, error.headers["Content-Type"]


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("faults-data")
    port = _free_port()
    env = {
        **os.environ,
        "CHATCORE_DATA_DIR": str(data),
        "CHATCORE_DB_NAME": "faults",
        "CHATCORE_DB_SUPERVISE_SECONDS": "0.5",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "WEB_CONCURRENCY": "2",
        "REGISTER_RATE": "100/min",
        "LOGIN_RATE": "100/min",
        # No worker recycling during the test: recovery must come from the supervisor.
        "WEB_MAX_REQUESTS": "0",
        # The kill -9 test exercises the synchronous import inside a web worker (large files
        # are jobs, whose kill -9 is tests/test_import_jobs.py's).
        "CHATCORE_IMPORT_SYNC_MAX_BYTES": str(256 * 1024 * 1024),
    }
    env.pop("DATABASE_URL", None)
    log = open(data / "serve.log", "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = Api(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 180
    while True:
        try:
            if api.call("GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((data / "serve.log").read_text()[-3000:])
        time.sleep(0.5)
    yield api, process, data / "postgres"
    # serve's children (gunicorn and the jobs worker) go too: a SIGKILL of serve alone would
    # leave them running after the test.
    children = (
        psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []
    )
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    for child in children:
        if child.is_running():
            child.kill()
    log.close()


def test_writes_survive_a_postmaster_crash_and_the_server_recovers(served):
    api, process, pgdata = served
    status, body, _ = api.call(
        "POST", "/api/auth/register", {"email": "w@example.com", "password": "w-pass-123456"}
    )
    assert status == 201, body
    api.token = body["token"]

    acknowledged: list[str] = []
    refused: list[tuple[int, dict, str]] = []

    def write(n: int) -> int:
        status, body, content_type = api.call("POST", "/api/tags", {"tag": f"write-{n}"})
        if status == 201:
            acknowledged.append(body["tag"])
        else:
            refused.append((status, body, content_type))
        return status

    for n in range(20):
        assert write(n) == 201

    old_postmaster = _postmaster_pid(pgdata)
    os.kill(old_postmaster, signal.SIGKILL)
    # A backend can outlive its postmaster for a moment, so the outage is observed while it
    # lasts: /healthz is asked beside every write until 20 writes in a row succeed again.
    health: list[tuple[int, dict]] = []
    n, deadline, recovered = 20, time.monotonic() + BUDGET_SECONDS, 0
    while recovered < 20 and time.monotonic() < deadline:
        health.append(api.call("GET", "/healthz")[:2])
        recovered = recovered + 1 if write(n) == 201 else 0
        n += 1
        if not recovered:
            time.sleep(0.05)
    assert recovered == 20, refused[-3:]

    assert (503, {"status": "error", "database": "unavailable"}) in health
    assert {status for status, _ in health} <= {200, 503}
    assert refused, "the outage was not observed"
    for status, body, content_type in refused:
        assert (status, body) == (503, {"error": "Database unavailable"})
        assert content_type.startswith("application/json")
    assert process.poll() is None  # the same server, not restarted
    assert _postmaster_pid(pgdata) != old_postmaster
    assert api.call("GET", "/healthz")[0] == 200

    status, tags, _ = api.call("GET", "/api/tags")
    assert status == 200
    stored = {tag["tag"] for tag in tags}
    assert set(acknowledged) <= stored
    assert len(acknowledged) >= 40


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "chatcore-fault-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def test_kill_9_of_the_workers_mid_import_leaves_nothing(served):
    api, process, _ = served
    status, body, _ = api.call(
        "POST", "/api/auth/register", {"email": "k@example.com", "password": "k-pass-123456"}
    )
    assert status == 201, body
    api.token = body["token"]
    chats = [
        {"conversationId": f"c{n}", "title": f"chat {n}", "messages": [
            {"messageId": f"m{n}-{i}", "parentMessageId": f"m{n}-{i - 1}" if i else None,
             "text": f"text {i} " * 20, "sender": "User", "isCreatedByUser": i % 2 == 0}
            for i in range(10)
        ]}
        for n in range(6000)
    ]  # fmt: skip
    payload, boundary = _multipart("big.json", json.dumps(chats).encode())
    request = urllib.request.Request(api.base + "/api/convos/import", data=payload, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {api.token}")
    master = next(
        child
        for child in psutil.Process(process.pid).children()
        if "gunicorn" in " ".join(child.cmdline())
    )
    killer_ready = time.monotonic() + 3.0

    def kill_workers_soon() -> None:
        time.sleep(max(0.0, killer_ready - time.monotonic()))
        for worker in master.children():
            worker.kill()

    killer = threading.Thread(target=kill_workers_soon)
    killer.start()
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(request, timeout=120)
    killer.join()

    deadline = time.monotonic() + 60
    while True:  # gunicorn boots new workers
        try:
            status, page, _ = api.call("GET", "/api/convos")
            if status == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert page["conversations"] == []  # the import's one transaction was rolled back
    status, messages, _ = api.call("GET", "/api/messages")
    assert (status, messages["messages"]) == (200, [])


def test_stale_handles_do_not_keep_the_database_running_after_serve(served):
    _, process, pgdata = served
    dead = subprocess.Popen(["true"])
    dead.wait()
    handles = pgdata / ".handle_pids.json"
    handles.write_text(json.dumps([*json.loads(handles.read_text()), dead.pid]))
    postmaster = _postmaster_pid(pgdata)

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while psutil.pid_exists(postmaster) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not psutil.pid_exists(postmaster)
    assert json.loads(handles.read_text()) == []
