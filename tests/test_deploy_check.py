"""``manage.py check --deploy`` is clean with every documented HTTPS switch on (README.md's
settings table), the HSTS directives included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTTPS_SWITCHES = {
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "chat.example.com",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "REFRESH_COOKIE_SECURE": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "BEHIND_TLS_PROXY": "1",
}


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_every_https_switch_on():
    result = deploy_check(
        **HTTPS_SWITCHES, SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1"
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_without_the_hsts_directives_only_w005_and_w021_remain():
    result = deploy_check(**HTTPS_SWITCHES)
    assert result.returncode != 0
    warnings = [line.split(")")[0] for line in result.stderr.splitlines() if line.startswith("?:")]
    assert warnings == ["?: (security.W005", "?: (security.W021"]
