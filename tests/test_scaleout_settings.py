"""Scale-out settings (README "Production"): what CACHE_URL, DATABASE_REPLICA_URLS and
DB_PGBOUNCER turn into. Each case loads config.settings in a fresh process with that
environment; the servers themselves are exercised by tests_external/ (make test-external)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRIMARY = "postgres://chatcore:pw@127.0.0.1:6432/chatcore"


def settings_with(**env: str) -> subprocess.CompletedProcess:
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "from django.conf import settings;"
        "print(json.dumps({'caches': settings.CACHES, 'databases': settings.DATABASES,"
        " 'routers': settings.DATABASE_ROUTERS}, default=str))"
    )
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CACHE_URL", "DATABASE_REPLICA_URLS", "DB_PGBOUNCER"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DATABASE_URL": PRIMARY, "SECRET_KEY": "s" * 50, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def loaded(**env: str) -> dict:
    done = settings_with(**env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_cache_is_the_database_unless_cache_url_is_set():
    assert loaded()["caches"]["default"] == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "chatcore_cache",
    }


def test_a_redis_cache_url_switches_the_cache_to_redis():
    cache = loaded(CACHE_URL="redis://:secret@10.0.0.5:6379/2")["caches"]["default"]

    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://:secret@10.0.0.5:6379/2"
    assert cache["KEY_PREFIX"] == "chatcore"


def test_an_unknown_cache_url_scheme_refuses_to_start():
    done = settings_with(CACHE_URL="memcached://10.0.0.5:11211")

    assert done.returncode != 0
    assert "CACHE_URL must be a redis://, rediss:// or unix:// URL" in done.stderr


def test_replica_urls_add_replica_aliases_and_the_router():
    config = loaded(
        DATABASE_REPLICA_URLS="postgres://ro:pw@10.0.0.6/chatcore, "
        "postgres://ro:pw@10.0.0.7/chatcore?application_name=reports"
    )
    databases = config["databases"]

    assert sorted(databases) == ["default", "replica_0", "replica_1"]
    assert [databases[a]["HOST"] for a in ("replica_0", "replica_1")] == ["10.0.0.6", "10.0.0.7"]
    assert databases["replica_0"]["OPTIONS"]["application_name"] == "chatcore-replica"
    assert databases["replica_1"]["OPTIONS"]["application_name"] == "reports"
    assert databases["replica_0"]["TEST"] == {"MIRROR": "default"}
    assert databases["replica_0"]["CONN_HEALTH_CHECKS"] is True
    assert config["routers"] == ["chatcore.replicas.PrimaryReplicaRouter"]


def test_replicas_keep_the_statement_timeout_when_the_primary_is_behind_pgbouncer():
    databases = loaded(DB_PGBOUNCER="1", DATABASE_REPLICA_URLS="postgres://ro:pw@10.0.0.6/c")[
        "databases"
    ]

    assert "options" not in databases["default"]["OPTIONS"]
    assert databases["replica_0"]["OPTIONS"]["options"] == "-c statement_timeout=30000"


def test_without_replicas_there_is_no_router():
    config = loaded()

    assert sorted(config["databases"]) == ["default"]
    assert config["routers"] == []


def test_behind_pgbouncer_no_server_side_cursors_and_no_startup_options():
    default = loaded(DB_PGBOUNCER="1")["databases"]["default"]
    direct = loaded()["databases"]["default"]

    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in default["OPTIONS"]
    assert direct["OPTIONS"]["options"] == "-c statement_timeout=30000"
    assert direct.get("DISABLE_SERVER_SIDE_CURSORS", False) is False
