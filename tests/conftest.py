"""Thin fixtures shared by every test module (factories over static fixtures:
docs/architecture.md#tests)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _redis_cache_starts_empty():
    """The database cache is rolled back with each test; a Redis cache (CACHE_URL, as in
    make test-external) is not, so it is emptied before each test (throttle counters, pins)."""
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        cache.clear()


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
