"""Read replicas: which database each query goes to (docs/architecture.md#read-replicas,
docs/api-behaviour.md#read-your-writes).

With ``DATABASE_REPLICA_URLS`` set, settings add the aliases ``replica_0``, ``replica_1``, ...
and install ``PrimaryReplicaRouter``. The rule is conservative, because a client that just
wrote must never see stale data:

- Every write goes to the primary (``default``), and so does every read inside a transaction.
- Reads go to a replica only inside an API view (``chatcore.viewsets.ApiViewSet``), after
  authentication, for a signed-in user who has not written recently. Authentication, token
  checks, throttles, admin pages, commands and workers all read the primary.
- The first write of a request pins the rest of that request to the primary and stores a short
  per-user pin in Django's cache (``DATABASE_REPLICA_PIN_SECONDS``), so the user's next
  requests, on any web host, read the primary until the replicas have caught up.
- A replica that cannot be reached is skipped for ``DATABASE_REPLICA_RETRY_SECONDS`` with a
  logged warning; reads then fall back to the primary instead of failing the request.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
# Django's DatabaseCache model: cache reads and writes always use the primary, and never pin.
CACHE_APP_LABEL = "django_cache"

_request = threading.local()
_down_until: dict[str, float] = {}


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def pin_key(user_id: Any) -> str:
    return f"db-primary-pin:{user_id}"


def use_replicas_for(user: Any) -> None:
    """Called once per API request after authentication: allow replica reads for this user
    unless a recent write (from any web host) pinned them to the primary."""
    if not replica_aliases() or not getattr(user, "is_authenticated", False):
        return
    _request.user_id = user.pk
    _request.pinned = bool(cache.get(pin_key(user.pk)))
    _request.replicas_allowed = True


def reset(**kwargs: Any) -> None:
    _request.__dict__.clear()


request_started.connect(reset, dispatch_uid="chatcore.replicas.reset.started")
request_finished.connect(reset, dispatch_uid="chatcore.replicas.reset.finished")


def _note_write() -> None:
    if getattr(_request, "pinned_by_write", False):
        return
    _request.pinned = _request.pinned_by_write = True
    user_id = getattr(_request, "user_id", None)
    if user_id is not None:
        cache.set(pin_key(user_id), 1, settings.DATABASE_REPLICA_PIN_SECONDS)


def _reachable(alias: str) -> bool:
    if _down_until.get(alias, 0) > time.monotonic():
        return False
    connection = connections[alias]
    try:
        # A persistent connection to a replica that went away fails here, not in the view.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        _down_until[alias] = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS
        logger.warning("read replica %s unreachable, reading from the primary: %s", alias, exc)
        return False
    return True


def _replica_for_request() -> str:
    chosen = getattr(_request, "alias", None)
    if chosen is None:
        candidates = replica_aliases()
        random.shuffle(candidates)
        chosen = next((alias for alias in candidates if _reachable(alias)), PRIMARY)
        _request.alias = chosen
    return chosen


class PrimaryReplicaRouter:
    """Django database router (settings.DATABASE_ROUTERS) for the primary and its replicas."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if (
            not getattr(_request, "replicas_allowed", False)
            or getattr(_request, "pinned", False)
            or model._meta.app_label == CACHE_APP_LABEL
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return _replica_for_request()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        if model._meta.app_label != CACHE_APP_LABEL and getattr(
            _request, "replicas_allowed", False
        ):
            _note_write()
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
