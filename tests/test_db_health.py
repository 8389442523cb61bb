"""chatcore's PostgreSQL backend: persistent connections are health-checked only after
sitting idle, not on every request, and timestamps load through psycopg's fast loader
(docs/architecture.md#database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

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
    first = connection.connection
    first.close()  # the server or a proxy dropped it while idle
    connection.last_request_at -= connection.settings_dict["HEALTH_CHECK_IDLE_SECONDS"] + 1
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    # A new client connection (behind PgBouncer it may reach the same server backend).
    assert connection.connection is not first and not connection.connection.closed


def test_timestamps_load_through_the_fast_loader_as_aware_utc():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::timestamptz, '2024-05-29 02:33:03.661+02'::timestamptz, "
            "'0001-01-01 00:00:00+00'::timestamptz",
            [datetime(2024, 5, 29, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=1)))],
        )
        values = cursor.fetchone()
    assert values == (
        datetime(2024, 5, 29, 0, 2, 3, 456789, tzinfo=UTC),
        datetime(2024, 5, 29, 0, 33, 3, 661000, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    )
    assert all(value.tzinfo is UTC for value in values)
