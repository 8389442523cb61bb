"""gunicorn's request limits are chatcore's own, and what gunicorn refuses is JSON too
(docs/api-behaviour.md#serving-limits)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = [
    sys.executable, "-m", "gunicorn", "config.wsgi:application",
    "--config", "python:chatcore.gunicorn_conf",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def gunicorn_port():
    """The real server ``manage.py serve`` runs: gunicorn with chatcore/gunicorn_conf.py."""
    port = _free_port()
    command = [
        *GUNICORN,
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)


def _status_and_body(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_overlong_request_line_is_json_414(gunicorn_port):
    path = "/api/convos?q=" + "x" * 9000
    status, headers, body = _status_and_body(
        _raw(gunicorn_port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    )
    assert status == 414
    assert headers["Content-Type"] == "application/json"
    assert body == b'{"error": "Request line too long", "message": "URI Too Long"}'


def test_oversized_header_is_json_431(gunicorn_port):
    request = f"GET /api/user HTTP/1.1\r\nHost: x\r\nX-Big: {'y' * 17000}\r\n\r\n".encode()
    status, headers, body = _status_and_body(_raw(gunicorn_port, request))
    assert status == 431
    assert headers["Content-Type"] == "application/json"
    assert body.startswith(b'{"error": "Request headers too large"')


def test_too_many_headers_is_json_431(gunicorn_port):
    fields = "".join(f"X-H{i}: 1\r\n" for i in range(80))
    request = f"GET /api/user HTTP/1.1\r\nHost: x\r\n{fields}\r\n".encode()
    status, headers, _ = _status_and_body(_raw(gunicorn_port, request))
    assert status == 431
    assert headers["Content-Type"] == "application/json"


def test_malformed_request_line_is_json_400(gunicorn_port):
    status, headers, body = _status_and_body(_raw(gunicorn_port, b"NOT A REQUEST\r\n\r\n"))
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert body.startswith(b'{"error": "Bad request"')


def test_a_line_under_the_limit_reaches_django(gunicorn_port):
    path = "/api/nowhere?q=" + "x" * 7000
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    status, _, body = _status_and_body(_raw(gunicorn_port, request.encode()))
    assert status == 404
    assert body == b'{"error": "Not found"}'


def test_workers_are_recycled_with_jitter():
    output = subprocess.run(
        [*GUNICORN, "--print-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in output.splitlines())
    )
    assert values["max_requests"] == "10000"
    assert values["max_requests_jitter"] == "1000"
    assert values["limit_request_line"] == "8190"
    assert values["limit_request_fields"] == "64"
    assert values["limit_request_field_size"] == "16384"


def test_a_loaded_worker_imports_the_views_and_freezes_start_up():
    """What ``post_worker_init`` leaves: the views loaded and start-up's objects out of the
    collector's walks (the 2,000-message read's p90 in docs/api-behaviour.md#serving-limits)."""
    import gc

    from chatcore import gunicorn_conf

    gc.unfreeze()
    try:
        gunicorn_conf.post_worker_init(None)
        assert "convos_app.views" in sys.modules
        assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
