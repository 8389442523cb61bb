"""Import-job benchmark: large ChatGPT exports through ``POST /api/convos/import`` and the worker.

``python -m bench import_jobs`` (sizes in MB from ``BENCH_IMPORT_JOBS_MB``, default ``25,100``;
the files are the ones ``bench import`` generates, under ``var/bench/``) serves the app with a
real gunicorn and runs one ``manage.py jobs_worker`` process against the bench database, then for
each file:

- streams the upload to ``POST /api/convos/import`` (multipart, constant memory) and times the
  202 — the request only stores the file and queues the job, so it must stay far below
  gunicorn's timeout whatever the size;
- polls ``GET /api/convos/import/{jobId}`` every 0.5 s until the job ends, counting distinct
  progress readings;
- reports the job's wall time (queued → finished), throughput, and the worker process's peak
  RSS (``VmHWM`` from ``/proc``; the worker is restarted per file so each peak is its own).

Imported rows are deleted afterwards.
"""

from __future__ import annotations

import http.client
import importlib
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.harness import BENCH_DB, ROOT, gunicorn, setup_django

EMAIL = "bench-import-jobs@example.com"
BOUNDARY = "chatcore-bench-boundary"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _post_file(base: str, token: str, path: Path) -> tuple[int, dict, float]:
    """Stream ``path`` as the multipart ``file`` field; (status, body, seconds)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: application/json\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    started = time.monotonic()
    conn.putrequest("POST", "/api/convos/import")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(head)
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    elapsed = time.monotonic() - started
    conn.close()
    return response.status, body, elapsed


def _get_json(base: str, token: str, path: str) -> dict:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    body = json.loads(conn.getresponse().read())
    conn.close()
    return body


def _cleanup() -> None:
    from chatcore.models import User
    from convos_app.services.delete import conversations_delete_all

    user = User.objects.filter(email=EMAIL).first()
    if user is not None:
        conversations_delete_all(user=user)


def main() -> None:
    setup_django()
    from rest_framework_simplejwt.tokens import RefreshToken

    from chatcore.models import User

    generate_module = importlib.import_module("bench.import")
    sizes = [int(s) for s in os.environ.get("BENCH_IMPORT_JOBS_MB", "25,100").split(",") if s]
    user = User.objects.filter(email=EMAIL).first() or User.objects.create_user(
        email=EMAIL, password=uuid.uuid4().hex
    )
    token = str(RefreshToken.for_user(user).access_token)
    _cleanup()
    env = {**os.environ, "CHATCORE_DB_NAME": BENCH_DB, "CHATCORE_JOB_HEARTBEAT_SECONDS": "1"}
    with gunicorn() as base:
        for megabytes in sorted(sizes):
            path = generate_module.OUT_DIR / f"chatgpt-{megabytes}mb.json"
            if not path.exists():
                conversations, size = generate_module.generate(path, megabytes)
                print(f"generated {path.name}: {conversations} conversations, {size / 1e6:.1f} MB")
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "jobs_worker", "--no-schedule"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                status, body, upload_s = _post_file(base, token, path)
                if status != 202:
                    raise SystemExit(f"expected 202, got {status}: {body}")
                location = f"/api/convos/import/{body['jobId']}"
                readings = set()
                peak = 0.0
                while True:
                    job = _get_json(base, token, location)
                    readings.add(job["progress"]["bytesRead"])
                    peak = max(peak, _peak_rss_mb(worker.pid))
                    if job["status"] in ("succeeded", "failed"):
                        break
                    time.sleep(0.5)
            finally:
                worker.terminate()
                worker.wait(timeout=60)
            if job["status"] != "succeeded":
                raise SystemExit(f"job failed: {job['error']}")
            wall = (
                datetime.fromisoformat(job["finishedAt"]) - datetime.fromisoformat(job["createdAt"])
            ).total_seconds()
            size = path.stat().st_size
            result = job["result"]
            print(
                f"import job {path.name} ({size / 1e6:.1f} MB): 202 after {upload_s:.1f}s "
                f"(upload included), job {wall:.1f}s wall, {size / 1e6 / wall:.2f} MB/s, "
                f"{result['messages'] / wall:.0f} messages/s, worker peak RSS {peak:.0f} MB, "
                f"{len(readings)} distinct progress readings\n"
                f"  {result['conversations']} conversations, {result['messages']} messages, "
                f"{len(result['skipped'])} skipped",
                flush=True,
            )
            _cleanup()
