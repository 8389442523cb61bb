"""Database configuration: an external server from ``DATABASE_URL``, or the embedded one.

With no ``DATABASE_URL`` chatcore starts a real PostgreSQL (docs/architecture.md#database) from
the ``pgserver`` wheel, with its data under ``<CHATCORE_DATA_DIR>/postgres``. Every process
that loads the settings (gunicorn workers, ``manage.py`` commands, pytest) attaches to the
same server; pgserver counts the attached processes and stops the server when the last one
exits, so the data survives and nothing is left running.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

# Keeps the pgserver handle alive for the life of the process.
_embedded_server: Any = None


def parse_database_url(url: str) -> dict[str, Any]:
    """Turn ``postgres://user:pass@host:port/name?opt=v`` into Django's DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError("DATABASE_URL must be a postgres:// URL (PostgreSQL is the only database)")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = unquote(parts.hostname or "") or query.pop("host", "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": query,
    }


def embedded_database_url(data_dir: Path, database: str = "chatcore") -> str:
    """Start (or attach to) the embedded server and make sure ``database`` exists."""
    global _embedded_server
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: production with DATABASE_URL never loads it

    pgdata = data_dir / "postgres"
    data_dir.mkdir(parents=True, exist_ok=True)
    if _embedded_server is None:
        _embedded_server = pgserver.get_server(pgdata, cleanup_mode="stop")
        _ensure_database(_embedded_server, database)
    return _embedded_server.get_uri(database)


def embedded_server() -> Any:
    """The pgserver handle this process attached to, or None (``DATABASE_URL`` is set)."""
    return _embedded_server


def _ensure_database(server: Any, database: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists is None:
            # Another process may create it between our check and our CREATE.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{database}"')
            logger.info("created embedded database %s", database)
