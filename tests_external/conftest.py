"""The tested production topology, on real servers (README "Production"): two web hosts
(``manage.py serve`` = gunicorn) -> PgBouncer (transaction pooling) -> a stock PostgreSQL 15
primary, a streaming replica made with pg_basebackup, and Redis as the shared cache.

``scripts/external_services.sh start`` runs the servers on loopback ports and writes their URLs
to an env file; ``scripts/test_external.sh`` sources it and runs these tests. Each run works in
a database of its own (``chatcore_topology``), created here and dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "scripts" / "external_services.sh"
DATABASE = "chatcore_topology"
REPLICA_APP = "chatcore-topology-replica"
PIN_SECONDS = 3
PSQL = str(Path(os.environ.get("CHATCORE_PG_BIN", "/usr/lib/postgresql/15/bin")) / "psql")


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    assert value, f"{name} is unset: run scripts/test_external.sh (make test-external)"
    return value


def with_database(url: str, name: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", query, ""))


@dataclass(frozen=True)
class Servers:
    primary: str  # superuser URLs (the postgres database), for the tests' own checks
    replica: str
    pgbouncer: str
    redis: str

    def primary_sql(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.primary, autocommit=True) as conn:
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []

    def replica_sql(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.replica, autocommit=True) as conn:
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = self.primary_sql("SELECT pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            caught_up = self.replica_sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target)[
                0
            ][0]
            if caught_up:
                return
            time.sleep(0.1)
        raise AssertionError("the replica did not catch up with the primary")


@pytest.fixture(scope="session")
def servers() -> Servers:
    return Servers(
        primary=with_database(_env("CHATCORE_EXTERNAL_PRIMARY_URL"), "postgres"),
        replica=with_database(_env("CHATCORE_EXTERNAL_REPLICA_URL"), "postgres"),
        pgbouncer=_env("CHATCORE_EXTERNAL_PGBOUNCER_URL"),
        redis=_env("CHATCORE_EXTERNAL_REDIS_URL"),
    )


@pytest.fixture(scope="session")
def topology_database(servers: Servers) -> Iterator[str]:
    servers.primary_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    servers.primary_sql(f'CREATE DATABASE "{DATABASE}"')
    servers.wait_for_replay()
    yield DATABASE
    servers.primary_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


@pytest.fixture
def cache(servers: Servers) -> Iterator[redis.Redis]:
    """The Redis both hosts share, emptied before and after each test (counters, pins)."""
    client = redis.Redis.from_url(servers.redis)
    client.flushdb()
    yield client
    client.flushdb()


@dataclass
class WebHost:
    url: str
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start_host(port: int, env: dict[str, str], log: Path) -> WebHost:
    command = [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    host = WebHost(url=f"http://127.0.0.1:{port}", log=log, process=process)
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"serve on {port} exited:\n{host.log_text()[-3000:]}"
            try:
                if requests.get(f"{host.url}/healthz", timeout=5).status_code == 200:
                    return host
            except requests.RequestException:  # not listening yet, or still booting
                pass
            time.sleep(0.3)
        raise AssertionError(f"serve on {port} did not come up:\n{host.log_text()[-3000:]}")
    except BaseException:
        process.terminate()
        process.wait(timeout=30)
        raise


@pytest.fixture(scope="session")
def web_hosts(
    servers: Servers, topology_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[WebHost, WebHost]]:
    """Two ``manage.py serve`` hosts, each with its own data directory and port, sharing the
    primary (through PgBouncer), the replica and Redis."""
    base = tmp_path_factory.mktemp("hosts")
    common = {
        **os.environ,
        "DATABASE_URL": with_database(servers.pgbouncer, topology_database),
        "DB_PGBOUNCER": "1",
        "DATABASE_REPLICA_URLS": with_database(
            _env("CHATCORE_EXTERNAL_REPLICA_URL"),
            topology_database,
            f"application_name={REPLICA_APP}",
        ),
        "DATABASE_REPLICA_PIN_SECONDS": str(PIN_SECONDS),
        "DATABASE_REPLICA_RETRY_SECONDS": "2",
        "CACHE_URL": servers.redis,
        "SECRET_KEY": "topology-tests-only-" + "k" * 40,
        "REFRESH_COOKIE_SECURE": "0",
        "CHATCORE_ADMIN_EMAIL": "admin@example.com",
        "CHATCORE_ADMIN_PASSWORD": "topology-admin-passphrase",
        "WEB_THREADS": "4",
        "LOG_LEVEL": "INFO",
    }
    common.pop("DJANGO_SETTINGS_MODULE", None)
    hosts = []
    try:
        for name, port in (("a", 58101), ("b", 58102)):
            data_dir = base / name
            env = {**common, "CHATCORE_DATA_DIR": str(data_dir)}
            hosts.append(_start_host(port, env, base / f"{name}.log"))
        yield hosts[0], hosts[1]
    finally:
        for host in hosts:
            host.process.terminate()
        for host in hosts:
            host.process.wait(timeout=30)
