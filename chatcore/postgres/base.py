"""Django's PostgreSQL backend with health checks only on connections that sat idle.

``CONN_HEALTH_CHECKS`` makes Django run ``SELECT 1`` before the first query of **every**
request on a persistent connection: a round trip per request (~4% of a conversation-list
request). A connection that served a request moments ago is as good as checked, so here the
check runs only when the connection has been idle for ``HEALTH_CHECK_IDLE_SECONDS`` (a
setting of the database, default 10): after a quiet spell, a server restart or a proxy's idle
timeout, which is when connections break. If one breaks inside a busy spell anyway, the request
that meets it fails, and Django's end-of-request check closes it (``errors_occurred``), so the
next request reconnects. See docs/architecture.md#database.

It also reads ``timestamptz`` values with psycopg's C loader when the session is UTC (it always
is: ``TIME_ZONE = "UTC"``). Django's own loader subclasses psycopg's pure-Python one to attach
its time zone, which parses every value with a regular expression: ~40% of reading a
2,000-message conversation. The C loader gives the same instants, already in UTC.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import adapters, postgres
from psycopg.adapt import Loader
from psycopg.pq import Format

DEFAULT_IDLE_SECONDS = 10.0
TIMESTAMPTZ_OID = postgres.types["timestamptz"].oid


_FAST_TIMESTAMPTZ = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """Loads ``timestamptz`` with psycopg's default loader (C, with psycopg-binary), which
    cannot be subclassed: this one hands out its bound ``load``. ``timezone`` is what Django
    compares against its own before each cursor."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self.load = _FAST_TIMESTAMPTZ(oid, context).load  # type: ignore[method-assign]

    def load(self, data: Any) -> Any:  # replaced per instance in __init__
        raise NotImplementedError


class DatabaseWrapper(base.DatabaseWrapper):
    last_request_at: float | None = None

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if settings.USE_TZ and self.timezone_name == "UTC":
            connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
        return connection

    def close_if_unusable_or_obsolete(self) -> None:
        # Runs at the start and the end of every request (Django's request signals).
        super().close_if_unusable_or_obsolete()
        now = time.monotonic()
        if self.connection is None:
            self.last_request_at = None
            return
        idle = float(self.settings_dict.get("HEALTH_CHECK_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
        if self.last_request_at is not None and now - self.last_request_at < idle:
            self.health_check_done = True  # in use moments ago: no SELECT 1 this request
        self.last_request_at = now
