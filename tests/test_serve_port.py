"""``make run`` (``manage.py serve``) on a port that is already taken says so in one line and
stops, instead of gunicorn's retries; and a second run tells how to reset the admin password
(README "Quick start")."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from django.core.management import call_command

from chatcore.models import User
from tests.jobs_support import ROOT, child_database_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_serve_on_a_busy_port_prints_one_line_and_exits_non_zero():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "manage.py", "serve", "--no-worker"],
            cwd=ROOT,
            env=child_database_env(HOST="127.0.0.1", PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [
        f"port {port} is already in use — is chatcore already running? "
        f"set PORT=… to serve on another port (make run PORT={port + 1})"
    ]
    assert "Serving chatcore" not in done.stdout
    assert "Address already in use" not in done.stdout + done.stderr
    # Nothing was prepared either: the check comes first.
    assert "Operations to perform" not in done.stdout


def test_a_second_run_says_how_to_reset_the_admin_password(capsys, monkeypatch):
    monkeypatch.delenv("CHATCORE_ADMIN_EMAIL", raising=False)
    call_command("ensure_admin")
    first = capsys.readouterr().out
    assert "Created admin account admin@example.com with password:" in first
    call_command("ensure_admin")
    second = capsys.readouterr().out.strip()
    assert second == (
        "An admin account exists. To set a new password: "
        ".venv/bin/python manage.py changepassword admin@example.com"
    )
    assert User.objects.filter(is_superuser=True).count() == 1


def test_the_named_admin_account_gets_the_same_hint(capsys, monkeypatch):
    monkeypatch.setenv("CHATCORE_ADMIN_EMAIL", "ops@example.com")
    monkeypatch.setenv("CHATCORE_ADMIN_PASSWORD", "ops-password-123456")
    call_command("ensure_admin")
    capsys.readouterr()
    call_command("ensure_admin")
    assert capsys.readouterr().out.strip() == (
        "Admin account ops@example.com exists. To set a new password: "
        ".venv/bin/python manage.py changepassword ops@example.com"
    )
    assert User.objects.get(email="ops@example.com").check_password("ops-password-123456")
