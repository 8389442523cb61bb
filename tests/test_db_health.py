"""Persistent connections are health-checked only after sitting idle, not on every request
(docs/architecture.md#database)."""

from __future__ import annotations

import pytest
from django.db import connection, connections

from chatcore.postgres.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_configured_backend_is_chatcores():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_used_moments_ago_skips_the_check_and_an_idle_one_runs_it():
    connection.ensure_connection()
    connection.close_if_unusable_or_obsolete()  # the end of one request
    connection.close_if_unusable_or_obsolete()  # the start of the next, moments later
    assert connection.health_check_done is True  # no SELECT 1 before its first query
    connection.last_request_at -= connection.settings_dict["HEALTH_CHECK_IDLE_SECONDS"] + 1
    connection.close_if_unusable_or_obsolete()
    assert connection.health_check_done is False  # checked before the first query
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)
    assert connection.health_check_done is True


def test_a_broken_idle_connection_is_replaced_before_the_request_uses_it():
    connection.ensure_connection()
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        first_pid = cursor.fetchone()[0]
    connection.connection.close()  # the server or a proxy dropped it while idle
    connection.last_request_at -= connection.settings_dict["HEALTH_CHECK_IDLE_SECONDS"] + 1
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != first_pid
