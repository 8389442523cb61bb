"""Drive LibreChat's own client library (``librechat-data-provider``, pinned in
tests/client/package-lock.json) from Node against a live chatcore.

A test passes the body of an async JavaScript function; it receives ``dataService`` (the
library's exported API, e.g. ``dataService.listConversations``) and ``provider`` (the whole
module) and returns a JSON-able value. The library builds the URLs, methods and payloads itself,
so a passing test proves the real client's call works unchanged (docs/architecture.md#tests).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rest_framework_simplejwt.tokens import RefreshToken

CLIENT_DIR = Path(__file__).resolve().parent / "client"
HARNESS = CLIENT_DIR / "harness.cjs"


@dataclass(frozen=True)
class ClientResult:
    """What one client step produced: ``value`` on success, else the HTTP error it raised."""

    ok: bool
    value: Any = None
    status: int | None = None
    data: Any = None
    message: str = ""


def access_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def run_client(
    base_url: str, body: str, *, token: str | None = None, timeout: float = 60
) -> ClientResult:
    """Run ``body`` as ``async (dataService, provider) => { body }`` in Node; return its result."""
    node = shutil.which("node")
    assert node, "Node.js is required for the LibreChat client tests (it ships with the machine)"
    assert (CLIENT_DIR / "node_modules" / "librechat-data-provider").is_dir(), (
        "run scripts/ensure_node_client.sh (make test does) to install librechat-data-provider"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".cjs", dir=CLIENT_DIR, delete=False) as step:
        step.write(f"module.exports = async (dataService, provider) => {{\n{body}\n}};\n")
    env = {**os.environ, "CHATCORE_URL": base_url}
    if token:
        env["CHATCORE_TOKEN"] = token
    try:
        done = subprocess.run(
            [node, str(HARNESS), step.name],
            cwd=CLIENT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        Path(step.name).unlink(missing_ok=True)
    assert done.returncode == 0, f"node failed ({done.returncode}): {done.stderr[-2000:]}"
    line = done.stdout.strip().splitlines()[-1]
    return ClientResult(**json.loads(line))
