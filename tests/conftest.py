"""Thin fixtures shared by every test module (factories over static fixtures:
docs/architecture.md#tests)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Each test that touches the database starts with an empty cache. Rate-limit counters and
    primary pins written by live-server tests (committed transactions) or kept in Redis
    (``CACHE_URL``, as in ``make test-external``) would otherwise carry into the next test.
    Tests without the database (or with a database of their own) are left alone."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            cache.clear()


@pytest.fixture
def auth_from_database(settings):
    """Query-count tests count the user lookup of authentication: keep it in the database even
    when the cache is shared (Redis in ``make test-external``), where it is cached
    (chatcore/auth/authentication.py)."""
    settings.AUTH_USER_CACHE = "off"


@pytest.fixture
def user(db):
    return UserFactory(email="alice@example.com", name="Alice")


@pytest.fixture
def other_user(db):
    return UserFactory(email="mallory@example.com", name="Mallory")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def bearer_client(user) -> APIClient:
    """An APIClient sending a real simplejwt access token, as a LibreChat client does."""
    client = APIClient()
    token = RefreshToken.for_user(user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def auth_client(user) -> APIClient:
    return bearer_client(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return bearer_client(other_user)
