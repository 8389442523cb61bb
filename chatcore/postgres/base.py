"""Django's PostgreSQL backend with health checks only on connections that sat idle.

``CONN_HEALTH_CHECKS`` makes Django run ``SELECT 1`` before the first query of **every**
request on a persistent connection: a round trip per request (~4% of a conversation-list
request). A connection that served a request moments ago is as good as checked, so here the
check runs only when the connection has been idle for ``HEALTH_CHECK_IDLE_SECONDS`` (a
setting of the database, default 10): after a quiet spell, a server restart or a proxy's idle
timeout, which is when connections break. If one breaks inside a busy spell anyway, the request
that meets it fails, and Django's end-of-request check closes it (``errors_occurred``), so the
next request reconnects. See docs/architecture.md#database.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

DEFAULT_IDLE_SECONDS = 10.0


class DatabaseWrapper(base.DatabaseWrapper):
    last_request_at: float | None = None

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
