"""Shared benchmark plumbing: a separate database, a real gunicorn on 127.0.0.1, statistics.

Benchmarks measure the real stack (gunicorn + DRF + PostgreSQL) over loopback HTTP, in their own
database (``chatcore_bench`` unless ``CHATCORE_BENCH_DB`` says otherwise) so demo data and tests
are never touched. Ratios are computed within one run, against floors measured in that run.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("CHATCORE_BENCH_DB", "chatcore_bench")


def setup_django() -> None:
    """Point this process at the bench database and migrate it."""
    os.environ["CHATCORE_DB_NAME"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int = 2, threads: int = 4) -> Iterator[str]:
    """Serve the app on a free loopback port; yields the base URL; stops the server after."""
    port = _free_port()
    env = {**os.environ, "CHATCORE_DB_NAME": BENCH_DB}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            # make run's settings (chatcore/gunicorn_conf.py): limits, recycling, gc.freeze.
            "--config", "python:chatcore.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not come up") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class Stats:
    median_ms: float
    p95_ms: float
    n: int


def measure(fn: Callable[[], object], *, repeat: int = 30, warmup: int = 3) -> Stats:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return Stats(median_ms=statistics.median(samples), p95_ms=p95, n=len(samples))


def print_table(title: str, rows: list[tuple[str, Stats, str]]) -> None:
    """Rows of (label, stats, note) as a Markdown table, ready for an issue note."""
    print(f"\n### {title}\n")
    print("| case | median ms | p95 ms | n | note |")
    print("|---|---:|---:|---:|---|")
    for label, stats, note in rows:
        print(f"| {label} | {stats.median_ms:.2f} | {stats.p95_ms:.2f} | {stats.n} | {note} |")
