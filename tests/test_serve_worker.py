"""``manage.py serve`` (what ``make run`` calls) runs gunicorn and a job worker as one command:
a large import posted to the served API is run by that worker, and one signal stops both
(docs/api-behaviour.md#jobs)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from chatcore.jobs.models import Job
from convos_app.models import Conversation
from tests.jobs_support import (  # noqa: F401
    ROOT,
    chatgpt_export,
    child_database_env,
    job_settings,
    wait_for,
    wait_for_job,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def post_import(base: str, token: str, content: bytes) -> dict:
    boundary = "serve-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="c.json"\r\nContent-Type: application/json\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{base}/api/convos/import",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 202
        return json.loads(response.read())


def test_serve_starts_web_and_worker_and_stops_both(user, settings):
    port = free_port()
    env = child_database_env(
        CHATCORE_IMPORT_SYNC_MAX_BYTES=str(settings.CHATCORE_IMPORT_SYNC_MAX_BYTES),
        CHATCORE_ADMIN_EMAIL="serve-admin@example.com",
        CHATCORE_ADMIN_PASSWORD="serve-admin-password-123",
    )
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(healthy, timeout=120, what="the served API")
        kids = children_of(serve.pid)
        assert any("gunicorn" in cmdline(pid) for pid in kids)
        assert any("jobs_worker" in cmdline(pid) for pid in kids)

        token = str(RefreshToken.for_user(user).access_token)
        accepted = post_import(base, token, chatgpt_export(25))
        done = wait_for_job(accepted["jobId"], timeout=120)
        assert done.status == "succeeded", done.error
        assert Conversation.objects.filter(user=user).count() == 25
        assert Job.objects.get(pk=accepted["jobId"]).attempts == 1
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=60)
    assert code == 0
    assert children_of(serve.pid) == []
    assert all(not os.path.exists(f"/proc/{pid}") for pid in kids)
