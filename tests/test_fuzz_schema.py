"""Schemathesis over the whole OpenAPI schema against a live server (docs/api-behaviour.md#fuzzing).

Every operation gets ``FUZZ_MAX_EXAMPLES`` generated requests (5 in ``make test``, 100 in
``make fuzz``), deterministically, signed in as a real user, through schemathesis' own CLI (the
same tool an outside probe runs), and the run must report no server error, no response that
breaks its schema, no undocumented status code, no undocumented content type, and no request
the schema allows that the server refuses (so the schema states every rule the server
enforces). ``tests/schemathesis.toml`` holds what a schema cannot state, each with its reason.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import UserFactory

CONFIG = Path(__file__).with_name("schemathesis.toml")

pytestmark = pytest.mark.django_db(transaction=True)
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
)


@pytest.fixture(autouse=True)
def clean_throttle_counters():
    """The run hits the auth limits on purpose; its counters (in the cache table, which a
    transactional test's flush leaves alone) must not outlive it."""
    cache.clear()
    yield
    cache.clear()


def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, tmp_path):
    # Not the examples' password: DELETE /api/user with it would end the run's account.
    user = UserFactory(email="fuzz@example.com", password=secrets.token_urlsafe())
    token = AccessToken.for_user(user)
    examples = os.environ.get("FUZZ_MAX_EXAMPLES", "5")
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file", str(CONFIG),
        "run",
        f"{live_server.url}/api/schema/",
        "--header", f"Authorization: Bearer {token}",
        "--max-examples", examples,
        "--generation-deterministic",
        "--no-shrink",
        "--workers", "1",
        "--checks", ",".join(CHECKS),
        "--request-timeout", "30",
        "--output-truncate", "true",
        "--report", "junit",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    # cwd: schemathesis keeps its own state (.schemathesis/) there, not in the checkout.
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "generated" in summary and "failure" not in summary.split("Test cases:")[-1], summary
