"""Database configuration: DATABASE_URL parsing, and the embedded server every process shares."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from chatcore.db import parse_database_url

ROOT = Path(__file__).resolve().parent.parent


def test_database_url_is_parsed_into_django_settings():
    config = parse_database_url(
        "postgres://chat%40core:p%3Ass@db.internal:6432/history?sslmode=require"
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("chat@core", "p:ss")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", "6432", "history")
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_database_url_with_a_socket_directory_host():
    config = parse_database_url("postgresql://postgres:@/chatcore?host=/tmp/pg")
    assert config["HOST"] == "/tmp/pg"
    assert config["OPTIONS"] == {}


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "redis://cache:6379/0"])
def test_only_postgresql_urls_are_accepted(url):
    with pytest.raises(ValueError, match="PostgreSQL is the only database"):
        parse_database_url(url)


@pytest.mark.django_db
def test_tests_run_on_postgresql_in_a_separate_test_database():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["NAME"].startswith("test_")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 15


@pytest.mark.django_db
def test_a_second_process_attaches_to_the_same_server():
    """A manage.py command run beside this process reaches the same running server."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory')")
        ours = cursor.fetchone()[0]
    if not settings.DATABASE_URL:
        assert ours == str(settings.DATA_DIR / "postgres")
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.db import connection; c=connection.cursor();"
        "c.execute('SELECT inet_server_port(), current_setting(\\'data_directory\\')');"
        "print(c.fetchone()[1])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == ours
